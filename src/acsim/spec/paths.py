"""Key paths into specs: one syntax for ``--set``, ``with_changes``, errors and calibration.

A path is dotted names with bracketed indices or keys, written as a file's own syntax reads:
``staffing.caseworkers``, ``programmes[5].start_week``, ``meetings.schedule[1].every_weeks``,
``meetings.lift_hr[female+under30]`` (a group value's selector). ``programmes.5.start_week`` is
read as ``programmes[5].start_week``. Every parser and printer of key paths in acsim is here.

Example:
    >>> parse("programmes[5].start_week")
    ('programmes', 5, 'start_week')
    >>> format_path(("meetings", "lift_hr", "female+under30"))
    'meetings.lift_hr[female+under30]'

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from acsim.exceptions import ScenarioError

__all__ = [
    "Part", "assign", "format_path", "from_loc", "get", "parse", "value_at", "with_value",
]

Part = str | int
M = TypeVar("M")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\[\]]*)\]")


def parse(path: str) -> tuple[Part, ...]:
    """Split a key path into names (str) and indices (int).

    Raises:
        ValueError: The path is empty or malformed (an empty name, an unclosed bracket).

    """
    text = path.strip()
    if not text:
        raise ValueError("empty key path")
    parts: list[Part] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or (m.group(0).startswith(".") and pos == 0):
            raise ValueError(f"malformed key path {path!r} at character {pos + 1}")
        name, key = m.group(1), m.group(2)
        raw = name if name is not None else key
        if raw is None or raw == "":
            raise ValueError(f"malformed key path {path!r}: empty name")
        if name is not None and not m.group(0).startswith(".") and pos > 0:
            raise ValueError(f"malformed key path {path!r} at character {pos + 1}")
        parts.append(int(raw) if raw.isdigit() else raw)
        pos = m.end()
    return tuple(parts)


def format_path(parts: Iterable[Part]) -> str:
    """Write parts as a key path: ``a.b[0].c``, ``a.b[female+under30]``."""
    out = ""
    for part in parts:
        if isinstance(part, int) or not _NAME.match(str(part)):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def from_loc(loc: Iterable[Any]) -> str:
    """The key path of a pydantic error location (validator and union tags left out)."""
    parts = [p for p in loc if isinstance(p, int)
             or (p not in ("function-before", "function-after") and "[" not in str(p))]
    return format_path(parts)


def get(node: Any, parts: Iterable[Part]) -> Any:
    """Follow parts through mappings, sequences and objects (attributes)."""
    for part in parts:
        if isinstance(node, Mapping):
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, int):
            node = node[part]
        else:
            node = getattr(node, str(part))
    return node


def _child(node: Any, part: Part, where: str, source: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise ScenarioError(source, where, "unknown key")
        return node[part]
    if isinstance(node, (list, tuple)):
        if not isinstance(part, int) or part >= len(node):
            raise ScenarioError(source, where, f"expected an index below {len(node)}")
        return node[part]
    raise ScenarioError(source, where, "not a table: cannot set a key inside it")


def assign(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set ``value`` at ``path`` inside plain data (the tables of a scenario), in place.

    Intermediate tables must exist (an unknown key is an error naming the path); a table that
    is ``None`` is created; a table given for a table is merged into it.

    Raises:
        ScenarioError: The path is malformed, names an unknown key or an index out of range.

    """
    try:
        parts = parse(path)
    except ValueError as exc:
        raise ScenarioError(source, path, str(exc)) from None
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        where = format_path(parts[: i + 1])
        nxt = _child(node, part, where, source)
        if isinstance(nxt, tuple):
            nxt = list(nxt)
            node[part] = nxt
        if nxt is None:
            nxt = {}
            node[part] = nxt
        node = nxt
    last = parts[-1]
    if isinstance(node, dict):
        if isinstance(value, Mapping) and isinstance(node.get(last), dict):
            node[last] = {**node[last], **value}
        else:
            node[last] = value
    else:
        _child(node, last, format_path(parts), source)
        node[last] = value


def _step(node: Any, part: Part) -> Any:
    """One step into a spec value: a field, a sequence index, or a group value's selector."""
    if isinstance(part, int):
        return node[part]
    if isinstance(node, Mapping):
        return node[part] if part in node else node["default"]
    if isinstance(node, (list, tuple)):  # a group value: ((selector, value), ...)
        table = dict(node)
        return table.get(part, table["default"])
    return getattr(node, part)


def value_at(spec: Any, path: str) -> float:
    """A number inside a spec by key path, e.g. ``meetings.lift_hr[female+under30]``.

    A group value's selector gives its value, or the group value's default where it has none;
    an index gives a sequence element (``caseworkers.similarity_hr[2]``).
    """
    node = spec
    for part in parse(path):
        node = _step(node, part)
    return float(node)


def with_value(spec: M, path: str, value: Any) -> M:
    """A copy of a spec with the value at ``path`` replaced (validated again).

    A selector of a group value sets (or adds) that group's value; an index replaces one
    element of a sequence.
    """
    parts = parse(path)
    data = spec.model_dump(mode="python")
    node: Any = data
    for part in parts[:-2]:
        node = node[part]
    *_, parent_key, last = (None, *parts) if len(parts) == 1 else parts[-2:]
    holder = node if parent_key is None else node[parent_key]
    if isinstance(last, int):
        seq = list(holder)
        seq[last] = value
        node[parent_key] = tuple(seq)
    elif isinstance(holder, dict) and (last in holder or parent_key is None):
        holder[last] = value
    else:  # a group value
        table = dict(holder)
        table[last] = value
        node[parent_key] = table
    return type(spec).model_validate(data)
