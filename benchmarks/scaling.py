"""Scaling benchmark: time per jobseeker over inflow sizes, and peak memory per 100,000 spells.

(d) Copenhagen (104 weeks, no warm-up) at 5,000 to 80,000 entrants a year: CPU seconds per
jobseeker of one replication (draw, build and run), relative to the smallest size. The sizes are
run in interleaved rounds (every size once per round, smallest first, then reversed) and the
median per size is reported, so load on a shared machine hits every size alike. Target: within
10 % of linear (relative cost <= 1.10 at every size).

(e) Peak resident memory of a replication, per 100,000 spells: it runs in a fresh process, which
reports its peak RSS (``VmHWM``) over its RSS before the run.

Caseworkers grow with the inflow (Copenhagen's 40 per 9,960 entrants a year), so every size has
the same caseloads and the same events per jobseeker.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (5_000, 10_000, 20_000, 40_000, 80_000)

_MEMORY = """
import json, sys, warnings
sys.path.insert(0, {here!r})
warnings.simplefilter("ignore")
from scaling import scenario
from acsim import JobCentre

def status(key):  # kB; VmHWM is the peak RSS of this process image (ru_maxrss is inherited)
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])

sc = scenario({inflow})
base = status("VmRSS")
c = JobCentre(sc, 100, 0)
c.run()
print(json.dumps(dict(spells=len(c.records), kib=status("VmHWM") - base)))
"""


#: Copenhagen's caseworkers per entrant a year (40 at 9,960): staffing grows with the inflow, so
#: every size has the same caseloads and the same work per jobseeker (with fixed staffing the
#: calendar binds ever harder and fewer meetings are held per jobseeker as the inflow grows).
_CASEWORKERS_PER_ENTRANT = 40 / 9960


def scenario(inflow: float):
    from acsim import load_scenario

    sc = load_scenario(HERE.parent / "scenarios" / "copenhagen.toml")
    return sc.with_changes({
        "population.annual_inflow": inflow, "scenario.warmup_weeks": 0.0,
        "scenario.horizon_weeks": 104.0,
        "staffing.caseworkers": max(3, round(inflow * _CASEWORKERS_PER_ENTRANT)),
    })


def cpu_per_jobseeker(inflow: float, seed: int) -> tuple[float, int, float]:
    """CPU seconds per jobseeker, jobseekers, events per jobseeker of one replication."""
    from acsim import JobCentre

    sc = scenario(inflow)
    t = time.process_time()
    c = JobCentre(sc, seed, 0)
    c.run()
    el = time.process_time() - t
    n = len(c.population.inflow)
    return el / n, n, c.events / n


def peak_memory(inflow: float) -> tuple[int, float]:
    """Spells and peak RSS (MiB) of one replication in a fresh process."""
    code = _MEMORY.format(here=str(HERE), inflow=inflow)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    return got["spells"], got["kib"] / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=list(SIZES))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--memory-inflow", type=float, default=20_000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    sizes = sorted(args.sizes)
    times: dict[float, list[float]] = {s: [] for s in sizes}
    info: dict[float, tuple[int, float]] = {}
    for r in range(args.rounds):
        for s in sizes if r % 2 == 0 else sizes[::-1]:
            per, n, ev = cpu_per_jobseeker(s, 100 + r)
            times[s].append(per)
            info[s] = (n, ev)
    first = statistics.median(times[sizes[0]])
    print(f"{'entrants/year':>13}  {'jobseekers':>10}  {'events/js':>9}  {'us/jobseeker':>12}  "
          f"{'us/event':>8}  {'relative':>8}")
    worst = 0.0
    for s in sizes:
        per = statistics.median(times[s])
        rel = per / first
        worst = max(worst, rel)
        n, ev = info[s]
        print(f"{s:>13,.0f}  {n:>10,}  {ev:>9.2f}  {per * 1e6:>12.1f}  {per / ev * 1e6:>8.1f}  "
              f"{rel:>8.2f}")
    print(f"worst relative cost {worst:.2f} (target <= 1.10; CPU time, {args.rounds} interleaved "
          "rounds, median)")
    spells, mib = peak_memory(args.memory_inflow)
    print(f"peak memory: {mib:.0f} MiB for {spells:,} spells = "
          f"{mib / spells * 100_000:.0f} MiB per 100,000 spells "
          f"(Copenhagen at {args.memory_inflow:,.0f} a year, fresh process, peak RSS over imports)")


if __name__ == "__main__":
    main()
