"""Every value a city file marks PLACEHOLDER or ASSUMPTION is in docs/cities.md's table.

A value is marked when its line's comment contains PLACEHOLDER or ASSUMPTION, or when the
comment block directly above its key starts with one of the two words. Key paths follow the
TOML structure: ``staffing.caseworkers``, ``programmes[2].start_week`` (the third
``[[programmes]]`` block), ``screening.tracks[1]`` (the second element of a multi-line array;
the table may name a key inside it, ``screening.tracks[1].share``).
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cities.md"
CITIES = ["copenhagen", "aarhus", "odense", "aalborg", "frederiksberg"]
TABLE_HEADING = "## All placeholders of the city files"

MARK = re.compile(r"PLACEHOLDER|ASSUMPTION")
KEY = re.compile(r"^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*=\s*(.*)$")
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split_comment(line: str) -> tuple[str, str]:
    """Code and comment of a line; a '#' inside a double-quoted string is code."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:i].rstrip(), line[i + 1:]
    return line.rstrip(), ""


def marked_values(path: Path) -> list[tuple[str, int]]:
    """(key path, line number) of every marked value in a scenario file."""
    out: list[tuple[str, int]] = []
    prefix, counts = "", {}
    array, index = None, 0
    block: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code, comment = _split_comment(raw.strip())
        if not code:
            block = [*block, comment.strip()] if comment else []
            continue
        lead = bool(block) and MARK.match(block[0]) is not None
        block = []
        if array is not None:  # inside a multi-line array: one element a line
            if code.startswith("]"):
                array = None
            else:
                if MARK.search(comment):
                    out.append((f"{array}[{index}]", number))
                index += 1
            continue
        if code.startswith("[["):
            name = code.strip("[] ")
            counts[name] = counts.get(name, 0) + 1
            prefix = f"{name}[{counts[name] - 1}]"
            continue
        if code.startswith("["):
            prefix = code.strip("[] ")
            continue
        m = KEY.match(code)
        if not m:
            continue
        key = f"{prefix}.{m.group(1)}" if prefix else m.group(1)
        value = m.group(2)
        if value.startswith("[") and value.count("[") > value.count("]"):
            array, index = key, 0
        if MARK.search(comment) or lead:
            out.append((key, number))
    return out


def _resolve(data: object, key: str) -> bool:
    for name, idx in PATH_PART.findall(key):
        try:
            data = data[int(idx)] if idx else data[name]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def documented() -> set[tuple[str, str]]:
    """(city, key path) of every row of the docs' placeholder table."""
    rows, inside = set(), False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line.strip() == TABLE_HEADING
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2:
                rows.add((cells[0].lower(), cells[1].strip("`")))
    return rows


def test_marked_paths_exist_in_the_files():
    for city in CITIES:
        path = ROOT / "scenarios" / f"{city}.toml"
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        wrong = [(k, n) for k, n in marked_values(path) if not _resolve(data, k)]
        assert not wrong, f"{city}: key paths not in the file: {wrong}"


def test_every_placeholder_is_in_the_docs_table():
    rows = documented()
    assert rows, f"no table under {TABLE_HEADING!r} in {DOC}"
    missing = []
    for city in CITIES:
        for key, number in marked_values(ROOT / "scenarios" / f"{city}.toml"):
            if not any(c == city and (k == key or k.startswith(key + "."))
                       for c, k in rows):
                missing.append(f"{city} {key} (scenarios/{city}.toml line {number})")
    assert not missing, "missing from docs/cities.md's placeholder table:\n" + "\n".join(missing)
