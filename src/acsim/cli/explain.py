"""The ``acsim explain`` subcommand: which differences drive the gap between two scenarios.

By default it splits the gap by Shapley values over the parts
(:func:`acsim.experiments.shapley.shapley`: every combination of parts moved, each part
averaged over every order); ``--method chain`` moves them one at a time in one order
(:func:`acsim.experiments.decompose.decompose`). Either way it writes ``explain.csv`` (each
part's contribution with its 95 % interval, then the total, whose parts add up exactly) and
``explain_<metric>.png``. ``--sensitivity`` adds ``sensitivity.csv`` and ``sensitivity.png``:
the effect parameters ranked by how much each moves the gap across its range
(:func:`acsim.experiments.shapley.parameter_sensitivity`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from acsim.cli.options import (
    DEFAULT_REPLICATIONS,
    check_count,
    check_seed,
    check_workers,
    output_dir,
    write_error,
)
from acsim.costs.model import RatesCoverageWarning
from acsim.exceptions import ScenarioError, SteadyStateWarning, UncalibratedWarning

__all__ = ["COMMANDS", "EXPLAIN_FILE", "SENSITIVITY_FILE", "add_parsers"]

#: The table ``acsim explain --out DIR`` writes.
EXPLAIN_FILE = "explain.csv"
#: The table ``acsim explain --sensitivity --out DIR`` adds.
SENSITIVITY_FILE = "sensitivity.csv"
_DESCRIPTION = (
    "Split the gap OTHER minus BASE into its parts, on common random numbers: each policy "
    "section (staffing, meetings, screening, programmes, provider) of OTHER and the "
    "population step (population, labour market and municipal level, run window). By default "
    "(--method shapley) every combination of parts moved is run (up to 64 scenarios; a "
    "combination that gives the same scenario as another runs once) and each part gets its "
    "Shapley value, its contribution averaged over every order; --method chain moves them one "
    "at a time in one order (--order; 7 scenarios), whose parts depend on that order. The "
    "parts add up exactly to the gap, replication by replication. --sensitivity also ranks "
    "the effect parameters (fitted ones over their 95 % range, placeholders over their prior "
    "range) by how much each moves the gap: which part of the difference is evidence and "
    "which is assumption.")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``explain`` subcommand."""
    from acsim.experiments.decompose import DECOMPOSITION_METRICS
    from acsim.spec.scenario import POLICY_SECTIONS

    e = sub.add_parser("explain", help="split the gap between two scenarios into the parts "
                                       "that drive it (parts add up to the total)",
                       description=_DESCRIPTION)
    e.add_argument("base", metavar="BASE", type=Path, help="the scenario the gap is measured "
                                                           "from, e.g. scenarios/copenhagen.toml")
    e.add_argument("other", metavar="OTHER", type=Path, help="the scenario it is measured to")
    e.add_argument("--sections", default=",".join(POLICY_SECTIONS),
                   help="policy sections moved one step each, comma-separated (default "
                        f"{','.join(POLICY_SECTIONS)}); the rest move with the population")
    e.add_argument("--order", default=None,
                   help="order of the steps, comma-separated: each section once, and "
                        "'population' anywhere (default: the sections as given, population "
                        "last)")
    e.add_argument("--metric", action="append", default=None,
                   help="a run metric to decompose (repeatable; default "
                        f"{', '.join(DECOMPOSITION_METRICS)})")
    e.add_argument("--replications", "-n", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"replications (default {DEFAULT_REPLICATIONS}); every step runs on "
                        "the same seeds")
    e.add_argument("--seed", type=int, default=None,
                   help="root seed (default: fresh entropy, printed)")
    e.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores); results do not depend on it")
    e.add_argument("--staffing", choices=["caseload", "as-is"], default="caseload",
                   help="a moved staffing section: 'caseload' scales caseworkers to the "
                        "inflow (default), 'as-is' takes them unchanged")
    e.add_argument("--method", choices=["shapley", "chain"], default="shapley",
                   help="shapley (default: each part averaged over every order) or chain "
                        "(one order, --order)")
    e.add_argument("--sensitivity", action="store_true",
                   help=f"also rank the effect parameters by how much each moves the gap in "
                        f"the first metric across its range: {SENSITIVITY_FILE} and "
                        "sensitivity.png (2 runs of both scenarios per parameter)")
    e.add_argument("--out", type=Path, default=None,
                   help=f"directory for {EXPLAIN_FILE} and explain_<metric>.png (default: "
                        "print only)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")


def _cmd_explain(args: argparse.Namespace) -> int:
    import matplotlib
    import pandas as pd

    from acsim.analysis.metrics import check_run_metric
    from acsim.experiments.decompose import DECOMPOSITION_METRICS, decompose
    from acsim.spec.scenario import load_scenario

    check_count(args.replications, "--replications", 2)
    check_seed(args.seed)
    check_workers(args.workers)
    metrics = tuple(args.metric) if args.metric else DECOMPOSITION_METRICS
    for m in metrics:
        try:
            check_run_metric(m)
        except ValueError as exc:
            raise ScenarioError("--metric", m, str(exc)) from None
    out = output_dir(args.out, "--out")
    base, other = load_scenario(args.base), load_scenario(args.other)
    order = [p.strip() for p in args.order.split(",")] if args.order else None
    if order is not None and args.method == "shapley":
        raise ScenarioError("--order", args.order, "only with --method chain: a Shapley value "
                            "averages over every order")
    staffing = "as_is" if args.staffing == "as-is" else "caseload"
    progress = False if args.quiet else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UncalibratedWarning)
        warnings.simplefilter("always", RatesCoverageWarning)
        if args.method == "chain":
            dec = decompose(base, other, sections=args.sections, metrics=metrics,
                            replications=args.replications, seed=args.seed, order=order,
                            staffing=staffing, workers=args.workers, progress=progress)
        else:
            from acsim.experiments.shapley import shapley

            dec = shapley(base, other, sections=args.sections, metrics=metrics,
                          replications=args.replications, seed=args.seed, staffing=staffing,
                          workers=args.workers, progress=progress)
        sensitivity = None
        if args.sensitivity:
            from acsim.experiments.shapley import parameter_sensitivity

            sensitivity = parameter_sensitivity(base, other, metric=metrics[0],
                                                replications=args.replications,
                                                seed=dec.seed, workers=args.workers,
                                                progress=progress)
    _notes(caught, (base.name, other.name))
    table = explain_table(dec)
    how = ("each part's Shapley value (its contribution averaged over every order)"
           if args.method == "shapley" else "each step's contribution in this order")
    with pd.option_context("display.width", 140, "display.float_format", "{:,.3f}".format):
        print(f"{dec.other} minus {dec.base}, seed {dec.seed}, {args.replications} "
              f"replications: {how} with its paired 95 % interval; the parts add up to the "
              "total")
        print(table.to_string())
        if sensitivity is not None:
            print(f"\n{metrics[0]}: the gap with each effect parameter at the low and the high "
                  "end of its range (fitted: 95 % range; placeholders: prior range), largest "
                  "swing first")
            print(sensitivity.to_string(index=False))
    if out is not None:
        matplotlib.use("Agg")
        written = [EXPLAIN_FILE]
        try:
            out.mkdir(parents=True, exist_ok=True)
            table.to_csv(out / EXPLAIN_FILE)
            for m in metrics:
                ax = dec.plot(metric=m)
                name = f"explain_{m}.png"
                ax.figure.savefig(out / name, dpi=120, bbox_inches="tight")
                matplotlib.pyplot.close(ax.figure)
                written.append(name)
            if sensitivity is not None:
                from acsim.experiments.shapley import plot_sensitivity

                sensitivity.to_csv(out / SENSITIVITY_FILE, index=False)
                ax = plot_sensitivity(sensitivity, title=f"{metrics[0]}: {dec.other} minus "
                                                         f"{dec.base}")
                ax.figure.savefig(out / "sensitivity.png", dpi=120, bbox_inches="tight")
                matplotlib.pyplot.close(ax.figure)
                written += [SENSITIVITY_FILE, "sensitivity.png"]
        except OSError as exc:
            raise write_error("--out", out, exc) from None
        print(f"wrote {out}/: {', '.join(written)}", file=sys.stderr)
    return 0


def _notes(caught: list[warnings.WarningMessage], ends: tuple[str, str]) -> None:
    """Print each distinct warning once; of the steady-state ones only BASE's and OTHER's.

    The scenarios between them in the chain share their run window, so they say the same.
    """
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, SteadyStateWarning) and not text.startswith(
                tuple(f"{name}: " for name in ends)):
            continue
        print(f"note: {text}", file=sys.stderr)


def explain_table(dec) -> object:
    """The steps' contributions, then the total, per metric (the rows of ``explain.csv``).

    Columns ``unit``, ``contribution``, ``ci_low``, ``ci_high``, ``share_of_total`` and
    ``replications``; the ``total`` row of a metric is ``other`` minus ``base`` with its
    paired interval, and its contributions add up to it.
    """
    import pandas as pd

    parts = dec.summary[["unit", "contribution", "ci_low", "ci_high", "share_of_total",
                         "replications"]]
    total = dec.total
    rows = []
    for metric in dec.metrics:
        rows.append(parts.loc[[metric]])
        t = total.loc[metric]
        rows.append(pd.DataFrame(
            [{"unit": t["unit"], "contribution": t["difference"], "ci_low": t["ci_low"],
              "ci_high": t["ci_high"], "share_of_total": 1.0,
              "replications": int(t["replications"])}],
            index=pd.MultiIndex.from_tuples([(metric, "total")], names=["metric", "step"])))
    return pd.concat(rows)


COMMANDS = {"explain": _cmd_explain}
