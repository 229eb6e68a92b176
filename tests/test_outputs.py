"""docs/outputs.md lists every column of every output file, and nothing that is not written.

Tiny real runs of ``acsim run`` (with a result store), ``acsim compare --business-case`` and
``acsim trial`` write their files; every column (or JSON key) found in them must be in the
page's table for that file, and every column in a table must be found. ``validation.csv``
(too slow to write here) is held to :data:`acsim.evidence.validation.VALIDATION_COLUMNS`.

``python tests/test_outputs.py`` prints the rows missing from the page, to paste and fill in.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import tomlkit

from acsim.analysis.metrics import arm_unit, metric_info, metric_unit
from acsim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "outputs.md"

#: A trial small enough for a test: one of each kind of unit.
TRIAL = {
    "trial": {"id": "t", "n": 200, "seed": 1,
              "metrics": ["hr_job", "employed_at_26", "mean_duration"]},
    "base": {"staffing": {"caseworkers": 60, "meetings_per_week": 40},
             "meetings": {"schedule": "none"}},
    "arms": {"control": {}, "treatment": {"meetings": {"first_week": 2}}},
}


def documented() -> dict[str, list[str]]:
    """The page's tables: ``{file heading: [column, ...]}``, in order.

    A table belongs to the last ``###`` heading whose text starts with a file name in
    backticks; its rows' first cells are the column names in backticks.
    """
    tables: dict[str, list[str]] = {}
    current = None
    for line in PAGE.read_text().splitlines():
        head = re.match(r"^### `([^`]+)`", line)
        if head:
            current = head.group(1)
            tables.setdefault(current, [])
        elif line.startswith("#"):
            current = None
        cell = re.match(r"^\| `([^`]+)` \|", line)
        if cell and current is not None:
            tables[current].append(cell.group(1))
    return tables


def _tiny(tmp: Path, name: str, caseworkers: int) -> Path:
    """Aarhus, scaled down to a few hundred spells (every policy family still at work)."""
    doc = tomlkit.parse((ROOT / "scenarios" / "aarhus.toml").read_text())
    doc["scenario"]["name"] = name
    doc["scenario"]["warmup_weeks"] = 8
    doc["scenario"]["horizon_weeks"] = 40
    doc["population"]["annual_inflow"] = 300
    doc["staffing"]["caseworkers"] = caseworkers
    path = tmp / f"{name}.toml"
    path.write_text(tomlkit.dumps(doc))
    return path


def _columns(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return list(pd.read_parquet(path).columns)
    if path.suffix == ".json":
        return list(json.loads(path.read_text()))
    return list(pd.read_csv(path).columns)


def observed(tmp: Path) -> dict[str, list[str]]:
    """Run the commands tiny and read the columns of every file they write, by file name."""
    a, b = _tiny(tmp, "tiny", 44), _tiny(tmp, "tiny_more_staff", 60)
    store = tmp / "store"
    args = ["--seed", "1", "--workers", "1", "--quiet"]
    assert main(["run", str(a), "-n", "2", "--out", str(tmp / "run"), "--store", str(store),
                 "--set", "meetings.first_week=3", "--parameter-draws", "2", *args]) == 0
    assert main(["compare", str(a), str(b), "-n", "2", "--business-case",
                 "--parameter-draws", "2", "--out", str(tmp / "cmp"), *args]) == 0
    assert main(["sweep", str(a), "--grid", "staffing.caseworkers=44,60", "-n", "2",
                 "--parameter-draws", "2", "--out", str(tmp / "sweep"), *args]) == 0
    trial = tmp / "trial.toml"
    trial.write_text(tomlkit.dumps(TRIAL))
    assert main(["trial", str(trial), "--out", str(tmp / "trial"), "--parameter-draws", "2",
                 "--workers", "1"]) == 0
    (key,) = store.iterdir()
    files = {
        "spells.parquet": tmp / "run" / "spells.parquet",
        "summary.csv": tmp / "run" / "summary.csv",
        "costs.csv": tmp / "run" / "costs.csv",
        "survival.csv": tmp / "run" / "survival.csv",
        "manifest.json": tmp / "run" / "manifest.json",
        "comparison.csv": tmp / "cmp" / "comparison.csv",
        "sweep.csv": tmp / "sweep" / "sweep.csv",
        "business_case_<i>.csv": tmp / "cmp" / "business_case_1.csv",
        "providers_<i>.csv": tmp / "cmp" / "providers_1.csv",
        "trial.csv": tmp / "trial" / "trial.csv",
        "<store>/manifest.json": key / "manifest.json",
    }
    out = {name: _columns(path) for name, path in files.items()}
    out["sweep.csv"] = ["<key>" if c == "staffing.caseworkers" else c for c in out["sweep.csv"]]
    compare_keys = set(_columns(tmp / "cmp" / "manifest.json"))
    out["compare/manifest.json"] = sorted(compare_keys - set(out["manifest.json"]))
    assert set(out["manifest.json"]) - compare_keys == {"interrupted", "wall_time_seconds"}
    for sub in ("spells", "metrics", "weekly", "meetings", "programmes", "jobs"):
        (first, *_) = sorted((key / sub).iterdir())
        out[f"<store>/{sub}/"] = _columns(first)
    out["<store>/manifest.json"] = sorted(set(out["<store>/manifest.json"])
                                          - set(out["manifest.json"]))
    assert out["<store>/spells/"] == out["spells.parquet"]
    del out["<store>/spells/"]
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """The directory of the tiny runs' files; their columns are in ``written``."""
    tmp = tmp_path_factory.mktemp("outputs")
    (tmp / "columns.json").write_text(json.dumps(observed(tmp)))
    return tmp


@pytest.fixture(scope="module")
def written(outputs) -> dict[str, list[str]]:
    return json.loads((outputs / "columns.json").read_text())


def test_every_column_written_is_documented_and_every_documented_one_is_written(written):
    from acsim.evidence.validation import VALIDATION_COLUMNS

    page = documented()
    found = {**written, "validation.csv": VALIDATION_COLUMNS}
    assert sorted(page) == sorted(found), "files: page vs written"
    for name, columns in found.items():
        missing = [c for c in columns if c not in page[name]]
        stale = [c for c in page[name] if c not in columns]
        assert not missing, f"{name}: not on docs/outputs.md: {missing}"
        assert not stale, f"{name}: on docs/outputs.md but not written: {stale}"
        assert len(page[name]) == len(set(page[name])), f"{name}: a column listed twice"


def test_units_come_from_the_metric_vocabulary(outputs):
    cmp = pd.read_csv(outputs / "cmp" / "comparison.csv")
    assert (cmp["unit"] == [metric_unit(m, "run") for m in cmp["metric"]]).all()
    assert set(cmp.loc[cmp["metric"].str.startswith("survival_"), "unit"]) == {"share"}
    trial = pd.read_csv(outputs / "trial" / "trial.csv")
    units = dict(zip(trial["metric"], zip(trial["unit"], trial["arm_unit"], strict=True),
                     strict=True))
    assert units == {"hr_job": ("ratio", "per week"),
                     "employed_at_26": ("percentage points", "percent"),
                     "mean_duration": ("weeks", "weeks")}
    # percent on 0-100 in the arms, a share (0-1) nowhere in trial.csv's employed_at rows
    row = trial.set_index("metric").loc["employed_at_26"]
    assert 1.0 < row["control"] <= 100.0
    assert arm_unit("unemployed_at_52@female") == "percent"
    assert metric_info("survival_26").unit == "share"


def test_spell_flags_and_manifest(outputs):
    out = outputs
    spells = pd.read_parquet(out / "run" / "spells.parquet")
    warmup = 8.0
    assert (spells["warmup"] == (spells["entry_week"] < warmup)).all()
    assert spells["warmup"].any() and not spells["warmup"].all()
    assert (spells["event_job"] == spells["exit_reason"].isin(["job", "hired"])).all()
    assert (spells["event"] == (spells["exit_reason"] != "censored")).all()
    assert (spells["event"] | ~spells["event_job"]).all()
    manifest = json.loads((out / "run" / "manifest.json").read_text())
    assert manifest["overrides"] == ["meetings.first_week=3"]
    assert manifest["options"]["replications"] == 2 and manifest["options"]["seed"] == 1
    assert manifest["options"]["store"].endswith("store")
    cmp = json.loads((out / "cmp" / "manifest.json").read_text())
    assert [s["name"] for s in cmp["scenarios"]] == ["tiny", "tiny_more_staff"]
    assert cmp["options"]["business_case"] is True


def test_the_rates_note_only_when_a_costed_week_lies_after_the_rates():
    import warnings

    from acsim.costs import model
    from acsim.costs.model import RatesCoverageWarning, note_rates_coverage
    from acsim.costs.rates import default_rates

    covers = default_rates().meta.covers_until
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not note_rates_coverage(None)
        assert not note_rates_coverage(covers)
        later = covers.replace(year=covers.year + 3)
        model._RATES_NOTES.discard(next((m for m in model._RATES_NOTES if str(later) in m), ""))
        assert note_rates_coverage(later)
        assert not note_rates_coverage(later)  # once per process
    notes = [w for w in caught if issubclass(w.category, RatesCoverageWarning)]
    assert len(notes) == 1 and str(later) in str(notes[0].message)


if __name__ == "__main__":  # print the rows the page lacks, to fill in
    with tempfile.TemporaryDirectory() as tmp:
        page = documented()
        for name, columns in observed(Path(tmp)).items():
            rows = [c for c in columns if c not in page.get(name, [])]
            if rows:
                print(f"\n## `{name}`\n\n| column | unit | meaning |\n|---|---|---|")
                print("\n".join(f"| `{c}` |  |  |" for c in rows))
    sys.exit(0)
