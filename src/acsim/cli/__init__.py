"""The ``acsim`` command line."""

from acsim.cli.main import main

__all__ = ["main"]
