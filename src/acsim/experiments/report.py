"""One self-contained HTML report of a comparison, built from its output directory.

``acsim compare ... --out DIR`` writes ``comparison.csv``, the figures, the business cases
(``business_case_<i>.csv``, ``.txt``, ``.png``) and ``manifest.json``; :func:`write_report`
turns that directory alone into ``report.html``: the scenarios side by side (the key values of
each section, the rows that differ marked), the headline table (every metric with its unit,
each scenario's mean and 95 % interval, the paired differences against the first), the
figures, the business cases, the placeholder effect sizes the result rests on and the
provenance (acsim version, git commit, code and rates hashes, seed, replications, scenario
hashes). Images are embedded as base64 data URIs and the page has no script and loads nothing,
so the file can be mailed or archived as it is.

Every number of the headline and business-case tables carries its exact value as written in
the CSV: each value is a ``<span>`` with ``data-field`` (``mean``, ``ci_low``, ``ci_high``,
``diff_vs_first``, ``diff_ci_low``, ``diff_ci_high``) and ``data-value`` (the CSV text), inside a
cell with ``data-metric`` and ``data-scenario`` (``data-case`` for a business case).

Example:
    >>> write_report("cmp/")  # doctest: +SKIP
    PosixPath('cmp/report.html')

"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import math
import os
import re
import tempfile
import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acsim.exceptions import ScenarioError

if TYPE_CHECKING:
    from acsim.experiments.compare import Comparison

__all__ = ["REPORT_FILE", "build_report", "format_number", "report_comparison", "write_report"]

#: The report's file name in the comparison directory.
REPORT_FILE = "report.html"
_NEEDED = ("scenario", "metric", "unit", "mean", "ci_low", "ci_high", "diff_vs_first",
           "diff_ci_low", "diff_ci_high", "replications")
_FIELDS = ("mean", "ci_low", "ci_high")
_DIFF_FIELDS = ("diff_vs_first", "diff_ci_low", "diff_ci_high")
_FIGURES = (("survival", "Share still unemployed by spell week (Kaplan-Meier, 95 % band, "
                         "numbers at risk)"),
            ("hazard", "Weekly exit hazard, with each scenario's policy markers"),
            ("difference", "Paired difference in the share still unemployed, with its band"),
            ("utilisation", "Caseworker utilisation over the calendar year"),
            ("meeting_delays", "Mean meeting delay over the calendar year"),
            ("costs", "Cost per spell by category and payer"))
_WHAT_TO_RUN = "write one with `acsim compare SCENARIOS --out DIR` (add --business-case)"
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;
max-width:78em;padding:0 1em;color:#1d2329;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;
margin-top:2em}h3{margin-top:1.5em}.sub{color:#57606a;margin-top:0}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.3em .6em;vertical-align:top;text-align:left}
th{background:#f3f5f7}td.num{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}td.num .ci{color:#57606a;font-size:.9em}
tr.differs td{background:#fff8e1}tr.section th{background:#e8eef5;text-align:left}
td.sig{font-weight:600}code{font-size:.95em}.note{background:#fff4e5;border-left:4px solid
#e8a33d;padding:.5em 1em;margin:1em 0}.refused{background:#fdecec;border-left-color:#d1242f}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #e5e8eb}
figcaption{color:#57606a;font-size:.9em}nav a{margin-right:1em}ul.prog{margin:0;padding-left:1.1em}
.small{font-size:.85em;color:#57606a}
"""


def format_number(value: float, unit: str = "", signed: bool = False) -> str:
    """A number as the report writes it: readable, to a precision that suits its size.

    DKK and values of 1,000 or more: whole numbers with thousands separators; from 100: one
    decimal; from 10: two; below: three. NaN is ``n/a``; ``signed`` writes ``+`` before a
    positive value; negative values have a minus sign (U+2212).

    Example:
        >>> format_number(1234567.8, "DKK"), format_number(0.62345, "share")
        ('1,234,568', '0.623')
        >>> format_number(-0.5, "weeks", signed=True)
        '−0.500'

    """
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        text = "∞"
    else:
        size = abs(value)
        spec = (",.0f" if unit == "DKK" or size >= 1000 else ".1f" if size >= 100
                else ".2f" if size >= 10 else ".3f")
        text = format(abs(value), spec)
    if value < 0 and text.strip("0.,") != "":
        return "−" + text
    return ("+" if signed and value > 0 and text.strip("0.,") != "" else "") + text


def _float(text: str) -> float:
    try:
        return float(text) if text.strip() else math.nan
    except ValueError:
        return math.nan


def _e(x: Any) -> str:
    """HTML-escaped text (attributes too)."""
    return escape("" if x is None else str(x), quote=True)


# -- reading the directory -------------------------------------------------------------------
def _read_csv(path: Path, needed: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            columns = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(str(path), "", f"cannot be read: {exc}") from None
    missing = [c for c in needed if c not in columns]
    if missing:
        raise ScenarioError(str(path), missing[0], "column missing: not a file written by "
                            f"acsim compare; {_WHAT_TO_RUN}")
    return rows


def _read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(str(path), "", f"is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(str(path), "", "expected a JSON object (a comparison's manifest)")
    return data


def _image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _figures(directory: Path) -> list[tuple[Path, str]]:
    """The figures of the directory, known ones first in reading order, then any others."""
    found: list[tuple[Path, str]] = []
    for stem, caption in _FIGURES:
        paths = ([directory / f"{stem}.png"] if stem != "difference" else
                 [directory / "difference.png",
                  *sorted(directory.glob("difference_*.png"), key=_index)])
        found += [(p, caption + (f" (scenario {_index(p) + 1} minus the first)"
                                 if p.stem != stem else "")) for p in paths if p.is_file()]
    known = {p for p, _ in found}
    found += [(p, p.stem.replace("_", " ")) for p in sorted(directory.glob("*.png"))
              if p not in known and not p.stem.startswith("business_case_")]
    return found


def _index(path: Path) -> int:
    m = re.search(r"_(\d+)$", path.stem)
    return int(m.group(1)) if m else 0


# -- sections ----------------------------------------------------------------------------------
def _num_span(field: str, raw: str, unit: str, signed: bool = False) -> str:
    return (f'<span data-field="{field}" data-value="{_e(raw)}">'
            f"{_e(format_number(_float(raw), unit, signed))}</span>")


def _value_cell(row: dict[str, str], fields: tuple[str, ...], unit: str, attrs: str,
                signed: bool = False) -> str:
    mean, low, high = (row.get(f, "") for f in fields)
    sig = (signed and not math.isnan(_float(low)) and not math.isnan(_float(high))
           and (_float(low) > 0 or _float(high) < 0))
    ci = ""
    if low.strip() or high.strip():
        ci = (f' <span class="ci">[{_num_span(fields[1], low, unit, signed)}, '
              f"{_num_span(fields[2], high, unit, signed)}]</span>")
    return (f'<td class="num{" sig" if sig else ""}" {attrs}>'
            f"{_num_span(fields[0], mean, unit, signed)}{ci}</td>")


def _definition(metric: str, scope: str) -> str:
    from acsim.analysis.metrics import metric_info

    try:
        return metric_info(metric, scope).definition
    except KeyError:
        return ""


def _headline(rows: list[dict[str, str]]) -> str:
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    by = {(r["metric"], r["scenario"]): r for r in rows}
    head = "".join(f"<th>{_e(s)}</th>" for s in scenarios)
    head += "".join(f"<th>{_e(s)} − {_e(scenarios[0])}</th>" for s in scenarios[1:])
    reps = "".join(f'<td class="num">{_e(by.get((metrics[0], s), {}).get("replications", ""))}'
                   "</td>" for s in scenarios)
    out = ['<table id="headline-table" class="headline"><thead>',
           f"<tr><th>metric</th><th>unit</th>{head}</tr></thead><tbody>",
           f'<tr class="reps"><td>replications</td><td>count</td>{reps}'
           f'{"<td></td>" * (len(scenarios) - 1)}</tr>']
    for m in metrics:
        unit = next((by[(m, s)]["unit"] for s in scenarios if (m, s) in by), "")
        cells = []
        for s in scenarios:
            attrs = f'data-metric="{_e(m)}" data-scenario="{_e(s)}"'
            cells.append(_value_cell(by[(m, s)], _FIELDS, unit, attrs) if (m, s) in by
                         else "<td></td>")
        for s in scenarios[1:]:
            attrs = f'data-metric="{_e(m)}" data-scenario="{_e(s)}" data-kind="difference"'
            cells.append(_value_cell(by[(m, s)], _DIFF_FIELDS, unit, attrs, signed=True)
                         if (m, s) in by else "<td></td>")
        out.append(f'<tr><td title="{_e(_definition(m, "run"))}"><code>{_e(m)}</code></td>'
                   f"<td>{_e(unit)}</td>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _g(data: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(data, dict):
            data = data.get(k)
        elif isinstance(data, list) and isinstance(k, int) and k < len(data):
            data = data[k]
        else:
            return None
    return data


def _n(x: Any) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer()):
        return f"{int(x):,}"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
    return "—" if x in (None, "", []) else str(x)


def _group(x: Any) -> str:
    """A group value (``[["default", 1.0], ["male", 1.3]]``) or a number, as text."""
    if isinstance(x, list) and all(isinstance(g, list) and len(g) == 2 for g in x):
        return ", ".join(f"{g} {_n(v)}" if g != "default" or len(x) > 1 else _n(v)
                         for g, v in x)
    return _n(x)


def _who(item: dict[str, Any]) -> str:
    parts = [f"track {', '.join(item.get('tracks') or [])}" if item.get("tracks") else "",
             f"group {', '.join(item.get('groups') or [])}" if item.get("groups") else ""]
    return "; ".join(p for p in parts if p) or "everyone"


def _schedule(m: Any) -> str:
    s = _g(m, "schedule")
    if isinstance(s, list):
        return "; ".join(f"every {_n(p.get('every_weeks'))} weeks until week "
                         f"{_n(p.get('until_week'))}" for p in s)
    return _n(s)


def _programmes(c: dict[str, Any]) -> str:
    items = c.get("programmes") or []
    if not items:
        return "none"
    lines = []
    for p in items:
        take = p.get("take_up")
        lines.append(f"<li>{_e(p.get('name'))}: {_e(p.get('kind'))}"
                     f"{' (' + _e(p['sector']) + ')' if p.get('sector') else ''}, from week "
                     f"{_e(_n(p.get('start_week')))} for {_e(_n(p.get('duration_weeks')))} "
                     f"weeks, {_e(_n(p.get('hours_per_week')))} h/week, {_e(_who(p))}"
                     f"{'' if take in (None, 1, 1.0) else ', take-up ' + _e(_n(take))}</li>")
    return f'<ul class="prog">{"".join(lines)}</ul>'


#: Rows of the side-by-side table: (section, label, value from the scenario's content).
_ROWS: tuple[tuple[str, str, Any], ...] = (
    ("Run", "description", lambda c: _n(_g(c, "scenario", "description"))),
    ("Run", "start date", lambda c: _n(_g(c, "scenario", "start_date"))),
    ("Run", "warm-up (weeks)", lambda c: _n(_g(c, "scenario", "warmup_weeks"))),
    ("Run", "horizon (weeks)", lambda c: _n(_g(c, "scenario", "horizon_weeks"))),
    ("Population", "inflow (entrants a year)", lambda c: _n(_g(c, "population",
                                                              "annual_inflow"))),
    ("Population", "graduate share", lambda c: _n(_g(c, "population", "graduate_share"))),
    ("Population", "female share", lambda c: _n(_g(c, "population", "female_share"))),
    ("Population", "international share",
     lambda c: _n(_g(c, "population", "international_share"))),
    ("Population", "initial stock (jobseekers)", lambda c: _n(sum(
        b.get("count", 0) for b in _g(c, "population", "stock") or []) or None)),
    ("Hazard", "labour-market level", lambda c: _n(_g(c, "hazard", "level"))),
    ("Hazard", "latent risk (log HR per SD)",
     lambda c: _n(_g(c, "hazard", "covariates", "latent_risk"))),
    ("Hazard", "benefit period (weeks)", lambda c: _n(_g(c, "hazard", "benefit_weeks"))),
    ("Staffing", "caseworkers", lambda c: _n(_g(c, "staffing", "caseworkers"))),
    ("Staffing", "teams", lambda c: _n(_g(c, "staffing", "teams"))),
    ("Staffing", "assignment", lambda c: _n(_g(c, "staffing", "assignment"))),
    ("Staffing", "meetings per caseworker a week",
     lambda c: _n(_g(c, "staffing", "meetings_per_week"))),
    ("Staffing", "caseload cap", lambda c: _n(_g(c, "staffing", "caseload_cap"))),
    ("Staffing", "meeting length (minutes)", lambda c: _n(_g(c, "staffing", "meeting_minutes"))),
    ("Staffing", "entrants a year per caseworker", lambda c: _n(
        round(_g(c, "population", "annual_inflow") / _g(c, "staffing", "caseworkers"), 1)
        if _g(c, "staffing", "caseworkers") else None)),
    ("Meetings", "first meeting (spell week)", lambda c: _n(_g(c, "meetings", "first_week"))),
    ("Meetings", "schedule", lambda c: _schedule(c.get("meetings"))),
    ("Meetings", "extra meetings", lambda c: "; ".join(
        f"weeks {', '.join(_n(w) for w in e.get('weeks', []))} ({_who(e)})"
        for e in _g(c, "meetings", "extra") or []) or "none"),
    ("Meetings", "group meetings", lambda c: "none" if not _g(c, "meetings", "group") else (
        lambda g: f"every {_n(g.get('every_weeks'))} weeks, spell weeks "
                  f"{_n(g.get('from_week'))}-{_n(g.get('until_week'))}, groups of "
                  f"{_n(g.get('size'))} ({_who(g)})")(_g(c, "meetings", "group"))),
    ("Meetings", "caseload acts on meeting quality",
     lambda c: _n(_g(c, "meetings", "caseload_quality"))),
    ("Screening", "screened at", lambda c: _n(_g(c, "screening", "at"))),
    ("Screening", "accuracy", lambda c: _n(_g(c, "screening", "accuracy"))),
    ("Screening", "tracks (shares)", lambda c: ", ".join(
        f"{t.get('name')} {_n(t.get('share'))}" for t in _g(c, "screening", "tracks") or [])),
    ("Programmes", "programmes", None),
    ("Provider", "provider", lambda c: _n(_g(c, "provider", "kind"))),
    ("Provider", "meetings factor", lambda c: _n(_g(c, "provider", "meetings_factor"))),
    ("Provider", "hazard ratio", lambda c: _group(_g(c, "provider", "hazard_hr"))),
    ("Provider", "price per spell (DKK)", lambda c: _n(_g(c, "provider", "price_per_spell"))),
    ("Effects", "effect sizes calibrated", lambda c: _n(_g(c, "effects", "calibrated"))),
)


def _scenarios(manifest: dict[str, Any] | None) -> str:
    entries = (manifest or {}).get("scenarios") or []
    contents = [e.get("content") for e in entries]
    if not entries or not all(isinstance(c, dict) for c in contents):
        return ('<p class="note">The scenarios\' content is not in this directory\'s '
                "<code>manifest.json</code> (written by an older acsim, or not by "
                "<code>acsim compare --out</code>): rerun the comparison to see them side by "
                "side.</p>")
    head = "".join(f"<th>{_e(e.get('name'))}</th>" for e in entries)
    out = [f'<table id="scenario-table"><thead><tr><th>value</th>{head}</tr></thead><tbody>']
    section = None
    for sec, label, get in _ROWS:
        if sec != section:
            out.append(f'<tr class="section"><th colspan="{len(entries) + 1}">{_e(sec)}</th></tr>')
            section = sec
        if get is None:
            cells = [_programmes(c) for c in contents]
        else:
            cells = []
            for c in contents:
                try:
                    cells.append(_e(get(c)))
                except (TypeError, ValueError, ZeroDivisionError, AttributeError):
                    cells.append("—")
        differs = len(set(cells)) > 1
        out.append(f'<tr{" class=differs" if differs else ""}><td>{_e(label)}</td>'
                   + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _business_cases(directory: Path) -> str:
    notes = {_index(p): p for p in directory.glob("business_case_*.txt")}
    tables = {_index(p): p for p in directory.glob("business_case_*.csv")}
    if not notes and not tables:
        return ("<p>No business case in this directory: run the comparison with "
                "<code>--business-case</code>.</p>")
    out = []
    for i in sorted(set(notes) | set(tables)):
        note = notes[i].read_text(encoding="utf-8").strip() if i in notes else ""
        out.append(f'<h3 id="business-case-{i}">Business case {i}</h3>')
        if note.startswith("refused:"):
            out.append(f'<p class="note refused">{_e(note)}</p>')
        elif note:
            out.append(f"<p>{_e(note)}. Mean and 95 % interval over paired replications.</p>")
        if i not in tables:
            continue
        rows = _read_csv(tables[i], ("metric", "mean", "ci_low", "ci_high"))
        out.append(f'<table class="business" data-case="{i}"><thead><tr><th>metric</th>'
                   "<th>unit</th><th>mean [95 % interval]</th><th>meaning</th></tr></thead>"
                   "<tbody>")
        from acsim.analysis.metrics import metric_unit

        for r in rows:
            try:
                unit = metric_unit(r["metric"], "business")
            except KeyError:
                unit = ""
            attrs = f'data-metric="{_e(r["metric"])}" data-case="{i}"'
            out.append(f'<tr><td><code>{_e(r["metric"])}</code></td><td>{_e(unit)}</td>'
                       f"{_value_cell(r, _FIELDS, unit, attrs)}"
                       f'<td class="small">{_e(_definition(r["metric"], "business"))}</td></tr>')
        out.append("</tbody></table>")
        png = directory / f"business_case_{i}.png"
        if png.is_file():
            out.append(f"<figure>{_image(png, f'business case {i}')}<figcaption>Cumulative net "
                       "result with its 95 % band; break-even marked</figcaption></figure>")
    return "\n".join(out)


def _placeholders(manifest: dict[str, Any] | None) -> str:
    entries = (manifest or {}).get("scenarios") or []
    if not entries or not all("placeholders" in e for e in entries):
        return ('<p class="note">The placeholders are not recorded in this directory\'s '
                "<code>manifest.json</code>; rerun the comparison with this acsim.</p>")
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for k, e in enumerate(entries):
        for p in e["placeholders"]:
            item = merged.setdefault((p.get("parameter"), p.get("status")),
                                     {**p, "values": {}})
            item["values"][k] = p.get("value")
    if not merged:
        return "<p>None: every effect size these scenarios use is fitted to a published number.</p>"
    head = "".join(f"<th>{_e(e.get('name'))}</th>" for e in entries)
    out = ["<p>Effect sizes the scenarios use that no published number fixes (see "
           "<code>docs/calibration.md</code>): their values move the result without evidence "
           "behind them. — : the scenario does not use it.</p>",
           f'<table id="placeholder-table"><thead><tr><th>parameter</th><th>status</th>'
           f"<th>why</th>{head}</tr></thead><tbody>"]
    for (param, status), p in merged.items():
        vals = "".join(f"<td>{_e(_n(p['values'][k]) if k in p['values'] else '—')}</td>"
                       for k in range(len(entries)))
        out.append(f"<tr><td><code>{_e(param)}</code></td><td>{_e(status)}</td>"
                   f'<td class="small">{_e(p.get("why"))}</td>{vals}</tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _provenance(manifest: dict[str, Any] | None, directory: Path) -> str:
    digest = hashlib.sha256((directory / "comparison.csv").read_bytes()).hexdigest()
    rows: list[tuple[str, Any]] = [("directory", str(directory.resolve())),
                                   ("comparison.csv SHA-256", digest),
                                   ("report written", time.strftime("%Y-%m-%dT%H:%M:%S%z"))]
    if manifest is None:
        rows.append(("manifest.json", "missing: version, commit and seeds unknown"))
    else:
        for key, label in (("acsim_version", "acsim version"), ("git_commit", "git commit"),
                           ("code_hash", "code hash"), ("rates_hash", "rates hash"),
                           ("python", "Python"), ("seed", "root seed (common to all scenarios)"),
                           ("replications", "replications"), ("parameter_hash",
                                                              "effect parameters hash"),
                           ("effects_calibrated", "effects calibrated"),
                           ("scenario_file", "first scenario file"),
                           ("written", "comparison written")):
            rows.append((label, manifest.get(key)))
        rows.append(("overrides (--set)", ", ".join(manifest.get("overrides") or []) or "none"))
        opts = manifest.get("options")
        if opts:
            rows.append(("options", json.dumps(opts, default=str)))
    out = ['<table id="provenance-table"><tbody>']
    out += [f"<tr><th>{_e(k)}</th><td><code>{_e(_n(v))}</code></td></tr>" for k, v in rows]
    out.append("</tbody></table>")
    entries = (manifest or {}).get("scenarios") or []
    if entries:
        out.append("<table><thead><tr><th>scenario</th><th>SHA-256</th><th>replications</th>"
                   "</tr></thead><tbody>")
        out += [f"<tr><td>{_e(e.get('name'))}</td><td><code>{_e(e.get('hash'))}</code></td>"
                f'<td class="num">{_e(e.get("replications"))}</td></tr>' for e in entries]
        out.append("</tbody></table>")
    return "\n".join(out)


# -- the page ------------------------------------------------------------------------------------
def build_report(directory: str | Path) -> str:
    """The HTML of the report of a comparison output directory.

    Args:
        directory: What ``acsim compare ... --out DIR`` wrote. ``comparison.csv`` is needed;
            the figures, business cases and ``manifest.json`` are shown where present (the
            report says what is missing).

    Returns:
        The page: one self-contained HTML document.

    Raises:
        ScenarioError: The directory or its ``comparison.csv`` is missing or malformed; the
            message names the file and what to run.

    """
    d = Path(directory)
    if not d.is_dir():
        raise ScenarioError(str(d), "", f"no such directory; {_WHAT_TO_RUN}")
    if not (d / "comparison.csv").is_file():
        raise ScenarioError(str(d), "comparison.csv", f"not found: not a comparison's output "
                            f"directory; {_WHAT_TO_RUN}")
    rows = _read_csv(d / "comparison.csv", _NEEDED)
    if not rows:
        raise ScenarioError(str(d / "comparison.csv"), "", f"has no rows; {_WHAT_TO_RUN}")
    manifest = _read_manifest(d)
    names = list(dict.fromkeys(r["scenario"] for r in rows))
    title = " vs ".join(names)
    sub = []
    if manifest:
        sub.append(f"acsim {manifest.get('acsim_version', '?')}, seed {manifest.get('seed')}, "
                   f"{manifest.get('replications')} replication(s)")
        if manifest.get("written"):
            sub.append(f"run {manifest['written']}")
    uncalibrated = [e.get("name") for e in (manifest or {}).get("scenarios") or []
                    if _g(e, "content", "effects", "calibrated") is False]
    figures = "\n".join(f"<figure>{_image(p, cap)}<figcaption>{_e(cap)} "
                        f"(<code>{_e(p.name)}</code>)</figcaption></figure>"
                        for p, cap in _figures(d)) or "<p>No figures in this directory.</p>"
    sections = [
        ("scenarios", "The scenarios side by side",
         "<p>Key values of each section; rows that differ between the scenarios are marked. "
         "The first scenario is the reference.</p>" + _scenarios(manifest)),
        ("headline", "Headline results",
         "<p>Mean over replications with its 95 % t-interval [low, high]; the last columns "
         "are the paired differences against the first scenario (same seeds), in bold where "
         "the interval excludes 0. Shares are fractions from 0 to 1, money is DKK at the "
         "dated rates, a year is 52 weeks of the analysis window (<code>docs/outputs.md</code>, "
         "<code>docs/metrics.md</code>).</p>" + _headline(rows)),
        ("figures", "Figures", figures),
        ("business-case", "Business case", _business_cases(d)),
        ("placeholders", "Placeholders the result rests on", _placeholders(manifest)),
        ("provenance", "Provenance", _provenance(manifest, d)),
    ]
    nav = "".join(f'<a href="#{sid}">{_e(t)}</a>' for sid, t, _ in sections)
    warn = (f'<p class="note">Effect sizes of {_e(", ".join(uncalibrated))} are uncalibrated '
            "placeholders: treat the effects as illustrative.</p>" if uncalibrated else "")
    body = "\n".join(f'<section id="{sid}"><h2>{_e(t)}</h2>\n{html}</section>'
                     for sid, t, html in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>acsim comparison: {_e(title)}</title>\n<style>{_STYLE}</style></head>\n"
            f"<body>\n<h1>acsim comparison: {_e(title)}</h1>\n"
            f'<p class="sub">{_e("; ".join(sub))}</p>\n<nav>{nav}</nav>\n{warn}\n{body}\n'
            "</body></html>\n")


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of a comparison output directory (:func:`build_report`).

    Args:
        directory: What ``acsim compare ... --out DIR`` wrote.
        out: The HTML file (default ``DIR/report.html``); written atomically.

    Returns:
        The path written.

    Raises:
        ScenarioError: As :func:`build_report`.
        OSError: The file cannot be written.

    """
    page = build_report(directory)
    path = Path(out) if out is not None else Path(directory) / REPORT_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path


def report_comparison(comparison: Comparison, path: str | Path, *, business_case: bool = True,
                      normalise: bool = False, directory: str | Path | None = None) -> Path:
    """Save a comparison (its files and manifest) and write its report.

    The Python side of ``acsim compare --out DIR`` followed by ``acsim report DIR``.

    Args:
        comparison: The comparison.
        path: The HTML file, or an existing directory to write ``report.html`` into.
        business_case: Include each variant's business case against the first.
        normalise: Between populations of different size, a case per entrant.
        directory: Where the comparison's files are saved; default a temporary directory,
            removed afterwards (the report holds everything it shows).

    Returns:
        The report's path.

    """
    from acsim.experiments.manifest import comparison_manifest, write_manifest

    path = Path(path)
    if path.is_dir():
        path = path / REPORT_FILE
    with tempfile.TemporaryDirectory(prefix="acsim-report-") as tmp:
        d = Path(directory) if directory is not None else Path(tmp)
        comparison.save(d, business_case=business_case, normalise=normalise)
        write_manifest(d / "manifest.json", comparison_manifest(comparison, scenario_file=None))
        return write_report(d, path)
