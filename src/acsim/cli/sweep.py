"""The ``acsim sweep`` subcommand: a dose-response over a grid of values of one scenario."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from acsim.cli.options import (
    MAX_REPLICATIONS,
    check_count,
    check_metric,
    check_seed,
    check_workers,
    output_dir,
    write_error,
)
from acsim.exceptions import ScenarioError

__all__ = ["COMMANDS", "add_parsers"]

#: The metrics of a sweep when ``--metric`` is not given: duration, stock, staff and cost.
DEFAULT_METRICS = ("mean_completed_duration", "rmst_104", "full_year_persons",
                   "caseworker_utilisation", "cost_per_year")

#: Grid points of one sweep at most (each runs every replication).
MAX_POINTS = 100

_DESCRIPTION = (
    "Run a scenario at every combination of the --grid values, all on the same seeds (common "
    "random numbers), and print each metric's mean with its 95 % interval and the paired "
    "difference against the first grid point. --out DIR writes sweep.csv and sweep.png (per "
    "metric, its level and its paired difference against the first --grid key). Example: "
    "acsim sweep scenarios/copenhagen.toml --grid staffing.caseworkers=30,40,50,63,80 -n 4 "
    "--out sweep/")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    s = sub.add_parser("sweep", help="run one scenario over a grid of values (a dose-response)",
                       description=_DESCRIPTION)
    s.add_argument("scenario", help="scenario TOML file")
    s.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   required=True,
                   help="a dotted key path and its values (repeatable: every combination)")
    s.add_argument("--replications", "-n", type=int, default=4,
                   help="replications per grid point (default 4)")
    s.add_argument("--seed", type=int, default=None,
                   help="root seed (default: fresh entropy, printed)")
    s.add_argument("--metric", action="append", default=None,
                   help="a run metric to report (repeatable; default: "
                        f"{', '.join(DEFAULT_METRICS)})")
    s.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY=VALUE", help="override a value of the scenario (repeatable)")
    s.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    s.add_argument("--parameter-draws", type=int, default=0, metavar="K",
                   help="also run every grid point under the same K parameter sets: total "
                        "intervals with parameter uncertainty (default 0: none)")
    s.add_argument("--out", type=Path, default=None,
                   help="directory for sweep.csv and sweep.png (default: print only)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")


def parse_grid(specs: list[str], source: str) -> dict[str, list[Any]]:
    """``KEY=V1,V2,...`` options as a grid; values read as in ``--set``.

    Raises:
        ScenarioError: A spec without ``=`` or values, a key given twice, or too many points.

    """
    from acsim.spec.scenario import parse_override

    grid: dict[str, list[Any]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise ScenarioError("--grid", spec, "expected KEY=V1,V2,..., e.g. "
                                "staffing.caseworkers=30,40,50,63,80")
        key = key.strip()
        if key in grid:
            raise ScenarioError("--grid", key, "given twice")
        try:
            grid[key] = [parse_override(f"{key}={v.strip()}")[1] for v in values.split(",")]
        except ScenarioError as exc:
            raise ScenarioError(f"{source} (--grid)", exc.key, exc.problem) from None
    points = 1
    for v in grid.values():
        points *= len(v)
    if points > MAX_POINTS:
        raise ScenarioError("--grid", "", f"{points:,} grid points; at most {MAX_POINTS}")
    return grid


def _cmd_sweep(args: argparse.Namespace) -> int:
    import pandas as pd

    from acsim.cli.main import _overrides
    from acsim.costs.model import RatesCoverageWarning
    from acsim.exceptions import UncalibratedWarning
    from acsim.experiments.compare import sweep
    from acsim.experiments.draws import check_draws
    from acsim.spec.scenario import load_scenario

    check_count(args.replications, "--replications", 2, MAX_REPLICATIONS)
    check_seed(args.seed)
    check_workers(args.workers)
    check_draws(args.parameter_draws)
    metrics = tuple(args.metric or DEFAULT_METRICS)
    for m in metrics:
        check_metric(m)
    scenario = load_scenario(args.scenario)
    if args.overrides:
        scenario = scenario.with_changes(_overrides(args.scenario, args.overrides),
                                         source=f"{args.scenario} (--set)")
    grid = parse_grid(args.grid, args.scenario)
    for key, values in grid.items():  # every point validates before any simulation
        for v in values:
            scenario.with_changes({key: v}, source=f"{args.scenario} (--grid {key}={v})")
    output_dir(args.out, "--out")
    from acsim.model.rng import root_entropy

    seed = root_entropy(args.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UncalibratedWarning)
        warnings.simplefilter("always", RatesCoverageWarning)
        table = sweep(scenario, grid, replications=args.replications, seed=seed,
                      workers=args.workers, metrics=metrics,
                      progress=False if args.quiet else None,
                      parameter_draws=args.parameter_draws)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {message}", file=sys.stderr)
    keys = list(grid)
    print(f"{scenario.name}: {args.replications} replication(s) per grid point, seed {seed}; "
          f"differences paired against {', '.join(f'{k}={grid[k][0]}' for k in keys)}")
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", lambda x: f"{x:,.0f}" if abs(x) >= 1000
                           else f"{x:.3f}"):
        for metric in metrics:
            rows = table[table["metric"] == metric].drop(columns="metric")
            print(f"\n{metric}:")
            print(rows.to_string(index=False))
    if args.out is not None:
        try:
            _write(args.out, table, keys[0], metrics)
        except OSError as exc:
            raise write_error("--out", args.out, exc) from None
        print(f"wrote {args.out}/: sweep.csv, sweep.png")
    return 0


def _write(out: Path, table, key: str, metrics: tuple[str, ...]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from acsim.analysis.sweep_plots import plot_sweep

    table.to_csv(out / "sweep.csv", index=False)
    fig, axes = plt.subplots(len(metrics), 2, figsize=(12, 2.9 * len(metrics)),
                             squeeze=False)
    for row, metric in zip(axes, metrics, strict=True):
        plot_sweep(table, key, metric, ax=row[0])
        plot_sweep(table, key, metric, ax=row[1], difference=True)
    fig.tight_layout()
    fig.savefig(out / "sweep.png", dpi=110)
    plt.close(fig)


COMMANDS = {"sweep": _cmd_sweep}
