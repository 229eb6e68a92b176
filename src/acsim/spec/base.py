"""Validated specifications: the base model, group-specific values and error reporting.

Every part of a scenario is a frozen pydantic model that rejects unknown keys. A
:class:`pydantic.ValidationError` is turned into a :class:`~acsim.exceptions.ScenarioError` that
names the file, the dotted key path and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from acsim.exceptions import ScenarioError

__all__ = [
    "GROUP_TERMS",
    "GroupValue",
    "Spec",
    "allowed_keys",
    "group_value",
    "loc_to_path",
    "raise_scenario_error",
    "read_toml",
    "resolve_group_value",
    "validate",
]


M = TypeVar("M", bound=BaseModel)


class Spec(BaseModel):
    """Base of every specification: frozen, unknown keys rejected, assignment validated."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


#: Terms a group selector may combine with ``+``, e.g. ``"female+under30"``.
GROUP_TERMS = frozenset(
    {
        "female", "male",
        "under30", "age30_49", "age50plus",
        "graduate", "experienced",
        "international", "domestic",
        "edu_low", "edu_medium", "edu_high",
    }
)


def _check_group_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number or a table of numbers by group")
    if isinstance(value, (int, float)):
        return (("default", float(value)),)
    if isinstance(value, Mapping):
        if "default" not in value:
            raise ValueError("a table of values by group needs a 'default' entry")
        items = []
        for selector, v in value.items():
            terms = str(selector).split("+")
            if selector != "default":
                unknown = [t for t in terms if t not in GROUP_TERMS]
                if unknown:
                    raise ValueError(
                        f"unknown group term {unknown[0]!r} in {selector!r}; "
                        f"allowed: {', '.join(sorted(GROUP_TERMS))}"
                    )
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"value for group {selector!r} must be a finite number")
            if v <= 0:
                raise ValueError(f"value for group {selector!r} must be > 0 (a hazard ratio)")
            items.append((str(selector), float(v)))
        return tuple(items)
    if isinstance(value, (tuple, list)) and all(
        isinstance(p, (tuple, list)) and len(p) == 2 for p in value
    ):  # the stored form, or its JSON round trip (a list of [group, value] pairs)
        return _check_group_value({str(k): v for k, v in value})
    raise ValueError("expected a number or a table of numbers by group")


#: A positive value (typically a hazard ratio) that may differ by group. In TOML either a number
#: or a table such as ``{ default = 1.25, "female+under30" = 1.52 }``. The most specific
#: matching selector wins (most terms), ties by order of appearance.
GroupValue = Annotated[tuple[tuple[str, float], ...], BeforeValidator(_check_group_value)]


def group_value(value: float | Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Normalise a number or a table by group into the stored form of :data:`GroupValue`."""
    return _check_group_value(value)


def resolve_group_value(value: tuple[tuple[str, float], ...], terms: frozenset[str]) -> float:
    """The value for a jobseeker whose group terms are ``terms``."""
    best = None
    best_n = -1
    for selector, v in value:
        if selector == "default":
            if best_n < 0:
                best, best_n = v, 0
            continue
        parts = selector.split("+")
        if all(p in terms for p in parts) and len(parts) > best_n:
            best, best_n = v, len(parts)
    assert best is not None
    return best


def loc_to_path(loc: tuple[Any, ...]) -> str:
    """Key path (``a.b[0].c``) of a pydantic error location (see :mod:`acsim.spec.paths`)."""
    from acsim.spec.paths import from_loc

    return from_loc(loc)


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """Field names of the model that holds the unknown key at ``loc`` (best effort)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        ann = fields[part].annotation
        current = _model_in(ann)
        if current is None:
            return None
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else None


def _model_in(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validate(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """Validate ``data`` into ``model``; any error is a :class:`ScenarioError`.

    The one way acsim turns a validation error into a ``ScenarioError``: it names the file
    (``source``), the full key path in the file's own syntax (``prefix`` followed by the path
    inside ``data``), what was expected and what was given.

    Args:
        model: The spec class.
        data: Plain data (a table of a file).
        source: The file or option the data came from.
        prefix: Key path of ``data`` inside the file (e.g. ``"trial"``, ``"records[3]"``).

    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise_scenario_error(exc, source, model, prefix)
    raise AssertionError("unreachable")  # pragma: no cover


def raise_scenario_error(exc: ValidationError, source: str, model: type[BaseModel],
                         prefix: str = "") -> None:
    """Re-raise a pydantic ValidationError as a ScenarioError (see :func:`validate`).

    An unknown key is reported before any other error (a misspelt key also leaves a required
    one missing); otherwise the first error is.
    """
    errors = exc.errors(include_url=False)
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    path = loc_to_path(loc)
    if prefix:
        path = prefix + ("" if not path else path if path.startswith("[") else "." + path)
    if err["type"] == "extra_forbidden":
        allowed = allowed_keys(model, loc)
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        raise ScenarioError(source, path, f"unknown key{hint}") from None
    if err["type"] == "missing":
        raise ScenarioError(source, path, "required key is missing") from None
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if not isinstance(got, (dict, list)):
        msg = f"{msg}; got {got!r}"
    raise ScenarioError(source, path, msg) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing, undecodable or invalid file is a :class:`ScenarioError`."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(str(p), "", "file not found")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(p), "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(p), "", "not a UTF-8 text file") from None
