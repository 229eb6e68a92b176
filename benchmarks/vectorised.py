"""Vectorised engine vs SimPy engine on the shipped trials, measured side by side.

For every trial in scenarios/trials/ and every arm, both engines simulate the same jobseekers
on the same seed (the arm's job centre only: population drawn once, estimation left out), in
interleaved rounds (SimPy, vectorised, SimPy, ...) in one process. Printed per trial: CPU
seconds of each engine summed over the arms the vectorised engine accepts (median over the
rounds), the ratio SimPy / vectorised, and the arms it refuses with the key. The spells are
checked equal (exit times to 1e-9, exit reasons exactly) in every round. Goal (issue 17): the
vectorised engine >= 20x faster than SimPy on the same trial.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import simpy

from acsim.evidence.trials import load_trial
from acsim.exceptions import UncalibratedWarning
from acsim.model.engine import JobCentre, run_paused_gc
from acsim.model.population import draw_population
from acsim.model.vectorised import RoundingTie, VectorisedCentre, _problem

HERE = Path(__file__).resolve().parent
TRIALS = sorted((HERE.parent / "scenarios" / "trials").glob("*.toml"))


def _simpy(sc, root, people, ids):
    cpu = time.process_time()
    env = simpy.Environment()
    c = JobCentre(sc, root, 0, env)
    c.admit(people, keys=ids)
    run_paused_gc(env)
    return time.process_time() - cpu, c


def _vectorised(sc, root, people):
    cpu = time.process_time()
    v = VectorisedCentre(sc, root, 0)
    v.admit(people)
    v.simulate()
    return time.process_time() - cpu, v


def _same(a, b) -> bool:
    x = sorted(a.records, key=lambda r: (r[0], r[1]))
    y = sorted(b.records, key=lambda r: (r[0], r[1]))
    return len(x) == len(y) and all(p[4] == q[4] and abs(p[3] - q[3]) <= 1e-9 and p[8] == q[8]
                                    for p, q in zip(x, y, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="jobseekers per trial")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore", UncalibratedWarning)
    setups = []
    for path in TRIALS:
        trial = load_trial(path)
        scs = trial.scenarios(n=args.n)
        control = scs[trial.spec.control]
        root = trial.spec.seed
        pop = draw_population(control.population, date(2019, 1, 1), trial.spec.intake_weeks,
                              control.hazard.covariates, root, 0)
        people = pop.inflow
        ids = np.array([js.id for js in people], dtype=np.int64)
        arms, refused = [], []
        for arm, sc in scs.items():
            problem = _problem(sc, len(people))
            (refused.append(f"{arm} ({problem[0]})") if problem else arms.append((arm, sc)))
        setups.append((trial.id, root, people, ids, arms, refused))
    times: dict[str, list[tuple[float, float]]] = {t[0]: [] for t in setups}
    late: dict[str, list[str]] = {t[0]: [] for t in setups}
    for rnd in range(args.rounds):
        for tid, root, people, ids, arms, _ in setups:
            ts = tv = 0.0
            for arm, sc in arms:
                cs, c = _simpy(sc, root, people, ids)
                try:
                    cv, v = _vectorised(sc, root, people)
                except RoundingTie:
                    if rnd == 0:
                        late[tid].append(f"{arm} (a rounding tie in the run)")
                    continue
                if not _same(c, v):
                    raise SystemExit(f"{tid}:{arm}: the engines' spells differ")
                ts += cs
                tv += cv
            times[tid].append((ts, tv))
        print(f"round {rnd + 1}/{args.rounds} done", flush=True)
    print(f"\nshipped trials at n = {args.n:,}, {args.rounds} interleaved rounds, CPU seconds "
          "(medians), spells equal in every round")
    print(f"{'trial':20s} {'simpy s':>8s} {'vector s':>8s} {'ratio':>6s}  refused arms")
    all_s = all_v = 0.0
    ratios = []
    for tid, *_rest, refused in setups:
        if not times[tid] or not any(t[1] for t in times[tid]):
            print(f"{tid:20s} {'':>8s} {'':>8s} {'':>6s}  all: {', '.join(refused + late[tid])}")
            continue
        s = statistics.median(t[0] for t in times[tid])
        v = statistics.median(t[1] for t in times[tid])
        r = statistics.median(t[0] / t[1] for t in times[tid] if t[1] > 0)
        ratios.append(r)
        all_s, all_v = all_s + s, all_v + v
        print(f"{tid:20s} {s:8.2f} {v:8.3f} {r:6.1f}  {', '.join(refused + late[tid])}")
    print(f"{'all accepted arms':20s} {all_s:8.2f} {all_v:8.3f} {all_s / all_v:6.1f}"
          f"  (median per-trial ratio {statistics.median(ratios):.1f}; goal >= 20)")


if __name__ == "__main__":
    main()
