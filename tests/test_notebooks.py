"""The notebooks: stored executed with their figures and conclusions, and still executing.

The stored notebooks are full-size runs (``make notebooks``); the test suite reads them as
stored, and re-executes each scaled down (``ACSIM_FAST=1``) in memory, never writing them.
"""

import hashlib
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
#: A code cell that draws: a plot method or function, or a new pyplot figure.
DRAWS = re.compile(r"\.plot\w*\(|\bplot_\w+\(|plt\.(subplots|figure)\(")
MAX_BYTES = 2 * 1024 * 1024


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_the_four_notebooks():
    assert IDS == ["calibration", "copenhagen_vs_aarhus", "five_cities", "insourcing"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_stored_notebook_is_executed_with_figures_and_conclusions(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"
    nb = nbformat.read(path, as_version=4)
    code = _code_cells(nb)
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{path.name}: cells not executed: {counts}"
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: not one run from top to bottom: {counts}")
    errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: stored errors {errors}"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kinds = {k for o in cell.outputs for k in o.get("data", {})}
        assert "image/svg+xml" not in kinds, f"{path.name} cell {i}: store figures as PNG"
        draws = bool(DRAWS.search(cell.source))
        if draws:
            assert "image/png" in kinds, f"{path.name} cell {i} draws but stores no PNG"
        if draws or "image/png" in kinds:
            nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            assert nxt is not None and nxt.cell_type == "markdown", (
                f"{path.name} cell {i}: a figure not followed by a written conclusion")
            assert nxt.source.lstrip().startswith("**Conclusion"), (
                f"{path.name} cell {i + 1}: the cell after a figure starts "
                f"{nxt.source[:40]!r}, not with its **Conclusion**")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes(path, monkeypatch):
    missing = [c for c in ("aarhus", "aalborg", "odense", "frederiksberg")
               if not (ROOT / "scenarios" / f"{c}.toml").exists()]
    if path.stem == "five_cities" and missing:
        pytest.fail(f"scenario files missing: {missing}")
    monkeypatch.setenv("ACSIM_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    stored = hashlib.sha256(path.read_bytes()).hexdigest()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    figures = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures, f"{path.name}: the scaled-down run drew no figure"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == stored, (
        f"{path.name}: the test run rewrote the stored notebook")
