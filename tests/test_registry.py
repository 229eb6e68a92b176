"""Policies plug in through the registry: the engine names no family; the job broker is one module.

The job broker (seed 002) was added as one module plus its registry line and two rates entries.
These tests hold that shape: the engine module mentions no family, the broker is found through
the registry everywhere (specs, effects, runtime, record, costs), and its effect on survival
is the analytic one.
"""

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest

import acsim
from acsim.costs.rates import default_rates
from acsim.experiments.run import run_replication
from acsim.model import engine
from acsim.model.engine import JobCentre
from acsim.model.hazards import PiecewiseHazard
from acsim.policies import registry
from acsim.policies.job_broker import JobBroker
from acsim.spec.scenario import Effects
from conftest import bare_scenario, check_survival

ENGINE = Path(engine.__file__).read_text()
BROKER = {"kind": "job_broker", "name": "broker", "start_week": 10.0, "duration_weeks": 20.0,
          "every_weeks": 2.0}


def _code_names(source: str) -> tuple[set[str], set[str]]:
    """Identifiers (names, attributes, imports) and string constants of the code, no docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    names, strings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.update(node.name.split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(node.module.split("."))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            strings.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value))
    return names, strings


def test_the_engine_names_no_policy_family_kind_or_class():
    kinds, classes, modules = set(), set(), set()
    for fam in registry.families():
        kinds.add(fam.name)
        kinds.update(e.name for e in fam.effects)
        kinds.update(fam.meeting_kinds)
    for module in registry._modules():
        modules.add(module.__name__.rsplit(".", 1)[1])
        classes.update(n for n in getattr(module, "__all__", ()) if n[0].isupper())
    classes -= {"FAMILIES"}
    names, strings = _code_names(ENGINE)
    found = {
        "family or kind names in strings": sorted(kinds & strings),
        "policy classes": sorted(classes & names),
        "policy modules imported": sorted(modules & names),
    }
    assert not any(found.values()), f"the engine module names policy families: {found}"


def test_every_family_is_registered_once_with_a_complete_entry():
    fams = registry.families()
    assert len({f.name for f in fams}) == len(fams)
    for f in fams:
        assert f.build is not None or (f.spec is not None and f.runtime is not None), f.name
        if f.is_programme:
            assert f.spec.model_fields["kind"].default == f.name
    rates = default_rates()
    for name in registry.rate_names():
        assert rates.parameter(name).values, name


def test_the_job_broker_is_found_through_the_registry_everywhere():
    fam = registry.family_of_kind("job_broker")
    assert fam.cost is not None and fam.placeholders
    assert "job_broker" in Effects.model_fields
    sc = acsim.Scenario().with_changes({"programmes": [BROKER]})
    assert sc.programmes[0].kind == "job_broker"
    centre = JobCentre(sc, 1, 0)
    assert any(isinstance(p, JobBroker) for p in centre.policies)
    with pytest.raises(acsim.ScenarioError, match="every_weeks"):
        acsim.Scenario().with_changes({"programmes": [{**BROKER, "every_weeks": 0.0}]})


def _broker_scenario(placement_hr: float, meeting_hr: float, **changes):
    return bare_scenario(**{
        "staffing.caseworkers": 200, "staffing.meetings_per_week": 40,
        "programmes": [BROKER],
        "effects.job_broker": {"placement_hr": placement_hr, "meeting_hr": meeting_hr},
        "effects.caseworkers": {"effectiveness_sd": 0.0, "employer_contact_share": 0.0,
                                "cooperative_share": 0.0, "similarity_hr": [1.0, 1.0, 1.0]},
        **changes,
    })


def test_the_broker_multiplies_the_hazard_while_enrolled_as_theory_says():
    k, rate, w, d = 2.0, 0.05, 10.0, 20.0
    res = acsim.run(_broker_scenario(k, 1.0, **{"hazard.job": {"breaks": [0.0],
                                                              "rates": [rate]}}),
                    replications=1, seed=21, progress=False)
    h = PiecewiseHazard((0.0,), (rate,))

    def expected(t):
        if t <= w:
            return h.survival(t)
        inside = min(t, w + d) - w
        after = max(t - w - d, 0.0)
        return math.exp(-rate * (w + k * inside + after))

    check_survival(res, expected, (5.0, 10.0, 15.0, 30.0, 45.0))


def test_broker_contacts_are_recorded_and_priced_at_the_brokers_rates():
    sc = _broker_scenario(1.0, 1.3)
    centre = JobCentre(sc, 3, 0)
    centre.run()
    rec = centre.record.tables()
    m = rec["meetings"]
    contacts = m[m["kind"] == "job_broker"]
    assert len(contacts) > 0 and set(m["kind"]) == {"job_broker"}
    eps = rec["programmes"]
    assert set(eps["kind"]) == {"job_broker"}
    # contacts every 2 weeks from enrolment, within the enrolment
    for (jid, number), g in contacts.groupby(["jobseeker_id", "spell"]):
        ep = eps[(eps["jobseeker_id"] == jid) & (eps["spell"] == number)].iloc[0]
        t = np.sort(g["time"].to_numpy())
        assert ep["start"] - 1e-9 <= t[0] and t[-1] < ep["end"]
        assert np.allclose(np.diff(t), 2.0)
    spells, _ = run_replication(sc, 3, 0)
    hour = default_rates().value("job_broker_cost_hour", sc.scenario.start_date)
    hours = default_rates().value("job_broker_contact_hours", sc.scenario.start_date)
    assert spells["cost_meetings_individual"].sum() == pytest.approx(len(contacts) * hour * hours)


def test_a_better_broker_never_lengthens_a_spell_under_common_random_numbers():
    base = _broker_scenario(1.0, 1.0, **{"population.annual_inflow": 800.0})
    better = _broker_scenario(1.5, 1.4, **{"population.annual_inflow": 800.0})
    a, _ = run_replication(base, 5, 0)
    b, _ = run_replication(better, 5, 0)
    a, b = (x[x["spell"] == 0].set_index("jobseeker_id")["duration"] for x in (a, b))
    assert (b <= a + 1e-9).all(), (b - a).max()
    assert (b < a - 1e-9).any()
