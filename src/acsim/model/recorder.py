"""The engine's record of what happened: spells, meetings, programme episodes, jobs, weeks.

Every outcome, cost and metric is derived from this record, never re-planned from the
scenario. The engine and the policies append plain tuples while the run goes (cheap on the hot
path); :meth:`Recorder.tables` turns them into tidy tables afterwards.

Tables (one row each):

* **spells**: ``SPELL_CORE`` followed by the tally columns the policies declare.
* **meetings**: a meeting held: ``jobseeker_id, spell, time, kind, delay_weeks, caseworker,
  late`` (``caseworker`` is -1 for a group session).
* **programmes**: a programme episode ``[start, end)``: ``jobseeker_id, spell, kind, name,
  start, end, hours_per_week, subsidised, completed`` (``completed`` is false for one cut short
  by the end of the spell or of the run).
* **jobs**: employment after a spell: ``jobseeker_id, spell, start, end`` (``end`` is the
  separation, or the end of the run).
* **weeks** (derived from the meetings): per simulation week, calendar meetings held and the
  sum of their delays.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["JOB_COLUMNS", "MEETING_COLUMNS", "PROGRAMME_COLUMNS", "Recorder", "SPELL_CORE"]

#: Columns every spell record starts with; the policies' tallies follow.
SPELL_CORE = (
    "jobseeker_id", "spell", "entry_week", "exit_week", "exit_reason", "track_true", "track",
    "caseworker_group", "meetings_held", "meetings_late", "meeting_delay_weeks",
)
MEETING_COLUMNS = ("jobseeker_id", "spell", "time", "kind", "delay_weeks", "caseworker", "late")
PROGRAMME_COLUMNS = (
    "jobseeker_id", "spell", "kind", "name", "start", "end", "hours_per_week", "subsidised",
    "completed",
)
JOB_COLUMNS = ("jobseeker_id", "spell", "start", "end")


class Recorder:
    """Collects the record of one job centre's run.

    Args:
        end: End of the run (absolute weeks), which sizes the weekly series.
        tally_columns: The policies' tally columns, appended to :data:`SPELL_CORE`.

    """

    def __init__(self, end: float, tally_columns: tuple[str, ...] = ()) -> None:
        self.spell_columns = SPELL_CORE + tuple(tally_columns)
        self.spells: list[tuple[Any, ...]] = []
        self.meetings: list[tuple[Any, ...]] = []
        self.programmes: list[tuple[Any, ...]] = []
        self.jobs: list[tuple[Any, ...]] = []
        #: Appends one row of ``meetings`` (the engine's fast path of :meth:`meeting`).
        self.add_meeting_row = self.meetings.append
        self._weeks = int(math.ceil(end)) + 1

    def meeting(self, jid: int, spell: int, time: float, kind: str, delay: float,
                caseworker: int, late: bool) -> None:
        """A meeting was held (``caseworker`` -1: a group session, not in the calendar)."""
        self.meetings.append((jid, spell, time, kind, delay, caseworker, late))

    def programme(self, jid: int, spell: int, kind: str, name: str, start: float, end: float,
                  hours: float, subsidised: bool, completed: bool) -> None:
        """A programme episode ``[start, end)`` took place."""
        self.programmes.append((jid, spell, kind, name, start, end, hours, subsidised,
                                completed))

    def job(self, jid: int, spell: int, start: float, end: float) -> None:
        """Employment from ``start`` to ``end`` followed spell ``spell``."""
        self.jobs.append((jid, spell, start, end))

    @property
    def employment(self) -> dict[int, list[tuple[float, float]]]:
        """Employment spans by jobseeker id, ``{id: [(start, end), ...]}`` (from ``jobs``)."""
        out: dict[int, list[tuple[float, float]]] = {}
        for jid, _, start, end in self.jobs:
            out.setdefault(jid, []).append((start, end))
        return out

    def _weekly(self) -> tuple[list[int], list[float]]:
        held, delay = [0] * self._weeks, [0.0] * self._weeks
        for _, _, time, _, d, caseworker, _ in self.meetings:
            if caseworker >= 0:  # a calendar meeting: its booking week is floor(time)
                w = int(time)
                held[w] += 1
                delay[w] += d
        return held, delay

    @property
    def weekly_meetings(self) -> list[int]:
        """Calendar meetings held per simulation week (from ``meetings``)."""
        return self._weekly()[0]

    @property
    def weekly_delay(self) -> list[float]:
        """Summed delay of the calendar meetings held per simulation week."""
        return self._weekly()[1]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The record as tidy tables: ``spells``, ``meetings``, ``programmes``, ``jobs``."""
        return {
            "spells": pd.DataFrame.from_records(self.spells, columns=list(self.spell_columns)),
            "meetings": pd.DataFrame.from_records(self.meetings, columns=list(MEETING_COLUMNS)),
            "programmes": pd.DataFrame.from_records(self.programmes,
                                                    columns=list(PROGRAMME_COLUMNS)),
            "jobs": pd.DataFrame.from_records(self.jobs, columns=list(JOB_COLUMNS)),
        }
