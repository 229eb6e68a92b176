"""The ``acsim report`` subcommand: one self-contained HTML file for a comparison."""

from __future__ import annotations

import argparse
from pathlib import Path

from acsim.cli.options import write_error
from acsim.exceptions import ScenarioError

__all__ = ["COMMANDS", "add_parsers"]

_DESCRIPTION = (
    "Write one self-contained HTML file (images embedded, no scripts, nothing loaded from the "
    "network) for a comparison's output directory, as written by `acsim compare SCENARIOS "
    "--out DIR [--business-case]`: the scenarios side by side, the headline table (each "
    "metric's mean and 95 % interval in its unit, and the paired differences against the "
    "first scenario), the figures, the business cases, the placeholder effect sizes the "
    "result rests on, and the provenance (acsim version, git commit, seed, replications, "
    "scenario hashes). `acsim compare ... --out DIR --report` writes it directly.")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    r = sub.add_parser("report", help="write one self-contained HTML report of a comparison's "
                                      "output directory (default DIR/report.html)",
                       description=_DESCRIPTION)
    r.add_argument("directory", metavar="DIR", type=Path,
                   help="a directory written by `acsim compare ... --out DIR` (comparison.csv "
                        "is needed; the figures, business_case_<i> files and manifest.json "
                        "are shown where present)")
    r.add_argument("--out", metavar="FILE", type=Path, default=None,
                   help="the HTML file to write (default DIR/report.html)")


def _cmd_report(args: argparse.Namespace) -> int:
    from acsim.experiments.report import REPORT_FILE, build_report, write_report

    build_report(args.directory)  # a bad DIR is an error before anything is written
    out = args.out if args.out is not None else args.directory / REPORT_FILE
    if out.is_dir():
        raise ScenarioError("--out", str(out), "is a directory; give a file name, e.g. "
                            f"{out / REPORT_FILE}")
    if not out.parent.is_dir():
        raise ScenarioError("--out", str(out), f"no such directory: {out.parent}")
    try:
        path = write_report(args.directory, out)
    except OSError as exc:
        raise write_error("--out", out, exc) from None
    print(f"wrote {path}")
    return 0


COMMANDS = {"report": _cmd_report}
