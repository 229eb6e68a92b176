"""The notebooks execute from top to bottom (scaled down with ACSIM_FAST=1)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    missing = [c for c in ("aarhus", "aalborg", "odense", "frederiksberg")
               if not (ROOT / "scenarios" / f"{c}.toml").exists()]
    if path.stem == "five_cities" and missing:
        pytest.fail(f"scenario files missing: {missing}")
    monkeypatch.setenv("ACSIM_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
