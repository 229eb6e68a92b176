"""The ``acsim`` command line.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file and key), 1 internal
error, 3 ``acsim validate`` found a check outside its tolerance.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

from acsim import __version__
from acsim.cli.evidence import COMMANDS as EVIDENCE_COMMANDS
from acsim.cli.evidence import add_parsers as add_evidence_parsers
from acsim.cli.explain import COMMANDS as EXPLAIN_COMMANDS
from acsim.cli.explain import add_parsers as add_explain_parsers
from acsim.cli.options import (
    DEFAULT_REPLICATIONS,
    MAX_REPLICATIONS,
    check_count,
    check_metric,
    check_positive,
    check_precision,
    check_scheduler,
    check_seed,
    check_workers,
    check_writable_file,
    output_dir,
    write_error,
)
from acsim.cli.report import COMMANDS as REPORT_COMMANDS
from acsim.cli.report import add_parsers as add_report_parsers
from acsim.cli.sweep import COMMANDS as SWEEP_COMMANDS
from acsim.cli.sweep import add_parsers as add_sweep_parsers
from acsim.costs.model import RatesCoverageWarning
from acsim.exceptions import ScenarioError, UncalibratedWarning
from acsim.experiments.manifest import comparison_manifest, run_manifest, write_manifest

__all__ = ["main"]

def _metric_help() -> str:
    from acsim.analysis.metrics import run_metric_names

    names = ", ".join(n for n in run_metric_names() if n != "spells")
    return (f"metric for --precision (default rmst_104); one of the per-replication metrics "
            f"of docs/metrics.md: {names}")


_METRIC_HELP = _metric_help()
_REPLICATIONS_HELP = (f"replications (default {DEFAULT_REPLICATIONS}); each is a whole run of "
                      "the scenario with its own random streams")
_WORKERS_HELP = "worker processes (default: all cores); results do not depend on it"
_BACKEND_HELP = "where replications run: a local process pool (default) or Dask distributed"
_SCHEDULER_HELP = ("Dask scheduler address (tcp://HOST:PORT) for --backend dask; default: a "
                   "local cluster")
_MAX_REPLICATIONS_HELP = "upper bound on replications with --precision (default 200)"
_SEED_HELP = "root seed (default: fresh entropy, printed and recorded in the manifest)"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: ``acsim: error: ...``, exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print the error as one line naming the option, and exit with 2."""
        text = " ".join(message.split())
        self.exit(2, f"acsim: error: {text} (see '{self.prog} --help')\n")


_DRAWS_HELP = ("also run the replications under K parameter sets (2-200) drawn from the "
               "calibration's covariance and the placeholders' prior ranges, on the same "
               "seeds: the tables gain total_ci_low/total_ci_high (simulation and parameter "
               "uncertainty) and parameter_share (default 0: none)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="acsim", description="acsim: unemployment spells of academics under "
                "job-centre policies (a SimPy discrete-event simulation).")
    p.add_argument("--version", action="version", version=f"acsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="simulate a scenario and write its results")
    r.add_argument("scenario", help="scenario TOML file")
    r.add_argument("--replications", "-n", type=int, default=DEFAULT_REPLICATIONS,
                   help=_REPLICATIONS_HELP)
    r.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    r.add_argument("--out", type=Path, default=None,
                   help="directory for spells.parquet, summary.csv, costs.csv, survival.csv, "
                        "survival.png and manifest.json (default: print only)")
    r.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario value by its dotted key path (repeatable)",
    )
    r.add_argument("--workers", type=int, default=None, help=_WORKERS_HELP)
    r.add_argument("--backend", choices=["process", "dask"], default="process",
                   help=_BACKEND_HELP)
    r.add_argument("--scheduler", default=None, help=_SCHEDULER_HELP)
    r.add_argument("--store", type=Path, default=None,
                   help="result store: completed replications are kept there, and a rerun or an "
                        "interrupted run resumes from it")
    r.add_argument("--no-cache", action="store_true",
                   help="simulate even replications already in the store")
    r.add_argument("--precision", type=float, default=None,
                   help="add replications until the 95 %% interval of --metric is narrower "
                        "than this fraction of its mean")
    r.add_argument("--metric", default="rmst_104", help=_METRIC_HELP)
    r.add_argument("--max-replications", type=int, default=200, help=_MAX_REPLICATIONS_HELP)
    r.add_argument("--engine", choices=["simpy", "vectorised", "auto"], default="simpy",
                   help="simpy (the reference, default), vectorised (the same spells, faster; "
                        "refuses, naming the key, a scenario where capacity could bind) or "
                        "auto (vectorised where it can, else simpy)")
    r.add_argument("--parameter-draws", type=int, default=0, metavar="K",
                   help=_DRAWS_HELP)
    r.add_argument("--quiet", action="store_true", help="no progress bar")

    c = sub.add_parser("compare", help="compare scenarios on common random numbers")
    c.add_argument("scenarios", nargs="+", help="scenario TOML files; the first is the reference")
    c.add_argument("--replications", "-n", type=int, default=DEFAULT_REPLICATIONS,
                   help=_REPLICATIONS_HELP + "; every scenario runs on the same seeds")
    c.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    c.add_argument("--out", type=Path, default=None,
                   help="directory for comparison.csv, the figures (survival, hazard, "
                        "difference, utilisation, meeting_delays, costs as PNG), the business "
                        "cases and manifest.json (default: print only)")
    c.add_argument("--workers", type=int, default=None, help=_WORKERS_HELP)
    c.add_argument("--backend", choices=["process", "dask"], default="process",
                   help=_BACKEND_HELP)
    c.add_argument("--scheduler", default=None, help=_SCHEDULER_HELP)
    c.add_argument("--precision", type=float, default=None,
                   help="add replications until each paired difference's 95 %% interval is "
                        "narrower than this fraction of the first scenario's mean")
    c.add_argument("--metric", default="rmst_104", help=_METRIC_HELP)
    c.add_argument("--max-replications", type=int, default=200, help=_MAX_REPLICATIONS_HELP)
    c.add_argument("--business-case", action="store_true",
                   help="business case of each scenario against the first (paired "
                        "replications), in total, per entrant and per full-year person; "
                        "refused between populations of different size unless --per-person")
    c.add_argument("--per-person", action="store_true",
                   help="with --business-case: between populations of different size, a case "
                        "per entrant (the variant's costs per entrant applied to the first "
                        "scenario's entrants) instead of a refusal")
    c.add_argument(
        "--transplant", action="append", default=[], metavar="FILE:SECTIONS",
        help="add the first scenario run under FILE's policy sections (comma-separated: "
             "staffing, meetings, screening, programmes, provider); population, hazard and "
             "run window stay the first scenario's (repeatable)")
    c.add_argument(
        "--variant", action="append", default=[], metavar="KEY=VALUE[;KEY=VALUE...]",
        help="add the first scenario with these values changed (dotted key paths as for "
             "--set; several changes of one variant separated by ';'), e.g. --variant "
             "staffing.caseworkers=63 (repeatable: one variant each)")
    c.add_argument("--transplant-staffing", choices=["caseload", "as-is"], default="caseload",
                   help="a transplanted staffing section: 'caseload' scales caseworkers and "
                        "teams by the ratio of annual inflows (default), 'as-is' takes them "
                        "unchanged")
    c.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a value of every SCENARIOS file by its dotted key path, before any "
             "transplant (repeatable); a --transplant FILE is read as written")
    c.add_argument("--parameter-draws", type=int, default=0, metavar="K",
                   help=_DRAWS_HELP)
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_argument("--report", action="store_true",
                   help="with --out: also write DIR/report.html, one self-contained HTML file "
                        "of the comparison (as `acsim report DIR`)")

    k = sub.add_parser("calibrate-levels",
                       help="fit municipal hazard levels to mean completed durations (M01)")
    k.add_argument("scenarios", nargs="+",
                   help="municipal scenario files named like copenhagen.toml")
    k.add_argument("--target", type=float, default=None,
                   help="target weeks (default: the evidence record of the file name's level "
                        "stage in acsim/data/calibration_plan.toml, M01)")
    k.add_argument("--replications", "-n", type=int, default=None,
                   help="replications per evaluation (default: about 20,000 inflow-years)")
    k.add_argument("--seed", type=int, default=2019,
                   help="seed of the runs the level is fitted on (default 2019)")
    k.add_argument("--write", action="store_true", help="write the fitted level into the file")
    k.add_argument("--stock", action="store_true",
                   help="also fit the annual inflow and the heterogeneity (latent_risk) to "
                        "Copenhagen's 2019 stock by elapsed duration (seed 000, M03)")
    add_explain_parsers(sub)
    add_evidence_parsers(sub)
    add_report_parsers(sub)
    add_sweep_parsers(sub)
    return p


def _number(x: float) -> str:
    """Numbers for tables: thousands separators for large values, 3 decimals otherwise."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3f}"


def _notes(caught: list[warnings.WarningMessage]) -> None:
    """Print each distinct warning of a run once, as a one-line note on stderr."""
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {message}", file=sys.stderr)


def _placeholder_note(scenarios: list) -> None:
    """Name, once per scenario, the placeholder effects its policies declare, with ranges.

    The parameters only held by signs or left unidentified by the calibration are counted,
    not listed (``acsim report`` and docs/calibration.md list them).
    """
    from acsim.evidence.placeholders import placeholders

    for sc in scenarios:
        found = placeholders(sc)
        declared = [p for p in found if p["status"] == "placeholder"]
        if not declared:
            continue
        named = "; ".join(f"{p['parameter']} = {p['value']} ({p['why'].split('; ')[-1]})"
                          for p in declared)
        rest = len(found) - len(declared)
        more = (f"; {rest} more are held only by signs or not identified (acsim report lists "
                "them)" if rest else "")
        print(f"note: {sc.name} rests on {len(declared)} placeholder effect(s) no published "
              f"number fixes: {named}{more}", file=sys.stderr)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """Every option of the command as parsed (defaults included), for the manifest."""
    return {k: v for k, v in vars(args).items() if k != "overrides"}


def _write(out: Path, result, args: argparse.Namespace) -> None:
    out.mkdir(parents=True, exist_ok=True)
    spells = result.spells.copy()
    spells.to_parquet(out / "spells.parquet.tmp", index=False)
    os.replace(out / "spells.parquet.tmp", out / "spells.parquet")
    result.summary.to_csv(out / "summary.csv")
    result.survival_table().to_csv(out / "survival.csv", index=False)
    result.cost_summary().table.to_csv(out / "costs.csv")
    import matplotlib

    matplotlib.use("Agg")
    ax = result.plot_survival()
    ax.set_title(f"{result.scenario.name}: {ax.get_title()}", fontsize=10)
    ax.figure.savefig(out / "survival.png", dpi=120, bbox_inches="tight")
    write_manifest(out / "manifest.json", run_manifest(
        result.scenario, result.seed, overrides=args.overrides, options=_options(args),
        scenario_file=args.scenario, replications=result.replications,
        interrupted=result.interrupted, wall_time_seconds=round(result.wall_time, 3)))


def _overrides(scenario_file: str, overrides: list[str]) -> dict[str, Any]:
    """The ``--set KEY=VALUE`` changes; an error names the scenario file and ``--set``."""
    from acsim.spec.scenario import parse_override

    changes: dict[str, Any] = {}
    for text in overrides:
        try:
            key, value = parse_override(text)
        except ScenarioError as exc:
            raise ScenarioError(f"{scenario_file} (--set)", exc.key, exc.problem) from None
        changes[key] = value
    return changes


def _cmd_run(args: argparse.Namespace) -> int:
    from acsim.experiments.run import run
    from acsim.spec.scenario import load_scenario

    _check_common(args)
    check_precision(args.precision, args.replications, args.max_replications)
    check_metric(args.metric)
    scenario = load_scenario(args.scenario)
    if args.overrides:
        scenario = scenario.with_changes(_overrides(args.scenario, args.overrides),
                                         source=f"{args.scenario} (--set)")
    check_scheduler(args.backend, args.scheduler)
    output_dir(args.out, "--out")
    output_dir(args.store, "--store")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UncalibratedWarning)
        warnings.simplefilter("always", RatesCoverageWarning)
        result = run(
            scenario, replications=args.replications, seed=args.seed,
            progress=False if args.quiet else None, workers=args.workers,
            store=args.store, use_cache=not args.no_cache, precision=args.precision,
            metric=args.metric, max_replications=args.max_replications,
            backend=args.backend, scheduler=args.scheduler, engine=args.engine,
            parameter_draws=args.parameter_draws,
        )
    _notes(caught)
    if not scenario.effects.calibrated:
        print("note: effect sizes are uncalibrated placeholders", file=sys.stderr)
    _placeholder_note([scenario])
    with __import__("pandas").option_context("display.width", 120,
                                             "display.float_format", _number):
        served = result.replications - result.simulated_replications
        print(f"{scenario.name}: {result.replications} replication(s), seed {result.seed}, "
              f"{result.wall_time:.1f} s" + (f", {served} from the store" if served else ""))
        print(result.summary.to_string())
        costs = result.cost_summary()
        print(f"\ncosts by category (DKK; {costs.full_year_persons_per_year:,.0f} full-year "
              "persons on benefit a year)")
        print(costs.table.to_string())
    if args.out is not None:
        try:
            _write(args.out, result, args)
        except OSError as exc:
            raise write_error("--out", args.out, exc) from None
        print(f"wrote {args.out}/: spells.parquet, summary.csv, costs.csv, survival.csv, "
              "survival.png, manifest.json")
    if result.interrupted:
        total = args.replications if args.precision is None else args.max_replications
        where = f" in {args.store}" if args.store is not None else ""
        print(f"interrupted: kept {result.replications} of {total} replications{where}",
              file=sys.stderr)
        return 130
    return 0


def _check_common(args: argparse.Namespace) -> None:
    """``--replications``, ``--seed``, ``--workers`` and ``--parameter-draws``."""
    from acsim.experiments.draws import check_draws

    check_count(args.replications, "--replications", 1, MAX_REPLICATIONS)
    if args.parameter_draws and args.replications < 2:
        raise ScenarioError("--parameter-draws", "", "needs --replications of at least 2 (a "
                            "total interval adds the draws' spread to the replications')")
    check_draws(args.parameter_draws)
    check_seed(args.seed)
    check_workers(args.workers)


def _variant(base, scenario_file: str, spec: str):
    """The scenario of ``--variant KEY=VALUE;...``: ``base`` with those values changed."""
    parts = [t.strip() for t in spec.split(";") if t.strip()]
    if not parts:
        raise ScenarioError("--variant", spec, "expected KEY=VALUE, e.g. "
                            "staffing.caseworkers=63 or 'staffing.caseworkers=63;meetings."
                            "first_week=2'")
    from acsim.spec.scenario import parse_override

    source = f"{scenario_file} (--variant {spec})"
    changes: dict[str, Any] = {}
    for text in parts:
        try:
            key, value = parse_override(text)
        except ScenarioError as exc:
            raise ScenarioError(source, exc.key, exc.problem) from None
        changes[key] = value
    label = ", ".join(f"{k}={v}" for k, v in changes.items())
    changes["scenario.name"] = f"{base.name} ({label})"
    return base.with_changes(changes, source=source)


def _transplant(recipient, spec: str, staffing: str):
    """The scenario of ``--transplant FILE:SECTIONS``: ``recipient`` under FILE's sections."""
    from acsim.spec.scenario import load_scenario

    path, sep, sections = spec.rpartition(":")
    if not sep or not path or not sections.strip():
        raise ScenarioError("--transplant", spec, "expected FILE:SECTIONS, e.g. "
                            "scenarios/aarhus.toml:programmes or "
                            "scenarios/aarhus.toml:programmes,meetings,staffing")
    donor = load_scenario(path)
    try:
        return recipient.transplant(donor, sections, staffing=staffing)
    except ScenarioError as exc:
        raise ScenarioError(f"--transplant {spec}", exc.key, exc.problem) from None


def _cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from acsim.experiments.compare import compare
    from acsim.spec.scenario import load_scenario

    _check_common(args)
    check_precision(args.precision, args.replications, args.max_replications)
    check_metric(args.metric)
    scenarios = [load_scenario(p) for p in args.scenarios]
    if args.overrides:
        scenarios = [s.with_changes(_overrides(p, args.overrides), source=f"{p} (--set)")
                     for s, p in zip(scenarios, args.scenarios, strict=True)]
    scenarios += [_variant(scenarios[0], args.scenarios[0], spec) for spec in args.variant]
    scenarios += [_transplant(scenarios[0], spec, args.transplant_staffing.replace("-", "_"))
                  for spec in args.transplant]
    check_scheduler(args.backend, args.scheduler)
    if args.report and args.out is None:
        raise ScenarioError("--report", "", "needs --out DIR: the report is built from the "
                            "files written there")
    output_dir(args.out, "--out")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UncalibratedWarning)
        warnings.simplefilter("always", RatesCoverageWarning)
        cmp = compare(scenarios, replications=args.replications, seed=args.seed,
                      workers=args.workers, progress=False if args.quiet else None,
                      backend=args.backend, scheduler=args.scheduler,
                      precision=args.precision, metric=args.metric,
                      max_replications=args.max_replications,
                      parameter_draws=args.parameter_draws)
    _notes(caught)
    if not all(s.effects.calibrated for s in scenarios):
        print("note: effect sizes are uncalibrated placeholders", file=sys.stderr)
    _placeholder_note(scenarios)
    table = cmp.table()
    first = cmp.names[0]
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", _number):
        print(f"seed {cmp.seed}, {args.replications} replication(s): means over replications "
              "(comparison.csv has the 95 % intervals)")
        print(cmp.means().to_string())
        for s in scenarios[len(args.scenarios) + len(args.variant):]:
            print(f"\ntransplant: {s.name}: {s.scenario.description}")
        diffs = table[table["scenario"] != first]
        if len(diffs):
            print(f"\npaired differences against {first}:")
            cols = ["scenario", "metric", "diff_vs_first", "diff_ci_low", "diff_ci_high"]
            cols += [c for c in ("diff_total_ci_low", "diff_total_ci_high",
                                 "diff_parameter_share") if c in diffs]
            print(diffs[cols].to_string(index=False))
            if "diff_total_ci_low" in diffs:
                print(f"(diff_total_ci: simulation and parameter uncertainty over "
                      f"{args.parameter_draws} parameter draws; diff_parameter_share: the "
                      "share of its variance from the parameters)")
            else:
                print("(the intervals are simulation noise only: --parameter-draws K adds the "
                      "uncertainty of the effect sizes, which can be far larger; "
                      "docs/calibration.md, 'Parameter uncertainty')")
    if args.business_case:
        for i in range(1, len(cmp.results)):
            try:
                case = cmp.business_case(i, normalise=args.per_person)
            except ScenarioError as exc:
                print(f"\nno business case for {cmp.names[i]} against {first}: {exc.problem}")
                continue
            print(f"\nbusiness case: {case.variant} against {case.baseline} "
                  f"(DKK, persons and weeks; mean and 95 % interval over paired "
                  f"replications): {case.note}")
            with pd.option_context("display.float_format", _number):
                print(case.summary.to_string())
                if case.providers is not None:
                    print("\nprogramme spending a year (DKK) by provider and elapsed duration at "
                          "the offer's start, paired difference with 95 % interval:")
                    print(case.providers.to_string())
            print(_break_even(case, cmp.results[i].scenario))
    if args.out is not None:
        try:
            paths = cmp.save(args.out, business_case=args.business_case,
                             normalise=args.per_person)
            paths.append(write_manifest(args.out / "manifest.json", comparison_manifest(
                cmp, overrides=getattr(args, "overrides", []), options=_options(args),
                scenario_file=args.scenarios[0], replications=args.replications)))
            if args.report:
                from acsim.experiments.report import write_report

                paths.append(write_report(args.out))
        except OSError as exc:
            raise write_error("--out", args.out, exc) from None
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _break_even(case, variant) -> str:
    """The break-even effect beside the simulated one and the evidence the variant cites."""
    import textwrap

    from acsim.evidence.records import record

    t = case.summary

    def interval(metric: str) -> str:
        m, lo, hi = t.loc[metric, ["mean", "ci_low", "ci_high"]]
        return f"{m:.2f} [{lo:.2f}, {hi:.2f}]"

    lines = [
        f"break-even: {case.variant} pays for its extra spending with "
        f"{interval('break_even_weeks_per_participant')} fewer benefit weeks per participant "
        f"(public view; the municipality alone: "
        f"{interval('break_even_weeks_per_participant_municipality')}), "
        f"{t.loc['participants_per_year', 'mean']:,.0f} participants a year; simulated: "
        f"{interval('weeks_saved_per_participant')} weeks saved per participant "
        "(mean and 95 % interval over paired replications)"]
    for rid in variant.scenario.evidence:
        try:
            rec = record(rid)
        except KeyError:
            lines.append(f"evidence {rid}: no such record in acsim/data/evidence.toml")
            continue
        lines.append(f"evidence {rid} ({rec.design}): {rec.result} Reading: {rec.reading}")
    return "\n".join(textwrap.fill(line, 100, subsequent_indent="  ") for line in lines)


def _cmd_calibrate_levels(args: argparse.Namespace) -> int:
    from acsim.evidence.levels import (
        StockFit,
        calibrate_level,
        default_replications,
        fit_level_stage,
        write_level,
        write_stock_fit,
    )
    from acsim.evidence.plan import default_plan
    from acsim.spec.scenario import load_scenario

    check_count(args.replications, "--replications", 1)
    check_seed(args.seed)
    check_positive(args.target, "--target")
    plan = default_plan()
    cities = sorted(s.city for s in plan.level_stages)
    jobs = []
    for path in args.scenarios:
        stage = plan.level_stage(Path(path).stem.lower())
        if args.stock and (stage is None or not stage.fits_stock):
            fitted = sorted(s.city for s in plan.level_stages if s.fits_stock)
            raise ScenarioError(path, "", "--stock: no published stock by elapsed duration for "
                                f"this file name; expected one of {fitted}")
        if stage is None and args.target is None:
            raise ScenarioError(path, "", "no level stage in the calibration plan for this file "
                                f"name; expected one of {cities} or --target")
        jobs.append((path, load_scenario(path), stage))
    if args.write:
        for path, _, _ in jobs:
            check_writable_file(path, "--write")
    print(f"{'scenario':<28} {'published':>9} {'simulated':>9} {'residual':>8} {'level':>7}")
    for path, scenario, stage in jobs:
        if stage is None:
            reps = args.replications or default_replications(scenario)
            fit = calibrate_level(scenario, args.target, seed=args.seed, replications=reps)
        else:
            fit = fit_level_stage(stage, scenario, seed=args.seed, replications=args.replications,
                                  stock=args.stock, target=args.target)
        if isinstance(fit, StockFit):
            print("\n".join(fit.report()))
            if args.write:
                write_stock_fit(path, fit)
            fit = fit.level
        print(f"{path:<28} {fit.target:>9.2f} {fit.simulated:>9.2f} {fit.residual:>8.2f} "
              f"{fit.level:>7.4f}", flush=True)
        if args.write:
            write_level(path, fit)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``acsim`` console script."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (one line, see _Parser), --help or --version
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "calibrate-levels":
            return _cmd_calibrate_levels(args)
        if args.command in EVIDENCE_COMMANDS:
            return EVIDENCE_COMMANDS[args.command](args)
        if args.command in REPORT_COMMANDS:
            return REPORT_COMMANDS[args.command](args)
        if args.command in EXPLAIN_COMMANDS:
            return EXPLAIN_COMMANDS[args.command](args)
        if args.command in SWEEP_COMMANDS:
            return SWEEP_COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"acsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("acsim: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: say so, with the traceback for a report
        import traceback

        traceback.print_exc()
        print(f"acsim: internal error: {exc!r}", file=sys.stderr)
        return 1
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
