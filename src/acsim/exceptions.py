"""Every exception and warning acsim raises, in one place."""

from __future__ import annotations

__all__ = [
    "AcsimError",
    "ScenarioError",
    "ScenarioWarning",
    "SimulationError",
    "SteadyStateWarning",
    "UncalibratedWarning",
]


class AcsimError(Exception):
    """Base class of every error acsim raises on purpose."""


class ScenarioError(AcsimError, ValueError):
    """Bad input: a scenario file or value that does not validate.

    Attributes:
        source: The file (or ``"<api>"`` / ``"--set"``) the bad value came from.
        key: Dotted key path of the offending value, or ``""`` for the whole file.
        problem: What was expected, in words.

    """

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


class SimulationError(AcsimError, RuntimeError):
    """An internal inconsistency detected while simulating (a bug, not bad input)."""


class UncalibratedWarning(UserWarning):
    """A result depends on effect sizes that are placeholders, not yet calibrated."""


class ScenarioWarning(UserWarning):
    """A valid scenario with a part that cannot take effect (e.g. a programme never reached)."""


class SteadyStateWarning(UserWarning):
    """The reporting window is not in a steady state: the stock still grows or falls in it."""
