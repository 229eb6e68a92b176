import os
import warnings

import pytest
from hypothesis import settings

from acsim import Scenario
from acsim.exceptions import UncalibratedWarning

# Property tests are seeded like every statistical test: the same examples on every run and in
# CI (no example database carried between runs). ACSIM_HYPOTHESIS=explore searches afresh.
settings.register_profile("seeded", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("ACSIM_HYPOTHESIS", "seeded"))


@pytest.fixture(autouse=True)
def _quiet_uncalibrated():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncalibratedWarning)
        yield


def bare_scenario(**changes) -> Scenario:
    """No caseworkers, meetings or programmes; zero covariates; no other exits or returns."""
    base = {
        "scenario.warmup_weeks": 0.0,
        "scenario.horizon_weeks": 300.0,
        "population.annual_inflow": 1500.0,
        "population.graduate_share": 0.0,
        "staffing.caseworkers": 0,
        "meetings.schedule": "none",
        "screening.at": "entry",
        "hazard.job": {"breaks": [0.0], "rates": [0.1]},
        "hazard.other": {"breaks": [0.0], "rates": [0.0]},
        "hazard.separation": {"breaks": [0.0], "rates": [0.0]},
        "hazard.benefit_weeks": 520.0,
        "hazard.covariates": {
            "female": 0.0, "under30": 0.0, "age50plus": 0.0, "graduate": 0.0,
            "international": 0.0, "latent_risk": 0.0,
        },
    }
    base.update(changes)
    return Scenario().with_changes(base)


def check_survival(res, expected, weeks) -> None:
    """Kaplan-Meier survival of the first spells against ``expected(t)``, within 4 SE.

    Prints every compared week (simulated, analytic, standard error) when it fails.
    """
    import math

    from lifelines import KaplanMeierFitter

    s = res.spells[res.spells["spell"] == 0]
    kmf = KaplanMeierFitter().fit(s["duration"], s["event"])
    rows = []
    for t in weeks:
        sf = float(kmf.survival_function_at_times([t]).iloc[0])
        se = math.sqrt(max(sf * (1 - sf), 1e-6) / len(s))
        rows.append((t, sf, expected(t), se))
    table = "\n".join(f"  t={t:5.1f} simulated={a:.4f} analytic={b:.4f} se={c:.4f}"
                      for t, a, b, c in rows)
    assert all(abs(a - b) <= 4 * c + 1e-3 for _, a, b, c in rows), table
