"""``acsim explain``: the parts of a gap, which add up to it, written with a figure."""

from pathlib import Path

import pandas as pd
import pytest

from acsim.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def _small(tmp_path, city):
    path = tmp_path / f"{city}.toml"
    path.write_text(f'based_on = "{(ROOT / "scenarios" / f"{city}.toml").as_posix()}"\n'
                    "[population]\nannual_inflow = 1500\n"
                    "[scenario]\nwarmup_weeks = 10\nhorizon_weeks = 40\n")
    return path


def test_explain_writes_parts_that_add_up_to_the_gap(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["explain", str(_small(tmp_path, "copenhagen")), str(_small(tmp_path, "aarhus")),
                 "-n", "2", "--seed", "1", "--workers", "1", "--quiet", "--method", "chain",
                 "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    table = pd.read_csv(out / "explain.csv", index_col=[0, 1])
    for metric in ("mean_completed_duration", "rmst_104"):
        rows = table.loc[metric]
        parts = rows.drop(index="total")["contribution"].sum()
        assert parts == pytest.approx(rows.loc["total", "contribution"], abs=1e-9), rows
        assert list(rows.index) == ["staffing", "meetings", "screening", "programmes",
                                    "provider", "population and labour market", "total"]
        assert (out / f"explain_{metric}.png").stat().st_size > 10_000
    assert "the parts add up to the total" in captured.out


def test_explain_refuses_an_unknown_metric_before_running(tmp_path, capsys):
    code = main(["explain", str(_small(tmp_path, "copenhagen")), str(_small(tmp_path, "aarhus")),
                 "--metric", "nonsense"])
    err = capsys.readouterr().err
    assert code == 2 and "--metric" in err and "nonsense" in err, err
