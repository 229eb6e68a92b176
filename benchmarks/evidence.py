"""Wall time of the evidence commands against the issue's 10-minute goal on 2 cores.

Times, as a user would run them: ``acsim validate --seeds 3`` (every check at the files' seeds
and three more seed sets, full size) and ``acsim calibrate --uncertainty --scale 0.5`` (the
fitted effects' joint covariance: 14 evaluations of every effects stage's trials). With
``--full`` also the whole ``acsim calibrate --scale 0.5 --joint`` (the staged fit, the joint
stage, the covariance and the city levels; about an hour), into a temporary checkpoint and
without writing the shipped files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

GOAL_SECONDS = 600.0


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "acsim", *args], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--full", action="store_true", help="also the whole calibration (an hour)")
    a = p.parse_args()
    w = ["--workers", str(a.workers), "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [("validate --seeds 3", ["validate", "--seeds", "3", *w, "--out", tmp]),
                ("calibrate --uncertainty --scale 0.5",
                 ["calibrate", "--uncertainty", "--scale", "0.5", "--no-write",
                  "--checkpoint", tmp, *w])]
        if a.full:
            jobs.append(("calibrate --scale 0.5 --joint", [
                "calibrate", "--scale", "0.5", "--joint", "--no-write", "--checkpoint", tmp,
                *w]))
        print(f"{'command':<40} {'wall s':>8} {'of the 10-minute goal':>22}")
        for label, args in jobs:
            s = timed(args)
            print(f"{label:<40} {s:>8.0f} {s / GOAL_SECONDS:>21.0%}", flush=True)


if __name__ == "__main__":
    main()
