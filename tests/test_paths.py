"""One key-path syntax: parse, print, pydantic locations, and setting values in plain data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acsim.exceptions import ScenarioError
from acsim.spec import paths


@pytest.mark.parametrize("text,parts", [
    ("staffing.caseworkers", ("staffing", "caseworkers")),
    ("programmes[5].start_week", ("programmes", 5, "start_week")),
    ("programmes.5.start_week", ("programmes", 5, "start_week")),
    ("meetings.schedule[1].every_weeks", ("meetings", "schedule", 1, "every_weeks")),
    ("meetings.lift_hr[female+under30]", ("meetings", "lift_hr", "female+under30")),
    ("caseworkers.similarity_hr[2]", ("caseworkers", "similarity_hr", 2)),
])
def test_parse_reads_both_index_spellings_and_group_keys(text, parts):
    assert paths.parse(text) == parts


@pytest.mark.parametrize("bad", ["", "  ", ".a", "a..b", "a[", "a[]", "a]b", "a[1]b"])
def test_malformed_paths_are_errors(bad):
    with pytest.raises(ValueError):
        paths.parse(bad)


names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
parts = st.lists(st.one_of(names, st.integers(0, 99), st.sampled_from(["female+under30"])),
                 min_size=1, max_size=5).filter(lambda p: isinstance(p[0], str))


@given(parts)
def test_format_then_parse_is_the_identity(ps):
    assert paths.parse(paths.format_path(ps)) == tuple(ps)


def test_pydantic_locations_print_in_the_files_syntax():
    loc = ("meetings", "schedule", "tuple[SchedulePhase, ...]", 1, "every_weeks")
    assert paths.from_loc(loc) == "meetings.schedule[1].every_weeks"


def test_assign_sets_merges_and_names_the_bad_key():
    data = {"a": {"b": 1, "t": {"x": 1}}, "l": [{"v": 0}, {"v": 1}], "n": None}
    paths.assign(data, "l[1].v", 5, "f.toml")
    paths.assign(data, "a.t", {"y": 2}, "f.toml")
    paths.assign(data, "n.k", 3, "f.toml")
    assert data == {"a": {"b": 1, "t": {"x": 1, "y": 2}}, "l": [{"v": 0}, {"v": 5}],
                    "n": {"k": 3}}
    with pytest.raises(ScenarioError, match=r"f\.toml.*a\.zz"):
        paths.assign(data, "a.zz.q", 1, "f.toml")
    with pytest.raises(ScenarioError, match=r"index below 2"):
        paths.assign(data, "l[7].v", 1, "f.toml")
    with pytest.raises(ScenarioError, match="malformed"):
        paths.assign(data, "a..b", 1, "f.toml")


def test_values_inside_specs_by_path_group_values_and_indices():
    from acsim.spec.scenario import Effects

    e = Effects()
    lift = dict(e.meetings.lift_hr)
    assert paths.value_at(e, "meetings.lift_hr[female+under30]") == lift["female+under30"]
    assert paths.value_at(e, "meetings.lift_hr[male]") == lift["default"]  # no such group
    assert paths.value_at(e, "caseworkers.similarity_hr[2]") == e.caseworkers.similarity_hr[2]
    f = paths.with_value(e, "meetings.lift_hr[male]", 1.7)
    assert dict(f.meetings.lift_hr)["male"] == 1.7 and paths.value_at(f, "meetings.persist") == (
        e.meetings.persist)
    g = paths.with_value(e, "caseworkers.similarity_hr[0]", 0.9)
    assert g.caseworkers.similarity_hr[0] == 0.9
    assert paths.with_value(e, "meetings.persist", 0.2).meetings.persist == 0.2
