"""Engine benchmark: acsim vs a plain SimPy reference and a vectorised NumPy floor.

Runs, in one process and one session, (1) acsim on the Copenhagen scenario at 20,000 jobseekers
a year over a 104-week horizon, (2) the plain SimPy reference model of the same core features
(benchmarks/reference.py), (3) the NumPy floor without caseworkers. Prints seconds per
replication (median of --repeats), the ratios, events per jobseeker and memory per 100,000
spells. The rounds are interleaved (acsim, reference, floor, acsim, ...) and the ratios are
medians of per-round ratios of CPU time, which a shared machine's load disturbs far less than
wall time. Goal (issue 17): acsim / plain SimPy <= 0.8 (DESIGN.md: <= 1.0, never above 1.5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402
from acsim import JobCentre, load_scenario  # noqa: E402
from acsim.analysis.outcomes import spell_table  # noqa: E402
from acsim.exceptions import UncalibratedWarning  # noqa: E402


def scenario(inflow: float):
    sc = load_scenario(HERE.parent / "scenarios" / "copenhagen.toml")
    return sc.with_changes({"population.annual_inflow": inflow, "scenario.warmup_weeks": 0.0,
                            "scenario.horizon_weeks": 104.0})


def time_acsim(sc, seed: int):
    t, cpu = time.perf_counter(), time.process_time()
    c = JobCentre(sc, seed, 0)
    c.run()
    return time.perf_counter() - t, time.process_time() - cpu, c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inflow", type=float, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore", UncalibratedWarning)
    sc = scenario(args.inflow)
    acs, refs, floors = [], [], []
    cpu_ratio = []
    centre = None
    for r in range(args.repeats):
        el, acpu, centre = time_acsim(sc, 100 + r)
        acs.append(el)
        t, cpu = time.perf_counter(), time.process_time()
        ref = reference.run_plain_simpy(args.inflow, 104.0, seed=100 + r)
        refs.append(time.perf_counter() - t)
        cpu_ratio.append(acpu / (time.process_time() - cpu))
        t = time.perf_counter()
        reference.run_numpy_floor(args.inflow, 104.0, seed=100 + r)
        floors.append(time.perf_counter() - t)
    a, p, f = (statistics.median(x) for x in (acs, refs, floors))
    n_js = len(centre.population.inflow)
    ev = centre.events / n_js

    tracemalloc.start()
    table = spell_table(centre)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mem_table = table.memory_usage(deep=True).sum() / len(table) * 100_000 / 2**20

    rows = [
        ("acsim engine (Copenhagen)", f"{a:.2f} s/rep", f"{ev:.1f} events/jobseeker"),
        ("plain SimPy reference", f"{p:.2f} s/rep", f"{ref['events_per_jobseeker']:.1f} "
         "events/jobseeker"),
        ("NumPy floor (no caseworkers)", f"{f:.3f} s/rep", ""),
        ("ratio acsim / plain SimPy", f"{statistics.median(cpu_ratio):.2f}",
         f"CPU time, median of rounds (wall: {a / p:.2f}); goal <= 0.8"),
        ("acsim time per SimPy event", f"{a / centre.events * 1e6:.1f} us",
         f"plain SimPy: {p / ref['events'] * 1e6:.1f} us"),
        ("ratio acsim / NumPy floor", f"{a / f:.0f}", ""),
        ("spell table memory", f"{mem_table:.1f} MB per 100,000 spells", ""),
        ("jobseekers / spells", f"{n_js} / {len(table)}", f"{args.repeats} repeats, median"),
    ]
    w = max(len(r[0]) for r in rows)
    for name, val, note in rows:
        print(f"{name:<{w}}  {val:<28} {note}")


if __name__ == "__main__":
    main()
