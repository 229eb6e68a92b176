"""Metrics, intervals and survival estimates derived from the engine's record, and plots."""
