"""`acsim report`: one self-contained HTML file of a comparison, checked as parsed HTML and as
rendered by headless Chromium (no missing images, no script errors, the numbers of
comparison.csv)."""

import csv
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

import acsim
from acsim.cli.main import main
from acsim.exceptions import ScenarioError
from acsim.experiments.report import build_report, format_number

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"population.annual_inflow": 600.0, "scenario.warmup_weeks": 8.0,
         "scenario.horizon_weeks": 40.0, "staffing.caseworkers": 4}
#: A name that must be escaped everywhere it appears.
VARIANT = 'Copenhagen <with> "Aarhus" programmes & meetings'
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A small comparison with a business case (a transplant: one population), reported."""
    tmp = tmp_path_factory.mktemp("report")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = acsim.load_scenario(ROOT / "scenarios" / "copenhagen.toml").with_changes(SMALL)
        aar = acsim.load_scenario(ROOT / "scenarios" / "aarhus.toml")
        var = cph.transplant(aar, "programmes,meetings", name=VARIANT)
        cmp = acsim.compare([cph, var], replications=2, seed=1, workers=1, progress=False)
        path = cmp.report(tmp / "report.html", directory=tmp / "cmp")
    assert path == tmp / "report.html"
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class _Cells(HTMLParser):
    """Every ``<span data-field data-value>`` with its cell's attributes and shown text."""

    def __init__(self):
        super().__init__()
        self.cell: dict[str, str] | None = None
        self.span: dict[str, str] | None = None
        self.values: list[dict[str, str]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "td" and ("data-metric" in a):
            self.cell = a
        elif tag == "span" and "data-field" in a and self.cell is not None:
            self.span = {**self.cell, **a, "shown": ""}

    def handle_endtag(self, tag):
        if tag == "span" and self.span is not None:
            self.values.append(self.span)
            self.span = None
        elif tag == "td":
            self.cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self.span is not None:
            self.span["shown"] += data


def _parse(path: Path) -> _Cells:
    p = _Cells()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _shown(text: str) -> float:
    """A number as the report shows it, back to a float."""
    if text == "n/a":
        return math.nan
    return float(text.replace("−", "-").replace(",", "").replace("+", ""))


def _close(shown: str, raw: str) -> bool:
    """The shown text is the value to its shown precision."""
    value = float(raw) if raw else math.nan
    if math.isnan(value):
        return shown == "n/a"
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(_shown(shown) - value) <= 0.5 * 10 ** -decimals * (1 + 1e-9)


def _check_against(values: list[dict[str, str]], rows: list[dict[str, str]], key: str,
                   fields: tuple[str, ...]) -> int:
    """Every field of every CSV row is in the page exactly (data-value) and as shown."""
    got = {(v["data-metric"], v[key], v["data-field"]): v for v in values if key in v}
    n = 0
    for row in rows:
        for field in fields:
            v = got.get((row["metric"], row["_key"], field))
            if v is None and not row[field] and field != fields[0]:
                continue  # no interval (n/a): the page shows none
            assert v["data-value"] == row[field], (row["metric"], row["_key"], field)
            if row[field]:
                assert float(v["data-value"]) == float(row[field])
            assert _close(v["shown"], row[field]), (row["metric"], field, v["shown"], row[field])
            n += 1
    return n


def test_headline_numbers_match_comparison_csv(report):
    rows = _csv(report.parent / "cmp" / "comparison.csv")
    page = _parse(report)
    first = rows[0]["scenario"]
    for r in rows:
        r["_key"] = r["scenario"]
    n = _check_against(page.values, rows, "data-scenario", ("mean", "ci_low", "ci_high"))
    n += _check_against(page.values, [r for r in rows if r["scenario"] != first],
                        "data-scenario", ("diff_vs_first", "diff_ci_low", "diff_ci_high"))
    assert n >= len(rows) + len(rows) // 2  # every mean and difference, and intervals
    units = {(v["data-metric"]) for v in page.values}
    assert {r["metric"] for r in rows} <= units
    text = "".join(page.text)
    assert "[" in text and "DKK" in text and "share" in text and "weeks" in text


def test_business_case_numbers_match_its_csv(report):
    rows = _csv(report.parent / "cmp" / "business_case_1.csv")
    for r in rows:
        r["_key"] = "1"
    page = _parse(report)
    n = _check_against(page.values, rows, "data-case", ("mean", "ci_low", "ci_high"))
    assert n >= 3 * len(rows) - 2
    note = (report.parent / "cmp" / "business_case_1.txt").read_text().strip()
    assert note in "".join(page.text)


def test_the_page_is_self_contained_and_escaped(report):
    html = report.read_text(encoding="utf-8")
    page = _parse(report)
    srcs = [a.get("src", "") for t, a in page.tags if t == "img"]
    pngs = sorted((report.parent / "cmp").glob("*.png"))
    assert len(srcs) == len(pngs) >= 7
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not [t for t, a in page.tags if t in ("script", "link", "iframe", "object")]
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", html)
    assert "http://" not in html and "https://" not in html
    assert VARIANT not in html  # only escaped
    assert "Copenhagen &lt;with&gt; &quot;Aarhus&quot; programmes &amp; meetings" in html
    assert VARIANT in "".join(page.text)


def test_scenarios_placeholders_and_provenance_come_from_the_manifest(report):
    manifest = json.loads((report.parent / "cmp" / "manifest.json").read_text())
    page = _parse(report)
    text = " ".join(page.text)
    ids = {a.get("id") for _, a in page.tags}
    assert {"scenario-table", "headline-table", "placeholder-table", "provenance-table"} <= ids
    for entry in manifest["scenarios"]:
        # The manifest rebuilds each scenario exactly, so the report describes what was run.
        assert acsim.Scenario.from_dict(entry["content"]).digest == entry["hash"]
        assert entry["hash"] in text
        for p in entry["placeholders"]:
            assert p["parameter"] in text
    statuses = {p["status"] for e in manifest["scenarios"] for p in e["placeholders"]}
    assert "not identified" in statuses
    # Only the transplanted variant runs courses: their placeholders are its alone.
    first, variant = ({p["parameter"] for p in e["placeholders"]} for e in manifest["scenarios"])
    assert any(p.startswith("effects.course.") for p in variant - first)
    for key in ("acsim_version", "code_hash", "rates_hash"):
        assert str(manifest[key]) in text
    assert manifest["git_commit"] is None or manifest["git_commit"] in text
    assert re.search(rf"root seed[^\n]*\s+{manifest['seed']}\b", text)
    # The rows that differ are marked: the transplant changed the meetings and programmes.
    differs = [a for t, a in page.tags if t == "tr" and a.get("class") == "differs"]
    assert len(differs) >= 3


def test_cli_report_writes_the_same_numbers_and_rejects_a_bad_directory(report, tmp_path,
                                                                        capsys):
    out = tmp_path / "again.html"
    assert main(["report", str(report.parent / "cmp"), "--out", str(out)]) == 0
    assert [v["data-value"] for v in _parse(out).values] == \
        [v["data-value"] for v in _parse(report).values]
    assert main(["report", str(report.parent / "cmp")]) == 0
    assert (report.parent / "cmp" / "report.html").is_file()
    capsys.readouterr()
    for bad in (tmp_path / "missing", tmp_path):
        assert main(["report", str(bad)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "acsim compare" in err[0], err
    assert "comparison.csv" in str(pytest.raises(ScenarioError, build_report, tmp_path).value)


def test_format_number():
    assert format_number(1234567.8, "DKK") == "1,234,568"
    assert format_number(0.62345, "share") == "0.623"
    assert format_number(24.512, "weeks") == "24.51"
    assert format_number(-0.5, "weeks", signed=True) == "−0.500"
    assert format_number(2.0, "weeks", signed=True) == "+2.000"
    assert format_number(-0.0001, "share", signed=True) == "0.000"
    assert format_number(math.nan) == "n/a"


# -- rendered in a browser -------------------------------------------------------------------
def _driver(profile: str):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        message = (f"{CHROMIUM} or {CHROMEDRIVER} not found: install them with `apt-get install "
                   "chromium chromium-driver` (.ci/run does), or set ACSIM_NO_BROWSER=1 to skip")
        if os.environ.get("ACSIM_NO_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(message)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[dev]'")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # with the driver's path: Selenium Manager unused
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1200,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def test_report_renders_in_headless_chromium(report):
    profile = tempfile.mkdtemp(prefix="acsim-chromium-")
    try:
        driver = _driver(profile)
        try:
            driver.get(report.as_uri())
            assert driver.execute_script("return document.readyState") == "complete"
            images = driver.execute_script(
                "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, "
                "i.naturalHeight, i.alt])")
            assert len(images) >= 7
            assert all(done and w > 0 and h > 0 for done, w, h, _ in images), images
            severe = [e["message"][:300] for e in driver.get_log("browser")
                      if e["level"] == "SEVERE"]
            assert not severe, severe
            assert driver.title.startswith("acsim comparison:")
            # The headline table as rendered: one row per metric, the numbers of the CSV.
            rows = _csv(report.parent / "cmp" / "comparison.csv")
            shown = driver.execute_script(
                "return Array.from(document.querySelectorAll('#headline-table td[data-metric]"
                ":not([data-kind]) span[data-field=\"mean\"]')).map(s => [s.closest('td')"
                ".dataset.metric, s.closest('td').dataset.scenario, s.dataset.value, "
                "s.innerText])")
            assert len(shown) == len(rows)
            by = {(r["metric"], r["scenario"]): r["mean"] for r in rows}
            for metric, scenario, value, text in shown:
                assert value == by[(metric, scenario)]
                assert _close(text, value), (metric, text, value)
            height = driver.execute_script(
                "return document.getElementById('headline-table').getBoundingClientRect()"
                ".height")
            assert height > 100
            # The checks see what they look for: a broken image and a script error.
            broken = report.with_name("broken.html")
            broken.write_text(report.read_text().replace("base64,iVBOR", "base64,AAAA", 1)
                              + "<script>no_such_function()</script>")
            driver.get(broken.as_uri())
            widths = driver.execute_script(
                "return Array.from(document.images).map(i => i.naturalWidth)")
            assert widths.count(0) == 1
            errors = [e["source"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert "javascript" in errors, errors
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
