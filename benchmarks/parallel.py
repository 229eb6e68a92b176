"""Replications at scale: speed-up of 2 workers over 1, and time per replication vs size.

Prints, measured in this run: wall time of 4 Copenhagen replications with 1 and 2 workers and
their ratio (goal: 2 workers at least 1.8 times as fast), the same on a local Dask cluster
against the process pool (goal: within 1.3 times), and seconds per replication as the
annual inflow grows from 5,000 to 80,000 with the time per jobseeker relative to the smallest
(goal: within 10 % of linear).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import acsim
from acsim.exceptions import UncalibratedWarning

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--sizes", type=float, nargs="+", default=[5_000, 10_000, 20_000, 40_000,
                                                                80_000])
    args = ap.parse_args()
    warnings.simplefilter("ignore", UncalibratedWarning)
    sc = acsim.load_scenario(HERE.parent / "scenarios" / "copenhagen.toml")

    walls = {}
    for w in (1, 2):
        t = time.perf_counter()
        res = acsim.run(sc, replications=args.replications, seed=1, workers=w, progress=False)
        walls[w] = time.perf_counter() - t
        if w == 1:
            first = res.spells
        else:
            assert res.spells.equals(first), "results differ between 1 and 2 workers"
    print(f"{args.replications} replications: 1 worker {walls[1]:.1f} s, 2 workers "
          f"{walls[2]:.1f} s, speed-up {walls[1] / walls[2]:.2f} (goal >= 1.8); "
          "identical results")
    try:
        t = time.perf_counter()
        res = acsim.run(sc, replications=args.replications, seed=1, workers=2, backend="dask",
                        progress=False)
        dask_wall = time.perf_counter() - t
        assert res.spells.equals(first), "results differ between Dask and the process pool"
        print(f"Dask local cluster (2 workers, started in the run) {dask_wall:.1f} s: "
              f"{dask_wall / walls[2]:.2f} times the process pool (goal <= 1.3); identical")
    except ImportError:
        print("Dask not installed: pip install 'acsim[distributed]'")

    print(f"{'annual inflow':>13} {'jobseekers':>10} {'s/rep':>7} {'us/jobseeker':>13} "
          f"{'vs smallest':>11}")
    base = None
    for size in args.sizes:
        v = sc.with_changes({"population.annual_inflow": size,
                             "staffing.caseworkers": max(3, round(40 * size / 9880))})
        t = time.perf_counter()
        centre = acsim.JobCentre(v, 1, 0)
        centre.run()
        el = time.perf_counter() - t
        n = len(centre.population.inflow)
        per = el / n * 1e6
        base = base or per
        print(f"{size:>13,.0f} {n:>10,} {el:>7.2f} {per:>13.1f} {per / base:>11.2f}")


if __name__ == "__main__":
    main()
