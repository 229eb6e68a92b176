"""The effect sizes a benefit-group scenario borrows from the evidence on insured unemployed.

acsim's effect sizes are calibrated to trials and register studies of insured unemployed and
academics (acsim/data/evidence.toml). A population on a municipal benefit
(``population.benefit`` other than ``"dagpenge"``: seed 004's activity-ready cash-benefit
recipients, unemployed flex-job holders, resource courses and revalidation) has other
problems than unemployment alone, and no record measures any offer for it. A scenario of such
a population therefore rests on every meeting and programme effect it uses as a placeholder:
this family declares them, with a range from no effect to the size acsim's calibration found
for insured unemployed, so that ``acsim run`` and ``acsim compare`` name them beside the
results. It has no runtime and no cost: it only says what the results rest on.

The group templates (``scenarios/groups/``) set these effects to 1 (no effect) unless a
variant says otherwise: the job hazard they derive from seed 004 ("over et år kommer ca. 2
pct. af de aktivitetsparate i job eller uddannelse") was observed under the practice the
templates describe, so an offer effect on top of it would count that practice twice.
"""

from __future__ import annotations

from acsim.policies.registry import Family

__all__ = ["FAMILIES", "PLACEHOLDERS", "borrows"]

#: The borrowed effects, each from no effect to the largest value acsim/data/effects.toml
#: gives insured unemployed for it (the meeting lift of women under 30, T07; the activation
#: lock-in and post effect of the Danish trials, men, T01-T05; the internship and course post
#: effects, the default groups; the internship's chance of a hire at its end; the differences
#: between caseworkers, T10-T13, whose hazard ratios apply to the shares listed).
PLACEHOLDERS = {
    "effects.meetings.lift_hr": (1.0, 1.52),
    "effects.activation.lockin_hr": (0.44, 1.0),
    "effects.activation.post_hr": (1.0, 2.35),
    "effects.course.post_hr": (0.95, 1.21),
    "effects.internship.lockin_hr": (0.6, 1.0),
    "effects.internship.post_hr": (1.0, 1.15),
    "effects.internship.hire_probability": (0.0, 0.15),
    "effects.caseworkers.effectiveness_sd": (0.0, 0.1),
    "effects.caseworkers.employer_contact_share": (0.0, 0.3),
    "effects.caseworkers.cooperative_share": (0.0, 0.3),
}


def borrows(scenario) -> bool:
    """Whether a scenario's population is on a municipal benefit (not dagpenge)."""
    return scenario.population.benefit != "dagpenge"


def _build(scenario) -> tuple:
    """No runtime policies: the family only declares placeholders."""
    return ()


FAMILIES = (Family("benefit_groups", build=_build, placeholders=PLACEHOLDERS, uses=borrows),)
