"""acsim: discrete-event simulation of unemployment spells of academics under job-centre policies.

Example:
    >>> import acsim
    >>> scenario = acsim.Scenario().with_changes({"population.annual_inflow": 500})
    >>> result = acsim.run(scenario, replications=1, seed=1, progress=False)  # doctest: +SKIP
    >>> result.summary  # doctest: +SKIP

"""

from importlib.metadata import PackageNotFoundError, version

from acsim.analysis.plotting import plot_survival
from acsim.costs.business import business_case, paired_business_case
from acsim.costs.model import cost_summary, spell_costs
from acsim.evidence.records import load_evidence
from acsim.evidence.trials import Trial, TrialResult, load_trial, run_trial
from acsim.evidence.validation import validate
from acsim.exceptions import (
    AcsimError,
    ScenarioError,
    SimulationError,
    SteadyStateWarning,
    UncalibratedWarning,
)
from acsim.experiments.compare import Comparison, compare, sweep
from acsim.experiments.decompose import Decomposition, decompose
from acsim.experiments.run import RunResult, run
from acsim.experiments.shapley import ShapleyDecomposition, parameter_sensitivity, shapley
from acsim.model.engine import JobCentre
from acsim.model.hazards import PiecewiseHazard
from acsim.spec.scenario import Scenario, load_scenario

try:
    __version__ = version("acsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AcsimError",
    "Comparison",
    "Decomposition",
    "JobCentre",
    "PiecewiseHazard",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "ShapleyDecomposition",
    "SimulationError",
    "SteadyStateWarning",
    "Trial",
    "TrialResult",
    "UncalibratedWarning",
    "__version__",
    "business_case",
    "compare",
    "cost_summary",
    "decompose",
    "load_evidence",
    "load_scenario",
    "load_trial",
    "paired_business_case",
    "parameter_sensitivity",
    "plot_survival",
    "run",
    "run_trial",
    "shapley",
    "spell_costs",
    "sweep",
    "validate",
]
