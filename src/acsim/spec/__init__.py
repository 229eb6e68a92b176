"""Validated specs: TOML files, ``--set`` overrides and the Python API are one thing."""
