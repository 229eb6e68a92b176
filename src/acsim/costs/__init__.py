"""Dated rates, the costing of spells, and business cases."""
