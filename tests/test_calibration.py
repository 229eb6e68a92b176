"""Municipal calibration: the heterogeneity fitted to a stock's shape, on an oracle."""

import pytest

from acsim.evidence.levels import fit_latent_risk, simulated_stock
from conftest import bare_scenario


def _scenario(beta: float):
    return bare_scenario(**{
        "population.annual_inflow": 3000.0,
        "hazard.job": {"breaks": [0.0], "rates": [0.03]},
        "hazard.covariates.latent_risk": beta,
    })


def _ratio(stock: dict[str, float]) -> float:
    return stock["12+ months"] / stock["3-5 months"]


def test_fit_latent_risk_recovers_the_heterogeneity_that_made_the_stock():
    """The stock simulated at a known heterogeneity is the target; the fit starts elsewhere.

    More heterogeneity leaves more of the slow jobseekers unemployed at 12 months, so the ratio
    of the 12+ to the 3-5 months stock rises with |beta|; common random numbers make it smooth
    enough for secant steps to find the beta that made the target.
    """
    truth = -0.8
    target = simulated_stock(_scenario(truth), seed=11)
    flat = simulated_stock(_scenario(0.0), seed=11)
    assert _ratio(flat) < _ratio(target), (flat, target)
    got = fit_latent_risk(_scenario(-0.3), target, seed=11, tolerance=0.01)
    assert got == pytest.approx(truth, abs=0.1), (got, target)
