"""Seeded mutation fuzzing of the shipped scenario and trial files, and loader properties.

Every mutant of a shipped file (keys deleted, types swapped, extreme numbers, deep nesting,
unknown keys) must either load or raise :class:`ScenarioError` naming a key: never any other
exception. A small seeded sample of the mutants that load is run as a tiny simulation, which
must finish without an internal error within a time bound. A failure prints the file and the
mutations that made the mutant, so it can be replayed.
"""

from __future__ import annotations

import copy
import math
import random
import signal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import acsim
from acsim import ScenarioError
from acsim.evidence.trials import Trial, run_trial
from acsim.spec import paths
from acsim.spec.base import MAX_NESTING, read_toml
from acsim.spec.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.toml"))
TRIAL_FILES = sorted((ROOT / "scenarios" / "trials").glob("*.toml"))

SEED = 20240615
SCENARIO_MUTANTS = 2000
TRIAL_MUTANTS = 500
SCENARIO_RUNS = 12
TRIAL_RUNS = 4
RUN_SECONDS = 60

EXTREMES = (0, -1, 1e-9, 1e12, 10**12, -(10**12), math.nan, math.inf, -math.inf, 0.5, 2**63)
OPERATORS = ("delete", "string", "boolean", "table", "array", "extreme", "extreme", "extreme",
             "nest", "unknown_key", "scalar", "scale", "scale", "scale")


# -- mutation ---------------------------------------------------------------------------------
def _nodes(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a document (tables, arrays and scalars)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*where, k)
            yield from _nodes(v, (*where, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*where, i)
            yield from _nodes(v, (*where, i))


def _parent(doc: Any, where: tuple[Any, ...]) -> Any:
    node = doc
    for part in where[:-1]:
        node = node[part]
    return node


def _new_value(rng: random.Random, op: str, old: Any) -> Any:
    if op == "string":
        return rng.choice(("text", "", str(old)))
    if op == "boolean":
        return rng.choice((True, False))
    if op == "table":
        return rng.choice(({}, {"x": 1}, {"default": "x"}))
    if op == "array":
        return rng.choice(([], [old], [[{"x": 1}]]))
    if op == "extreme":
        return rng.choice(EXTREMES)
    if op == "nest":
        value: Any = old
        for _ in range(rng.choice((3, MAX_NESTING + 8))):
            value = {"a": value} if rng.random() < 0.5 else [value]
        return value
    if op == "scalar":
        return rng.choice((5, "five", True, 1.5))
    if op == "scale":  # a plausible number that often still loads
        return old * rng.choice((0, 0.1, 0.5, 2, 10)) if isinstance(old, float) else old
    raise AssertionError(op)


def mutate(doc: dict[str, Any], rng: random.Random, n: int) -> tuple[dict[str, Any], list[str]]:
    """``doc`` with ``n`` random mutations, and their descriptions (for replay)."""
    doc = copy.deepcopy(doc)
    done: list[str] = []
    for _ in range(n):
        where = rng.choice(list(_nodes(doc)))
        op = rng.choice(OPERATORS)
        old = _parent(doc, where)[where[-1]]
        if op == "scalar" and not isinstance(old, (dict, list)):
            op = "extreme"  # tables to scalars; scalars get a number instead
        if op == "scale" and not isinstance(old, float):
            op = "extreme"
        parent = _parent(doc, where)
        path = paths.format_path(where)
        if op == "delete":
            del parent[where[-1]]
            done.append(f"delete {path}")
        elif op == "unknown_key":
            target = parent[where[-1]]
            if isinstance(target, dict):
                target["bogus_key"] = 1
                done.append(f"{path}.bogus_key = 1")
            elif isinstance(parent, dict):
                parent["bogus_key"] = 1
                done.append(f"{paths.format_path(where[:-1]) or '<root>'}.bogus_key = 1")
        else:
            value = _new_value(rng, op, parent[where[-1]])
            parent[where[-1]] = value
            shown = repr(value) if len(repr(value)) < 80 else f"<{op} of {len(repr(value))} chars>"
            done.append(f"{path} = {shown}")
        if not doc:
            break
    return doc, done


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread after ``seconds``."""
    def _alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"did not finish within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _check_loads(load, doc: dict[str, Any], what: str, done: list[str]) -> Any:
    """The loaded object, or None after a ScenarioError naming a key; else fail."""
    try:
        with time_limit(RUN_SECONDS):
            return load(doc)
    except ScenarioError as exc:
        assert exc.key, f"{what}: no key in {exc}\n  mutations: {done}"
        assert exc.problem, f"{what}: no problem in {exc}\n  mutations: {done}"
        return None
    except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
        pytest.fail(f"{what}: {type(exc).__name__}: {exc}\n  mutations: {done}")


def _mutants(files: list[Path], count: int, seed: int):
    rng = random.Random(seed)
    docs = {f: read_toml(f) for f in files}
    for i in range(count):
        f = files[i % len(files)]
        doc, done = mutate(docs[f], rng, rng.choice((1, 1, 2, 3)))
        yield f, doc, done


def _tiny(scenario: Scenario) -> Scenario | None:
    """A few hundred jobseekers over a short run, or None when the mutant cannot be shrunk."""
    for changes in (
        {"population.annual_inflow": 300.0, "population.stock": [],
         "scenario.warmup_weeks": 0.0, "scenario.horizon_weeks": 26.0},
        {"population.annual_inflow": 300.0, "population.stock": []},
    ):
        try:
            return scenario.with_changes(changes)
        except ScenarioError:
            continue
    return None


# -- the fuzzers ------------------------------------------------------------------------------
def test_scenario_mutants_load_or_name_the_key():
    loaded: list[tuple[Scenario, list[str], Path]] = []
    for f, doc, done in _mutants(SCENARIO_FILES, SCENARIO_MUTANTS, SEED):
        got = _check_loads(lambda d, f=f: Scenario.from_dict(d, source=str(f)), doc,
                           f.name, done)
        if got is not None:
            loaded.append((got, done, f))
    assert loaded, "no mutant loaded: the mutations are too destructive to test the run"
    rng = random.Random(SEED + 1)
    for scenario, done, f in rng.sample(loaded, min(SCENARIO_RUNS, len(loaded))):
        tiny = _tiny(scenario)
        if tiny is None:
            continue
        try:
            with time_limit(RUN_SECONDS), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = acsim.run(tiny, replications=1, seed=1, workers=1, progress=False)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{f.name} ran into {type(exc).__name__}: {exc}\n  mutations: {done}")
        assert len(res.spells) > 0, f"{f.name}: no spells\n  mutations: {done}"


def test_trial_mutants_load_or_name_the_key():
    loaded: list[tuple[Trial, list[str], Path]] = []
    for f, doc, done in _mutants(TRIAL_FILES, TRIAL_MUTANTS, SEED + 2):
        got = _check_loads(
            lambda d, f=f: Trial.from_dict(d, source=str(f), scenarios_dir=ROOT / "scenarios"),
            doc, f.name, done)
        if got is not None:
            loaded.append((got, done, f))
    assert loaded
    rng = random.Random(SEED + 3)
    for trial, done, f in rng.sample(loaded, min(TRIAL_RUNS, len(loaded))):
        try:
            with time_limit(RUN_SECONDS), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run_trial(trial, n=300, seed=1)
        except ScenarioError as exc:  # a size the trial cannot take at n = 300: named
            assert exc.key, f"{f.name}: no key in {exc}\n  mutations: {done}"
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{f.name} ran into {type(exc).__name__}: {exc}\n  mutations: {done}")


def test_the_mutator_is_seeded():
    a = [done for _, _, done in _mutants(SCENARIO_FILES, 20, 7)]
    b = [done for _, _, done in _mutants(SCENARIO_FILES, 20, 7)]
    assert a == b


# -- properties of the loaders ----------------------------------------------------------------
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**15), 10**15),
    st.sampled_from(EXTREMES),
)
VALUES = st.recursive(
    st.one_of(NUMBERS, st.booleans(), st.text(max_size=8), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
BASE = Scenario()
KEY_PATHS = sorted(
    paths.format_path(p) for p in _nodes(BASE.model_dump(mode="json", exclude={"effects"}))
    if not isinstance(p[-1], int)
) + ["effects.meetings.lift_hr", "effects.meetings.growth", "effects.activation.post_weeks",
     "effects.caseworkers.similarity_hr", "effects.caseworkers.employer_contact_hr"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEY_PATHS), value=VALUES)
def test_any_value_at_any_key_loads_or_names_the_key(key, value):
    try:
        BASE.with_changes({key: value})
    except ScenarioError as exc:
        assert exc.key and exc.problem, (key, value, exc)


TABLES = st.dictionaries(
    st.sampled_from(sorted(Scenario.model_fields) + ["bogus"]),
    st.dictionaries(st.sampled_from(["caseworkers", "annual_inflow", "every_weeks",
                                     "start_week", "schedule", "first_week", "bogus"]),
                    VALUES, max_size=3) | VALUES,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=TABLES)
def test_generated_documents_load_or_name_the_key(doc):
    try:
        Scenario.from_dict(doc, source="<generated>")
    except ScenarioError as exc:
        assert exc.key and exc.problem, (doc, exc)
