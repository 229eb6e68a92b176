"""Municipal targets (M01, M03) on a seed the calibration did not use.

Full-size runs of about 20,000 inflow-years per city (a standard error of about 0.15 weeks on
the mean duration against the 0.5-week tolerance): a few minutes on 2 cores.
"""

from pathlib import Path

import pytest

from acsim import load_scenario
from acsim.calibration import (
    COPENHAGEN_STOCK_2019,
    MEAN_COMPLETED_DURATION,
    default_replications,
    simulated_mean_duration,
    simulated_stock,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = 7  # the levels were fitted on seed 2019


def test_mean_completed_durations_match_table_5_2():
    rows = []
    for city, published in MEAN_COMPLETED_DURATION.items():
        sc = load_scenario(ROOT / "scenarios" / f"{city}.toml")
        # About 20,000 inflow-years each: standard error ~0.15 weeks.
        simulated = simulated_mean_duration(sc, SEED, replications=default_replications(sc))
        rows.append((city, published, simulated))
    table = "\n".join(f"  {c:<14} published {p:5.1f}  simulated {s:6.2f}  diff {s - p:+.2f}"
                      for c, p, s in rows)
    assert all(abs(s - p) <= 0.5 for _, p, s in rows), f"M01 out of 0.5 weeks:\n{table}"


def test_copenhagen_stock_by_elapsed_duration_matches_seed_000():
    sc = load_scenario(ROOT / "scenarios" / "copenhagen.toml")
    sim = simulated_stock(sc, SEED, replications=1)
    rel = {k: sim[k] / v - 1 for k, v in COPENHAGEN_STOCK_2019.items()}
    table = "\n".join(f"  {k:<12} published {COPENHAGEN_STOCK_2019[k]:6.0f} "
                      f"simulated {sim[k]:6.0f} ({rel[k]:+.1%})" for k in rel)
    assert all(abs(r) <= 0.15 for r in rel.values()), f"M03 out of 15 %:\n{table}"


@pytest.mark.parametrize("city", sorted(MEAN_COMPLETED_DURATION))
def test_every_city_file_has_a_calibrated_level(city):
    text = (ROOT / "scenarios" / f"{city}.toml").read_text()
    assert "# CALIBRATED: mean completed duration" in text
