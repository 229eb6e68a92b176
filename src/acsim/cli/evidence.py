"""The evidence subcommands of ``acsim``: ``trial``, ``calibrate`` and ``validate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from acsim.cli.options import (
    check_seed,
    check_workers,
    check_writable_file,
    output_dir,
    write_error,
)
from acsim.exceptions import ScenarioError

__all__ = ["CHECKS_FAILED", "COMMANDS", "add_parsers"]

#: Exit code of ``acsim validate`` when a check is outside its tolerance.
CHECKS_FAILED = 3


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``trial``, ``calibrate`` and ``validate`` subcommands."""
    t = sub.add_parser("trial", help="run a virtual trial; --out writes trial.csv and "
                                      "survival.png")
    t.add_argument("trial", help="trial TOML file (see scenarios/trials/)")
    t.add_argument("--n", type=int, default=None, help="jobseekers (default: the file's)")
    t.add_argument("--seed", type=int, default=None, help="seed (default: the file's)")
    t.add_argument("--allocation", choices=["randomised", "crossed"], default=None,
                   help="randomise to arms, or follow everyone under every arm "
                        "(default: the file's)")
    t.add_argument("--out", type=Path, default=None,
                   help="directory for trial.csv (effects per metric and arm) and "
                        "survival.png (Kaplan-Meier by arm) (default: print only)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--engine", choices=["simpy", "vectorised", "auto"], default=None,
                   help="simpy (the reference), vectorised (the same spells, faster; refuses, "
                        "naming the key, a trial where capacity could bind) or auto "
                        "(default: the file's trial.engine, else simpy)")
    t.add_argument("--parameter-draws", type=int, default=0, metavar="K",
                   help="also run the trial under K parameter sets (2-200) drawn from the "
                        "calibration's covariance and the placeholders' prior ranges, on the "
                        "same population and seed: trial.csv gains total_ci_low/high and "
                        "parameter_share (default 0: none)")
    t.add_argument("--workers", type=int, default=None,
                   help="processes for the parameter draws (default: all cores)")

    c = sub.add_parser("calibrate",
                       help="fit the effect sizes to the evidence records, then the municipal "
                            "levels; writes acsim/data/effects.toml (long: each of the 8 "
                            "stages re-runs its trials at every evaluation, a line each; "
                            "resumable from --checkpoint)")
    _add_size_options(c)
    c.add_argument("--no-write", action="store_true",
                   help="print the fit without writing the effects file or the levels")
    c.add_argument("--skip-levels", action="store_true",
                   help="do not refit the municipal levels (M01) and Copenhagen's inflow (M03) "
                        "after the effects")
    c.add_argument("--joint", action="store_true",
                   help="after the staged fits, refit all their parameters at once to all "
                        "their records (the municipal claims excluded), from the staged "
                        "values: about 5 Jacobians of 14 evaluations")
    c.add_argument("--uncertainty", action="store_true",
                   help="only the fitted effects' joint covariance at their current values "
                        "(no refit): one joint Jacobian over every effects stage's targets, "
                        "written to acsim/data/effects_uncertainty.toml with the "
                        "identification report (a full calibrate ends with it)")
    c.add_argument("--checkpoint", type=Path, default=Path(".acsim-calibration"),
                   help="directory keeping each finished stage, so an interrupted or partly "
                        "changed calibration resumes (default .acsim-calibration)")

    v = sub.add_parser("validate", help="run every evidence record's checks at the files' "
                                         "seeds and --seeds other seeds; exit 0 if every "
                                         "fitted and check row passes at every seed, 3 if not "
                                         "(claims are assessed, not passed; about 4 minutes "
                                         "per seed set on 2 cores at --scale 1)")
    v.add_argument("--out", type=Path, default=None,
                   help="directory for validation.csv (default: print only)")
    v.add_argument("--seeds", type=int, default=3,
                   help="seed sets beyond the files' seeds (default 3): set k runs each trial "
                        "at its file's seed + 1000 k and the city runs at 7 + 1000 k; a check "
                        "passes only if it holds at every seed set")
    _add_size_options(v)
    v.add_argument("--no-municipal", action="store_true",
                   help="skip the municipal checks (full city runs)")
    v.add_argument("--parameter-draws", type=int, default=0, metavar="K",
                   help="run the claims' trials (M04-M06) again under K parameter sets at the "
                        "files' seeds: each claim's implied effect gets its interval with "
                        "parameter uncertainty (total_ci_low/high; default 0: none)")


def _add_size_options(p: argparse.ArgumentParser) -> None:
    """``--scale``, ``--seed`` and ``--workers``, shared by ``calibrate`` and ``validate``."""
    p.add_argument("--scale", type=float, default=1.0,
                   help="fraction of each trial file's size (default 1)")
    p.add_argument("--seed", type=int, default=None, help="trial seed (default: each file's)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _workers(n: int | None) -> int:
    from acsim.experiments.run import default_workers

    check_workers(n)
    return n or default_workers()


def _scale(x: float) -> float:
    if not 0 < x <= 100:
        raise ScenarioError("--scale", "", f"must be in (0, 100], got {x}")
    return x


def _check_sizes(args: argparse.Namespace) -> None:
    """``--scale``, ``--seed`` and ``--workers`` of ``calibrate`` and ``validate``.

    Every trial file, scaled, must stay within the trial size and inflow limits.
    """
    from acsim.evidence.records import trials_dir
    from acsim.evidence.trials import check_trial_size, load_trial

    _scale(args.scale)
    check_seed(args.seed)
    _workers(args.workers)
    for path in sorted(trials_dir().glob("*.toml")):
        spec = load_trial(path).spec
        n = max(2, round(spec.n * args.scale))
        try:
            check_trial_size(n, spec.intake_weeks)
        except ScenarioError as exc:
            raise ScenarioError("--scale", "", f"{args.scale:g} makes {path.name}'s trial.n "
                                f"{n:,}: {exc.problem}") from None


def _cmd_trial(args: argparse.Namespace) -> int:
    from acsim.evidence.trials import check_trial_size, load_trial, run_trial

    check_trial_size(args.n, source="--n")
    check_seed(args.seed)
    from acsim.experiments.draws import check_draws

    check_draws(args.parameter_draws)
    check_workers(args.workers)
    trial = load_trial(args.trial)
    check_trial_size(args.n, trial.spec.intake_weeks, source="--n")
    output_dir(args.out, "--out")
    result = run_trial(trial, n=args.n, seed=args.seed, allocation=args.allocation,
                       progress=not args.quiet, engine=args.engine)
    cols = ["metric", "arm", "control", "treatment", "effect", "ci_low", "ci_high"]
    if args.parameter_draws:
        from acsim.evidence.trial_draws import trial_with_draws

        result = trial_with_draws(result, args.parameter_draws, engine=args.engine,
                                  workers=_workers(args.workers))
        cols += ["total_ci_low", "total_ci_high", "parameter_share"]
    print(f"{trial.id}: {trial.spec.title} (n={result.n:,}, seed {result.seed}, "
          f"{result.allocation})")
    print(result.table[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if args.out is not None:
        try:
            path = result.save(args.out)
        except OSError as exc:
            raise write_error("--out", args.out, exc) from None
        print(f"wrote {path} and {path.parent / 'survival.png'}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from acsim.evidence.calibration import calibrate_effects, refit_levels, write_effects
    from acsim.evidence.levels import StockFit
    from acsim.evidence.plan import default_plan
    from acsim.evidence.validation import SCENARIOS_DIR
    from acsim.spec.scenario import EFFECTS_FILE, default_effects

    _check_sizes(args)
    if args.uncertainty:
        return _uncertainty(args)
    output_dir(args.checkpoint, "--checkpoint")
    if not args.no_write:
        targets = [EFFECTS_FILE]
        if not args.skip_levels:
            targets += [SCENARIOS_DIR / f"{s.city}.toml" for s in default_plan().level_stages]
        for path in targets:
            check_writable_file(path, "calibrate (without --no-write)")
    fit = calibrate_effects(scale=_scale(args.scale), seed=args.seed,
                            workers=_workers(args.workers), checkpoint=args.checkpoint,
                            joint=args.joint)
    print(fit.table())
    if not args.no_write:
        print(f"wrote {write_effects(fit)}")
        default_effects.cache_clear()
        _uncertainty(args)
    if args.skip_levels:
        return 0
    print(f"{'municipality':<16} {'published':>9} {'simulated':>9} {'residual':>8} {'level':>7}")
    fits = refit_levels(fit.effects, workers=_workers(args.workers), write=not args.no_write,
                        progress=not args.quiet)
    for city, lf in fits.items():
        if isinstance(lf, StockFit):
            print("\n".join(lf.report()))
            lf = lf.level
        print(f"{city:<16} {lf.target:>9.2f} {lf.simulated:>9.2f} {lf.residual:>+8.2f} "
              f"{lf.level:>7.4f}")
    return 0


def _uncertainty(args: argparse.Namespace) -> int:
    """The joint covariance of the fitted effects at their current values, and its report."""
    from acsim.evidence.uncertainty import (
        UNCERTAINTY_FILE,
        identification_report,
        joint_jacobian,
        load_priors,
        load_uncertainty,
        write_uncertainty,
    )

    priors = load_priors()
    if not args.no_write:
        check_writable_file(UNCERTAINTY_FILE, "calibrate --uncertainty (without --no-write)")
    jj = joint_jacobian(scale=_scale(args.scale), seed=args.seed,
                        workers=_workers(args.workers),
                        exclude=[p.path for p in priors if p.kind == "constrained"],
                        log=(lambda _: None) if args.quiet else print)
    path = Path(args.checkpoint) / "effects_uncertainty.toml" if args.no_write \
        else UNCERTAINTY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_uncertainty(jj, path)
    print("\n".join(identification_report(load_uncertainty(path, priors),
                                          int(jj.quantitative.sum()))))
    print(f"wrote {path}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from acsim.evidence.claims import claims_section
    from acsim.evidence.records import load_evidence
    from acsim.evidence.validation import format_table, validate

    _check_sizes(args)
    if not 0 <= args.seeds <= 20:
        raise ScenarioError("--seeds", "", f"must be between 0 and 20, got {args.seeds}")
    output_dir(args.out, "--out")
    records = list(load_evidence())  # read once: the report is of the evidence validated
    from acsim.experiments.draws import check_draws

    check_draws(args.parameter_draws)
    table = validate(records, scale=_scale(args.scale), seed=args.seed,
                     municipal=not args.no_municipal, workers=_workers(args.workers),
                     progress=not args.quiet, seeds=args.seeds,
                     parameter_draws=args.parameter_draws)
    print(format_table(table, records))
    print("\n".join(claims_section(table, {r.id: r for r in records})))
    if args.out is not None:
        path = args.out / "validation.csv"
        try:
            table.to_csv(path, index=False)
        except OSError as exc:
            raise write_error("--out", args.out, exc) from None
        print(f"wrote {path}")
    failed = int((~table["passed"].fillna(True)).sum())  # claims (NA) are never failed
    if failed:
        print(f"acsim: {failed} check(s) outside their tolerance", file=sys.stderr)
        return CHECKS_FAILED
    return 0


COMMANDS = {"trial": _cmd_trial, "calibrate": _cmd_calibrate, "validate": _cmd_validate}
