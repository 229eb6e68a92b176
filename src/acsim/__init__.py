"""acsim: discrete-event simulation of unemployment spells of academics under job-centre policies.

Example:
    >>> import acsim
    >>> scenario = acsim.Scenario().with_changes({"population.annual_inflow": 500})
    >>> result = acsim.run(scenario, replications=1, seed=1, progress=False)  # doctest: +SKIP
    >>> result.summary  # doctest: +SKIP

"""

from importlib.metadata import PackageNotFoundError, version

from .business import business_case, paired_business_case
from .comparison import Comparison, compare, sweep
from .costs import cost_summary, spell_costs
from .engine import JobCentre
from .evidence import load_evidence
from .exceptions import AcsimError, ScenarioError, SimulationError, UncalibratedWarning
from .experiment import RunResult, run
from .hazards import PiecewiseHazard
from .plotting import plot_survival
from .scenario import Scenario, load_scenario
from .trial import Trial, TrialResult, load_trial, run_trial
from .validation import validate

try:
    __version__ = version("acsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AcsimError",
    "Comparison",
    "JobCentre",
    "PiecewiseHazard",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "Trial",
    "TrialResult",
    "UncalibratedWarning",
    "__version__",
    "business_case",
    "compare",
    "cost_summary",
    "load_evidence",
    "load_scenario",
    "load_trial",
    "paired_business_case",
    "plot_survival",
    "run",
    "run_trial",
    "spell_costs",
    "sweep",
    "validate",
]
