"""Setting a calibrated value in a TOML file with tomlkit, keeping the rest of the file.

A calibrated value goes on its own line with a ``# CALIBRATED: ...`` note directly above it;
a previous note there is replaced, so notes do not stack. Every other line, comments and
layout included, is kept as it is (the edited line's own trailing comment is dropped: the
note above it says where the value now comes from).
"""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import Comment, Item, Table

__all__ = ["NOTE_PREFIX", "set_calibrated_value"]

#: How a calibration note starts.
NOTE_PREFIX = "# CALIBRATED"


def _table(doc: tomlkit.TOMLDocument, dotted: str | None, path: Path) -> Table:
    node = doc
    for part in dotted.split(".") if dotted else ():
        if part not in node or not isinstance(node[part], (Table, tomlkit.TOMLDocument)):
            raise ValueError(f"{path}: no [{dotted}] table")
        node = node[part]
    return node


def set_calibrated_value(path: str | Path, table: str | None, key: str, value: str,
                         note: str) -> None:
    """Set ``key = value`` in a TOML file's ``[table]`` (or top level), with a note above it.

    Args:
        path: The TOML file.
        table: Dotted name of the table (``"hazard.covariates"``); ``None`` for the top level.
        key: The key; it must already be in the table.
        value: The value as TOML text (``"0.5606"``, ``"9960"``), written as given.
        note: The note, without its ``# CALIBRATED: `` prefix.

    Raises:
        ValueError: The table or the key is not in the file.

    """
    path = Path(path)
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    node = _table(doc, table, path)
    if key not in node or isinstance(node[key], Table):
        raise ValueError(f"{path}: no '{key} = ...' line in [{table}]")
    node[key] = tomlkit.value(value)
    item: Item = node.item(key)
    item.trivia.comment_ws = item.trivia.comment = ""
    container = node.value if isinstance(node, Table) else node
    body = container.body
    i = next(j for j, (k, _) in enumerate(body) if k is not None and k.key == key)
    notes = []
    while i > 0 and isinstance(body[i - 1][1], Comment) and body[i - 1][1].as_string(
    ).lstrip().startswith(NOTE_PREFIX):
        i -= 1
        notes.append(body[i][1])
    line = f"{NOTE_PREFIX}: {note}"
    if notes:
        notes[0].trivia.comment = line  # the note directly above the value
        for old in notes[1:]:  # notes stacked above it render as nothing
            old.trivia.indent = old.trivia.comment = old.trivia.trail = ""
    else:
        item.trivia.indent = f"{item.trivia.indent}{line}\n{item.trivia.indent}"
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
