"""Every document a file cites can be found: docs/sources.md identifies it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "sources.md"
CITING = [*ROOT.glob("scenarios/**/*.toml"), *ROOT.glob("src/acsim/data/*.toml"),
          *ROOT.glob("docs/**/*.md"), ROOT / "README.md"]


def _rows() -> dict[str, str]:
    rows = {}
    for line in SOURCES.read_text().splitlines():
        m = re.match(r"\| seed (\d{3}) \| `([^`]+)` \|", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_every_cited_text_copy_and_seed_is_identified():
    rows = _rows()
    files = {line.split("`")[1] for line in rows.values()}
    cited_files, cited_seeds = set(), set()
    for path in CITING:
        text = path.read_text()
        cited_files |= set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", text))
        cited_seeds |= set(re.findall(r"\bseeds? (\d{3})\b", text))
    assert cited_files - files == set(), "text copies cited but not in docs/sources.md"
    assert cited_seeds - set(rows) == set(), "seeds cited but not in docs/sources.md"


def test_each_document_has_a_title_author_date_and_case_number_where_printed():
    rows = _rows()
    assert sorted(rows) == ["000", "001", "002", "003", "004"]
    for number, case in [("000", "2020-0109029"), ("001", "2018-0193900"),
                         ("002", "2014-0224925")]:
        assert case in rows[number], (number, rows[number])
    assert "10 June 2020" in rows["000"] and "13 August 2018" in rows["001"]
    assert "July 2020" in rows["003"] and "fem universitetsbyer" in rows["003"]
    for line in rows.values():
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 6 and all(cells), line
