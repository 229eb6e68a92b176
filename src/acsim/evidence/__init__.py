"""Evidence records, virtual trials, validation checks and calibration."""
