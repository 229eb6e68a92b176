"""Validated specifications: the base model, group-specific values and error reporting.

Every part of a scenario is a frozen pydantic model that rejects unknown keys. A
:class:`pydantic.ValidationError` is turned into a :class:`~acsim.exceptions.ScenarioError` that
names the file, the dotted key path and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)

from acsim.exceptions import ScenarioError

__all__ = [
    "GROUP_TERMS",
    "MAX_HAZARD_RATIO",
    "MAX_NESTING",
    "MAX_TOML_BYTES",
    "MAX_WEEK",
    "MIN_INTERVAL_WEEKS",
    "Bool",
    "FieldProblem",
    "Float",
    "FloatOrInf",
    "GroupValue",
    "HazardRatio",
    "Int",
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
    """Base of every specification: frozen, unknown keys rejected, assignment validated.

    Scenario fields are written with :data:`Float` (finite), :data:`Int` and :data:`Bool`, so
    no number is NaN or infinite unless its field says so (:data:`FloatOrInf`:
    ``post_weeks = inf``, the rest of the spell), and a boolean is never read as a number, nor
    a number or a string as a boolean.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _plain_int(value: Any) -> Any:
    """A NumPy integer is an integer (the Python API may pass one); anything else as given."""
    if not isinstance(value, (bool, int)) and type(value).__name__.startswith(("int", "uint")):
        try:
            return int(value.__index__())
        except (AttributeError, TypeError):
            return value
    return value


#: A finite number: an integer or a float, never a boolean or a string; NaN and inf rejected.
Float = Annotated[float, Strict(), AllowInfNan(False)]
#: A number that may be ``inf`` (never a boolean or a string; NaN fails any bound it has).
FloatOrInf = Annotated[float, Strict()]
#: An integer, never a boolean, a float or a string.
Int = Annotated[int, BeforeValidator(_plain_int), Strict()]
#: A boolean, never a number or a string.
Bool = Annotated[bool, Strict()]

#: Largest hazard ratio (or other multiplier of a hazard) a spec accepts. No study the model is
#: calibrated to reports one above 5; 100 keeps every product of multipliers finite.
MAX_HAZARD_RATIO = 100.0

#: A hazard ratio given as a plain number (not by group): finite, in ``(0, MAX_HAZARD_RATIO]``.
HazardRatio = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, le=MAX_HAZARD_RATIO)]

#: Largest spell week (or length in weeks) a spec names: ten years, the longest run
#: (``warmup_weeks`` <= 520) and benefit period (``benefit_weeks`` <= 520) acsim accepts.
MAX_WEEK = 520.0

#: Shortest interval between repeated meetings (one working day): anything shorter books or
#: holds so many meetings a spell that the run never ends (``every_weeks = 1e-9``).
MIN_INTERVAL_WEEKS = 0.2

#: Deepest nesting of tables and arrays a scenario, trial, evidence or rates file may have
#: (the shipped files nest at most 5 deep); deeper input is rejected before validation.
MAX_NESTING = 32

#: Largest file :func:`read_toml` reads (the shipped files are below 100 kB).
MAX_TOML_BYTES = 16 * 1024 * 1024


class FieldProblem(ValueError):
    """A cross-field check's failure that names the key it concerns.

    Raised inside a model validator, it makes :func:`raise_scenario_error` report the error
    at ``key`` (a key path relative to the model, e.g. ``"until_week"``, ``"programmes[3]"``)
    instead of at the model itself.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


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


def _check_ratio(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number")
    if not 0 < v <= MAX_HAZARD_RATIO:
        raise ValueError(f"{what} must be > 0 and <= {MAX_HAZARD_RATIO:g} (a hazard ratio)")
    return float(v)


def _check_group_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number or a table of numbers by group")
    if isinstance(value, (int, float)):
        return (("default", _check_ratio(value, "the value")),)
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
            items.append((str(selector), _check_ratio(v, f"value for group {selector!r}")))
        return tuple(items)
    if isinstance(value, (tuple, list)) and all(
        isinstance(p, (tuple, list)) and len(p) == 2 for p in value
    ):  # the stored form, or its JSON round trip (a list of [group, value] pairs)
        return _check_group_value({str(k): v for k, v in value})
    raise ValueError("expected a number or a table of numbers by group")


#: A positive value (typically a hazard ratio) that may differ by group. In TOML either a number
#: or a table such as ``{ default = 1.25, "female+under30" = 1.52 }``. The most specific
#: matching selector wins (most terms), ties by order of appearance. Every value is finite and
#: in ``(0, MAX_HAZARD_RATIO]``, whether given as a number or by group.
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
    deep = _too_deep(data)
    if deep is not None:
        raise ScenarioError(source, _join(prefix, _format_path(deep)),
                            f"tables and arrays nested deeper than {MAX_NESTING} levels")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise_scenario_error(exc, source, model, prefix, data)
    raise AssertionError("unreachable")  # pragma: no cover


def _format_path(parts: tuple[Any, ...]) -> str:
    """Key path of ``parts`` (see :func:`acsim.spec.paths.format_path`)."""
    from acsim.spec.paths import format_path

    return format_path(parts)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix + ("" if not path else path if path.startswith("[") else "." + path)


def _too_deep(data: Any, limit: int = MAX_NESTING) -> tuple[Any, ...] | None:
    """The key path of the first value nested deeper than ``limit``, or None (iterative)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            children = node.items()
        elif isinstance(node, (list, tuple)):
            children = enumerate(node)
        else:
            continue
        if len(where) >= limit:
            return where
        stack.extend((v, (*where, k)) for k, v in children)
    return None


def _key_parts(loc: tuple[Any, ...], data: Any, missing: bool) -> tuple[Any, ...]:
    """The parts of ``loc`` that are keys or indices of ``data``.

    Pydantic puts union tags (a programme's ``kind``, a union member such as ``str``) and
    validator names into error locations; they are not in the file. Following ``data`` along
    ``loc`` tells them apart: a part that is not a key (or index) of the value reached so far
    is a tag, except a last part naming a key of a table (missing or unknown).
    """
    def walk(node: Any, rest: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if not rest:
            return ()
        part, tail = rest[0], rest[1:]
        if isinstance(part, str) and ("[" in part or part.startswith("function-")):
            return walk(node, tail)
        if isinstance(node, Mapping) and part in node:
            below = walk(node[part], tail)
            if below is not None:
                return (part, *below)
        elif (isinstance(node, (list, tuple)) and isinstance(part, int)
              and 0 <= part < len(node)):
            below = walk(node[part], tail)
            if below is not None:
                return (part, *below)
        if not tail:
            if isinstance(node, Mapping) and missing and isinstance(part, str):
                return (part,)
            if isinstance(node, Mapping) and part in node:
                return (part,)
            return ()  # a tag at the end: the error is about the value reached
        return walk(node, tail)  # a tag in the middle

    found = walk(data, loc)
    return found if found is not None else loc


def raise_scenario_error(exc: ValidationError, source: str, model: type[BaseModel],
                         prefix: str = "", data: Any = None) -> None:
    """Re-raise a pydantic ValidationError as a ScenarioError (see :func:`validate`).

    An unknown key is reported before any other error (a misspelt key also leaves a required
    one missing); otherwise the first error is. With ``data`` (what was validated), union tags
    are left out of the key path; a :class:`FieldProblem` adds the key it names.
    """
    errors = exc.errors(include_url=False)
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    if data is not None:
        loc = _key_parts(loc, data, err["type"] == "missing")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem) and cause.key:
        from acsim.spec.paths import parse

        loc = (*loc, *parse(cause.key))
    path = _join(prefix, loc_to_path(loc))
    if err["type"] == "extra_forbidden":
        allowed = allowed_keys(model, tuple(err["loc"]))
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        raise ScenarioError(source, path, f"unknown key{hint}") from None
    if err["type"] == "missing":
        raise ScenarioError(source, path, "required key is missing") from None
    if err["type"] in ("union_tag_not_found", "union_tag_invalid"):
        key = err.get("ctx", {}).get("discriminator", "").strip("'")
        tags = err.get("ctx", {}).get("expected_tags", "")
        problem = ("required key is missing" if err["type"] == "union_tag_not_found"
                   else f"not a known kind; expected one of {tags}")
        raise ScenarioError(source, _join(path, key) if key else path, problem) from None
    msg = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
    got = err.get("input")
    if not isinstance(got, (dict, list, tuple)) and not isinstance(cause, FieldProblem):
        msg = f"{msg}; got {got.isoformat() if isinstance(got, date) else repr(got)}"
    raise ScenarioError(source, path, msg) from None


#: Plainer words for pydantic's messages that name Python types.
_MESSAGES = {
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "dict_type": "expected a table",
    "tuple_type": "expected an array",
    "list_type": "expected an array",
}


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a file that cannot be read or is not valid TOML is a ScenarioError.

    A missing path, a directory, an unreadable file (permissions, ``/proc/self/mem``), a file
    over :data:`MAX_TOML_BYTES`, text that is not UTF-8 or not TOML, and tables or arrays
    nested deeper than :data:`MAX_NESTING` are all reported naming the file.
    """
    p = Path(path)
    try:
        if p.is_dir():
            raise ScenarioError(str(p), "", "is a directory, not a TOML file")
        if not p.exists():
            raise ScenarioError(str(p), "", "file not found")
        with p.open("rb") as fh:
            raw = fh.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(str(p), "", f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ScenarioError(str(p), "", f"larger than {MAX_TOML_BYTES // 2**20} MiB: "
                                        "not a scenario, trial, evidence or rates file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(p), "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(p), "", "not a UTF-8 text file") from None
    except RecursionError:
        raise ScenarioError(str(p), "", f"tables and arrays nested deeper than {MAX_NESTING} "
                                        "levels") from None
    deep = _too_deep(data)
    if deep is not None:
        raise ScenarioError(str(p), _format_path(deep),
                            f"tables and arrays nested deeper than {MAX_NESTING} levels")
    return data
