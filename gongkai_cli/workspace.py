"""A Workspace: one plan, one state, and the rules for using them.

Everything a command does goes through here, so the CLI and Python users share the same rules:
who may be marked for (the acting unit), which ids exist, which dates are allowed, what a
completion mark holds. Methods take what a person types (strings) or typed values, and return the
records ``-f json`` prints. Errors are GongkaiError subclasses carrying their exit codes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar

from .dates import parse_date, parse_duration, plan_zone, today
from .errors import UsageError
from .model import Group, Mark, Plan, Task, Unit
from .queries import (
    POSSIBLE,
    Completion,
    Target,
    TaskFilter,
    Who,
    check_imported_marks,
    claims_by_task,
    due_pairs,
    is_placeholder,
    mark_targets,
    overdue_pairs,
    parse_part_ref,
    parse_section_ref,
    parse_status,
    placeholders,
    row_state,
    select_tasks,
    status_lines,
    task_states,
)
from .records import (
    current_mark_record,
    event_records,
    marks_by_task,
    pair_records,
    progress_records,
    show_record,
    status_records,
    task_record,
    unit_records,
)
from .store.base import (
    AMEND,
    DONE,
    MISSING,
    PREFER_VALUES,
    SAME,
    MarkChange,
    MarkOutcome,
    completions_of,
    mark_record,
    utc_now,
)
from .text import normalize
from .units import Directory, split_names

UNIT_ENV = "GONGKAI_UNIT"
BY_VALUES = ("unit", "section", "part")
STATUS_VALUES = ("open", "partial", "done", "overdue", "on_time", "done_late", "not_due", "ongoing")
EVERYTHING = ("全部", "所有", "all")  # --unit 全部: every unit, whatever GONGKAI_UNIT says
BY_WORDS = {"单位": "unit", "工作任务": "section", "任务": "section", "部分": "part"}

DateLike = str | dt.date | None
UnitLike = str | Unit | Group | None
UnitsLike = UnitLike | Sequence[str | Unit | Group]  # one unit, or several (the union)
Ids = int | str | Iterable[int | str]


class TaskList(NamedTuple):
    """The rows a task query found, and what it was asked."""

    records: list[dict[str, Any]]
    hidden: int  # rows only possibly relevant, left out unless asked for
    who: str | None
    as_of: dt.date
    due_by: dt.date | None
    search: str | None
    status: str | None
    scope: tuple[str, ...] = ()  # the units asked about (or GONGKAI_UNIT's), empty: every unit


class Scope(NamedTuple):
    """Whom a query or report is for: the units asked, GONGKAI_UNIT's unit, or everyone."""

    whos: tuple[Who, ...]  # empty: every unit
    from_env: bool  # the scope is GONGKAI_UNIT's, not asked on the command line

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self.whos)

    @property
    def who(self) -> Who | tuple[Who, ...] | None:
        """What queries.py takes: None, one unit, or a tuple of them."""
        if not self.whos:
            return None
        return self.whos[0] if len(self.whos) == 1 else self.whos


class MarkResult(NamedTuple):
    changed: list[dict[str, Any]]  # marks added (done) or removed (undo)
    unchanged: list[dict[str, Any]]  # done: already marked, as they were; undo: (task_id, unit) not marked
    state: str  # where the marks are kept
    amended: list[dict[str, Any]]  # done / note: amendment records (before, after, what changed)
    warnings: list[str]  # one line each, for stderr: the mark is recorded all the same


class ImportResult(NamedTuple):
    added: list[dict[str, Any]]
    same: list[dict[str, Any]]
    conflicts: list[tuple[dict[str, Any], dict[str, Any]]]  # (ours, theirs) left as they were
    state: str
    kept: list[tuple[dict[str, Any], dict[str, Any]]]  # (ours, theirs) decided for ours (--prefer)
    replaced: list[tuple[dict[str, Any], dict[str, Any]]]  # (ours, theirs) decided for theirs


def amendment_record(outcome: MarkOutcome) -> dict[str, Any]:
    """What ``done``/``note`` changed on a marked pair: the mark before and after, and which of its
    fields changed (``done_on``, ``note``)."""
    before, after = outcome.before, outcome.after
    assert before is not None and after is not None
    return {
        "task_id": after.task_id,
        "unit": after.unit,
        "changed": [f for f in ("done_on", "note") if getattr(before, f) != getattr(after, f)],
        "before": mark_record(before),
        "after": mark_record(after),
    }


def login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _marker(by: str | None) -> str:
    """Who a mark is recorded as: ``--by`` when given, else the login name."""
    return (by or "").strip() or login_name()


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _listed(records: Callable[_P, Iterator[_R]]) -> Callable[_P, list[_R]]:
    """The list of what a ``*_records`` method yields one at a time: the library's ``due`` and
    ``overdue``, with the same arguments."""

    def listed(*args: _P.args, **kwargs: _P.kwargs) -> list[_R]:
        return list(records(*args, **kwargs))

    listed.__doc__ = records.__doc__
    return listed


class Workspace:
    """A plan and a state. Opening one reads the plan; the state is opened per operation."""

    def __init__(self, plan: Plan, state: str | Path | None = None, unit: str | None = None) -> None:
        from .store import state_target

        self.plan = plan
        self.directory = Directory(plan)
        self.state = state_target(str(state) if state is not None else None)
        self.default_unit = unit  # the liaison's own unit (GONGKAI_UNIT), used by done/undo

    @property
    def plan_label(self) -> str:
        """How reports name the plan they used: ``计划：2024-济任政办字12号（济任政办字〔2024〕12号）``,
        with an installed plan's name, 内置, or the file's path."""
        from .plan import plan_label

        name = plan_label(self.plan.path) if self.plan.path else self.plan.meta.title
        number = self.plan.meta.doc_number
        return f"计划：{name}（{number}）" if number else f"计划：{name}"

    # -- parsing what people type ------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return today(self.plan.meta.timezone)

    def date(self, value: DateLike, default: dt.date | None = None) -> dt.date | None:
        """A typed or given date; ``default`` when None."""
        if value is None:
            return default
        if isinstance(value, dt.date):
            return value
        return parse_date(value, today=self.today, year=self.plan.meta.year)

    def unit(self, value: UnitLike) -> Unit | Group | None:
        if value is None or isinstance(value, (Unit, Group)):
            return value
        return self.directory.resolve(value)

    def scope(self, units: UnitsLike = None, all_units: bool = False) -> Scope:
        """``--unit`` (repeated or ``a,b``), else ``--all``/``--unit 全部`` for everyone, else the
        liaison's own unit (GONGKAI_UNIT), else everyone."""
        if isinstance(units, Scope):
            return units
        values: list[str | Unit | Group] = []
        for value in [units] if isinstance(units, (str, Unit, Group)) else list(units or []):
            if isinstance(value, str):
                values += split_names(value)  # commas, not 、 (names contain it)
            else:
                values.append(value)
        if any(isinstance(v, str) and normalize(v).lower() in EVERYTHING for v in values):
            if len(values) > 1:
                raise UsageError("--unit 全部 不能和其他单位同时给出")
            return Scope((), False)
        if values:
            if all_units:
                raise UsageError("--unit 和 --all 只能选一个")
            found = [v if isinstance(v, (Unit, Group)) else self.directory.resolve(v) for v in values]
            return Scope(tuple(dict.fromkeys(found)), False)
        if all_units or not self.default_unit:
            return Scope((), False)
        try:
            return Scope((self.directory.resolve(self.default_unit),), True)
        except UsageError as exc:
            raise UsageError(f"环境变量 {UNIT_ENV}：{exc}") from None

    def year_note(self, as_of: dt.date) -> str | None:
        """One line when the plan's year is over on ``as_of`` (a report of last year's plan)."""
        year = self.plan.meta.year
        if as_of <= dt.date(year, 12, 31):
            return None
        return (
            f"提示：本计划是 {year} 年的，已于 {year}-12-31 结束，以下按 {as_of.isoformat()} 计算；"
            f"看当年情况请加 --as-of {year}-12-31，或用 --plan（GONGKAI_PLAN）换成今年的计划"
        )

    def section(self, value: str | int | None) -> int | None:
        return None if value is None else parse_section_ref(self.plan, str(value))

    def part(self, value: str | int | None) -> int | None:
        return None if value is None else parse_part_ref(self.plan, str(value))

    def task(self, value: int | str) -> Task:
        key = normalize(str(value)).lstrip("#")
        task = self.plan.task(int(key)) if key.isascii() and key.isdigit() else None
        if task is None:
            ids = [t.id for t in self.plan.tasks]
            raise UsageError(f"没有编号为 {str(value)!r} 的任务（本计划的编号为 {min(ids)}–{max(ids)}）")
        return task

    def tasks_by_ids(self, values: Ids) -> list[Task]:
        """``7 8``, ``7,8``, ``7-9`` -> the tasks, in the order given, each once."""
        if isinstance(values, (int, str)):
            values = [values]
        out: dict[int, Task] = {}
        for value in values:
            for piece in re.split(r"[,，、]", str(value)):
                piece = piece.strip()
                if not piece:
                    continue
                m = re.fullmatch(r"(\d+)\s*[-~–]\s*(\d+)", piece)
                if m and int(m.group(1)) <= int(m.group(2)) and int(m.group(2)) - int(m.group(1)) < 10000:
                    for n in range(int(m.group(1)), int(m.group(2)) + 1):
                        out.setdefault(n, self.task(n))
                else:
                    task = self.task(piece)
                    out.setdefault(task.id, task)
        if not out:
            raise UsageError("请给出至少一个任务编号")
        return list(out.values())

    def acting_units(self, units: UnitsLike, all_units: bool) -> tuple[list[Unit | Group], bool]:
        """Each unit of --unit (repeated, or comma-separated), else the liaison's own unit
        (GONGKAI_UNIT, which may name several the same way); the bool says they came from it."""
        given = self.unit_list(units)
        if given and all_units:
            raise UsageError("--unit 和 --all-units 只能选一个")
        if given or all_units or not self.default_unit:
            return given, False
        try:
            return self.unit_list(self.default_unit), True
        except UsageError as exc:
            raise UsageError(f"环境变量 {UNIT_ENV}：{exc}") from None

    def unit_list(self, units: UnitsLike) -> list[Unit | Group]:
        """Units and groups from a name, a comma-separated list, or several of either; each once."""
        if units is None:
            return []
        values = [units] if isinstance(units, (str, Unit, Group)) else list(units)
        out: dict[str, Unit | Group] = {}
        for value in values:
            for one in [value] if isinstance(value, (Unit, Group)) else split_names(value):
                resolved = self.unit(one)
                assert resolved is not None
                out.setdefault(resolved.name, resolved)
        return list(out.values())

    def acting_unit(self, unit: UnitLike, all_units: bool) -> tuple[Unit | Group | None, bool]:
        """--unit, else the liaison's own unit; the bool says it came from GONGKAI_UNIT."""
        if unit is not None and all_units:
            raise UsageError("--unit 和 --all-units 只能选一个")
        if all_units:
            return None, False
        if unit is not None:
            return self.unit(unit), False
        if self.default_unit:
            try:
                return self.directory.resolve(self.default_unit), True
            except UsageError as exc:
                raise UsageError(f"环境变量 {UNIT_ENV}：{exc}") from None
        return None, False

    # -- the state -------------------------------------------------------------------------

    def _store(self, write: bool) -> Any:
        from .store import open_store

        return open_store(self.state, write=write)

    def reference_pairs(self) -> list[tuple[int, str]]:
        """Every (task id, responsible unit) of the plan: the shared database's reference data."""
        from .queries import responsible_units

        return [(t.id, u) for t in self.plan.tasks for u in responsible_units(self.directory, t)]

    def init_state(self) -> dict[str, Any]:
        """Create or upgrade the shared database's schema (``gongkai state init``) and load or
        update the plan's task–unit pairs as reference data."""
        from .store import init_database

        return init_database(self.state, self.plan.meta.identity, self.reference_pairs())

    def grant_state(self, role: str, units: Iterable[str] | None, coordinator: bool) -> dict[str, Any]:
        """Let a database login write its units' marks, or every unit's (``gongkai state grant``)."""
        from .store import grant_database

        names = [u.name for u in self.unit_list(list(units or []))]
        if coordinator == bool(names):
            raise UsageError("请给出 --unit（可重复）或 --coordinator，二者选一")
        return grant_database(self.state, role, names, coordinator)

    def marked(self) -> frozenset[tuple[int, str]]:
        """(task id, unit) of every mark of this plan; reading never creates the state file."""
        with self._store(write=False) as store:
            return store.marked_pairs(self.plan.meta.identity)

    def marks(self, as_of: dt.date | None = None) -> dict[tuple[int, str], Mark]:
        """Every mark of this plan; with ``as_of``, only those completed on or before that day."""
        with self._store(write=False) as store:
            marks = store.plan_marks(self.plan.meta.identity)
        if as_of is None:
            return marks
        return {k: m for k, m in marks.items() if m.done_on <= as_of}

    def completion(self, as_of: dt.date, marks: dict[tuple[int, str], Mark] | None = None) -> Completion:
        """(task id, unit) -> completion date, for marks completed on or before ``as_of``: a report
        as of a day is true to that day. A row claimed under an open-ended phrase (待认领) counts
        that phrase's part as done on the first claim's date."""
        if marks is None:  # the days alone: a fraction of reading whole marks
            with self._store(write=False) as store:
                done = store.plan_completions(self.plan.meta.identity)
        else:
            done = completions_of(marks)
        out = done.done_on  # made for this call (by the store or completions_of): ours to add to
        if out and max(out.values()) > as_of:  # as of a day before the last mark: drop the later ones
            out = {k: day for k, day in out.items() if day <= as_of}
        for task_id, phrase, day in done.claims:
            if day <= as_of:
                key = (task_id, phrase)
                if key not in out or day < out[key]:
                    out[key] = day
        return out

    def claims(self, marks: dict[tuple[int, str], Mark] | None = None) -> dict[int, list[Mark]]:
        """Rows claimed under a placeholder phrase, by row: each claim is a mark whose
        ``claimed_under`` names the phrase (queries.placeholders lists a row's phrases)."""
        return claims_by_task((marks if marks is not None else self.marks()).values())

    # -- queries ---------------------------------------------------------------------------

    def select(
        self,
        unit: UnitsLike = None,
        section: str | int | None = None,
        part: str | int | None = None,
        due_by: DateLike = None,
        search: str | None = None,
        status: str | None = None,
        as_of: DateLike = None,
        possible: bool = False,
        all_units: bool = False,
    ) -> TaskList:
        """The rows that pass every filter, in document order, with how they reached the unit(s)."""
        if status is not None:
            status = parse_status(status)
        scope = self.scope(unit, all_units)
        day = self.date(as_of, self.today)
        assert day is not None
        flt = TaskFilter(
            who=scope.who,
            include_possible=True,  # selected once; kept only with possible=True, else counted
            section=self.section(section),
            part=self.part(part),
            due_by=self.date(due_by),
            search=search,
            status=status,
            as_of=day,
        )
        marks = self.marks(day)
        matches = select_tasks(self.plan, self.directory, flt, self.completion(day, marks))
        hidden = 0
        if not possible:
            shown = [m for m in matches if not (m.relation and m.relation.kind == POSSIBLE)]
            hidden, matches = len(matches) - len(shown), shown
        records = [task_record(self.plan, m) for m in matches]
        shown_ids = {m.task.id for m in matches}  # one unit's rows need only their own marks
        by_task = marks_by_task(m for m in marks.values() if m.task_id in shown_ids)
        for record in records:
            record["marks"] = by_task.get(record["id"], [])  # named units' and claims' current marks
        who = "、".join(scope.names) or None
        return TaskList(records, hidden, who, day, flt.due_by, search, status, scope.names)

    def tasks(self, unit: UnitLike = None, **filters: Any) -> list[dict[str, Any]]:
        """Rows as ``gongkai tasks -f json`` prints them (filters: section, part, due_by, search,
        status, as_of, possible)."""
        return self.select(unit, **filters).records

    def show(
        self,
        task_id: int | str,
        as_of: DateLike = None,
        unit: UnitsLike = None,
        all_units: bool = False,
        history: int = 5,
    ) -> dict[str, Any]:
        """The row, its groups, each responsible unit's progress on ``as_of`` (only the scope's units
        when there is one) with evidence, and the last ``history`` entries of its history."""
        task = self.task(task_id)
        day = self.date(as_of, self.today)
        assert day is not None
        scope = self.scope(unit, all_units)
        marks = self.marks(day)
        states = task_states(self.directory, task, self.completion(day, marks), day)
        record = show_record(self.plan, self.directory, task, states, row_state(task, states, day))
        wanted = _scope_units(self.directory, scope)
        mine = [m for (t, _), m in marks.items() if t == task.id]
        claims = claims_by_task(mine).get(task.id, [])
        claimed: dict[str, list[Mark]] = {}  # phrase -> its claims, as of the day asked
        for claim in claims:
            claimed.setdefault(claim.claimed_under or "", []).append(claim)
        record["as_of"] = day.isoformat()
        record["scope"] = list(scope.names)
        shown = [
            s
            for s in states
            if wanted is None or s.unit in wanted or any(c.unit in wanted for c in claimed.get(s.unit, []))
        ]
        record["progress"] = progress_records(task.id, shown, marks)
        for item in record["progress"]:  # an open-ended phrase: to be claimed (待认领), not a unit
            item["placeholder"] = is_placeholder(self.directory, item["unit"])
            item["claimed_by"] = (
                [c.unit for c in claimed.get(item["unit"], [])] if item["placeholder"] else None
            )
            first = claimed.get(item["unit"], [None])[0]
            if item["placeholder"] and first is not None and item["note"] is None:
                item.update(note=first.note, by=first.by, marked_at=first.marked_at)
        events = self.log(task.id)
        record["history"] = events[-history:] if history else []
        record["history_total"] = len(events)
        record["marks"] = marks_by_task(mine).get(task.id, [])
        record["placeholders"] = list(placeholders(self.directory, task))
        record["claims"] = [current_mark_record(m) for m in claims_by_task(mine).get(task.id, [])]
        return record

    def units(self) -> dict[str, Any]:
        return unit_records(self.plan, self.directory)

    def log(self, task_id: int | str | None = None, unit: UnitLike = None) -> list[dict[str, Any]]:
        task = self.task(task_id) if task_id is not None else None
        who = self.unit(unit)
        with self._store(write=False) as store:
            events = store.events(
                self.plan.meta.identity, task.id if task else None, who.name if who else None
            )
        return event_records(events, plan_zone(self.plan.meta.timezone))

    def status(
        self,
        by: str = "unit",
        as_of: DateLike = None,
        unit: UnitsLike = None,
        window: int | str = 7,
        all_units: bool = False,
    ) -> list[dict[str, Any]]:
        by = BY_WORDS.get(normalize(by), by)
        if by not in BY_VALUES:
            raise UsageError(f"--by 的值无效：{by!r}（可选：{'、'.join(BY_VALUES)}）")
        day = self.date(as_of, self.today)
        assert day is not None
        days = window if isinstance(window, int) else parse_duration(window)
        who = self.scope(unit, all_units).who
        lines = status_lines(self.plan, self.directory, self.completion(day), by, day, days, who)
        return status_records(lines)

    def overdue_records(
        self,
        as_of: DateLike = None,
        unit: UnitsLike = None,
        section: str | int | None = None,
        all_units: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """``overdue``'s records one at a time, each made as it is written out (see ``due_records``);
        bad arguments are refused here, before the first."""
        day = self.date(as_of, self.today)
        assert day is not None
        who = self.scope(unit, all_units).who
        pairs = overdue_pairs(
            self.plan, self.directory, self.completion(day), day, who, self.section(section)
        )
        return pair_records(self.plan, pairs, "days_overdue", self.directory)

    def due_records(
        self,
        within: int | str = 7,
        as_of: DateLike = None,
        unit: UnitsLike = None,
        section: str | int | None = None,
        all_units: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """``due``'s records one at a time, each made as it is written out: a listing at 50,000 rows
        has 340,000 of them, which held all at once took 100 MiB more and made writing them slower
        per record than at 10,000 rows. Bad arguments are refused here, before the first."""
        day = self.date(as_of, self.today)
        assert day is not None
        days = within if isinstance(within, int) else parse_duration(within)
        who = self.scope(unit, all_units).who
        pairs = due_pairs(
            self.plan, self.directory, self.completion(day), day, days, who, self.section(section)
        )
        return pair_records(self.plan, pairs, "days_left", self.directory)

    overdue = _listed(overdue_records)
    due = _listed(due_records)

    # -- marking ---------------------------------------------------------------------------

    def mark(
        self,
        ids: Ids,
        unit: UnitsLike = None,
        note: str | None = None,
        on: DateLike = None,
        by: str | None = None,
        all_units: bool = False,
    ) -> MarkResult:
        """Mark rows done for one or more units (or every responsible unit), all or nothing.

        A pair already marked is amended when ``on`` or ``note`` says something new (the history
        keeps the old and the new); repeated with nothing new, it is left as it was. A unit the row
        does not name may claim it under an open-ended phrase (``claimed_under`` of the mark).
        """
        targets = self._targets(ids, unit, all_units)
        done_on = self._done_date(on)
        note = self._evidence(note, "--note")
        _, outcomes, location = self._apply(
            targets, by, new_on=done_on or self.today, done_on=done_on, note=note
        )
        return MarkResult(
            [mark_record(o.after) for o in outcomes if o.action == DONE and o.after],
            [mark_record(o.before) for o in outcomes if o.action == SAME and o.before],
            location,
            [amendment_record(o) for o in outcomes if o.action == AMEND],
            self._date_warnings(done_on),
        )

    def _apply(
        self, targets: list[Target], by: str | None, **change: Any
    ) -> tuple[list[MarkChange], list[MarkOutcome], str]:
        """One MarkChange per target (who, when, the claim), applied in one transaction."""
        marker, stamp, identity = _marker(by), utc_now(), self.plan.meta.identity
        changes = [
            MarkChange(identity, t.task.id, t.unit, marker, stamp, claimed_under=t.claimed_under, **change)
            for t in targets
        ]
        with self._store(write=True) as store:
            return changes, store.apply_changes(changes), store.location

    def note(
        self,
        ids: Ids,
        text: str,
        unit: UnitsLike = None,
        by: str | None = None,
        all_units: bool = False,
    ) -> MarkResult:
        """Add evidence to marked pairs: ``text`` is appended to each mark's note (a piece already
        there is not added twice); the history keeps every version. All or nothing: a pair that is
        not marked yet is a UsageError and nothing is written."""
        targets = self._targets(ids, unit, all_units)
        evidence = self._evidence(text, "佐证材料")
        changes, outcomes, location = self._apply(targets, by, new_on=None, note=evidence, append=True)
        missing = [(c.task_id, c.unit) for c, o in zip(changes, outcomes, strict=True) if o.action == MISSING]
        if missing:
            shown = "；".join(f"任务 {t} · {u}" for t, u in missing[:8])
            raise UsageError(f"还没有完成标记，不能补充佐证材料：{shown}（先用 gongkai done 标记完成）")
        return MarkResult(
            [],
            [mark_record(o.before) for o in outcomes if o.action == SAME and o.before],
            location,
            [amendment_record(o) for o in outcomes if o.action == AMEND],
            [],
        )

    def undo(
        self, ids: Ids, unit: UnitsLike = None, by: str | None = None, all_units: bool = False
    ) -> MarkResult:
        pairs = [(t.task.id, t.unit) for t in self._targets(ids, unit, all_units)]
        with self._store(write=True) as store:
            removed, missing = store.remove_marks(self.plan.meta.identity, pairs, _marker(by))
            location = store.location
        return MarkResult(
            [mark_record(m) for m in removed],
            [{"task_id": t, "unit": u} for t, u in missing],
            location,
            [],
            [],
        )

    def _targets(self, ids: Ids, unit: UnitsLike, all_units: bool) -> list[Target]:
        tasks = self.tasks_by_ids(ids)
        units, from_env = self.acting_units(unit, all_units)
        return mark_targets(self.directory, tasks, units, all_units, from_env)

    def _done_date(self, on: DateLike) -> dt.date | None:
        """The completion date given (None: not given); never later than today."""
        done_on = self.date(on)
        if done_on is not None and done_on > self.today:
            raise UsageError(f"完成日期 {done_on.isoformat()} 晚于今天（{self.today.isoformat()}）")
        return done_on

    @staticmethod
    def _evidence(text: str | None, what: str) -> str | None:
        if text is not None and not text.strip():
            raise UsageError(f"{what} 不能为空")
        return text.strip() if text is not None else None

    def _date_warnings(self, done_on: dt.date | None) -> list[str]:
        """A completion date more than a year before the plan was issued is most likely a typo
        (2022 for 2023): recorded, with a warning."""
        if done_on is None:
            return []
        meta = self.plan.meta
        issued = meta.issued or dt.date(meta.year, 1, 1)
        from dateutil.relativedelta import relativedelta

        if done_on >= issued - relativedelta(years=1):
            return []
        what = f"计划印发日期 {issued.isoformat()}" if meta.issued else f"计划年度 {meta.year} 年初"
        return [f"注意：完成日期 {done_on.isoformat()} 比{what} 早一年以上，请确认没有写错（已照常记录）"]

    # -- moving marks between machines ----------------------------------------------------------

    def export_marks(self) -> dict[str, Any]:
        from .store import export_document

        with self._store(write=False) as store:
            return export_document(store.all_marks())

    def import_marks(self, text: str, where: str, prefer: str | None = None) -> ImportResult:
        """Merge an export's text. Conflicts stay as they are and are listed, unless ``prefer``
        decides them (mine / theirs / newer), each decision recorded in the history."""
        from .store import parse_export

        return self._merge(parse_export(text, where, self.today), prefer)

    def import_marks_file(self, path: str | Path, prefer: str | None = None) -> ImportResult:
        """``import_marks`` from a file; a file that cannot be read as an export is a SourceError."""
        from .store import read_export

        return self._merge(read_export(path, self.today), prefer)

    def _merge(self, marks: list[Mark], prefer: str | None) -> ImportResult:
        if prefer is not None and prefer not in PREFER_VALUES:
            raise UsageError(f"--prefer 的值无效：{prefer!r}（可选：{'、'.join(PREFER_VALUES)}）")
        check_imported_marks(self.plan, self.directory, marks)
        with self._store(write=True) as store:
            result = store.merge_marks(marks, prefer)
            location = store.location

        def pairs(items: list[tuple[Mark, Mark]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
            return [(mark_record(a), mark_record(b)) for a, b in items]

        return ImportResult(
            [mark_record(m) for m in result.added],
            [mark_record(m) for m in result.same],
            pairs(result.conflicts),
            location,
            pairs(result.kept),
            pairs(result.replaced),
        )

    # -- ledgers ---------------------------------------------------------------------------

    def ledger(
        self,
        kind: str,
        as_of: DateLike = None,
        unit: UnitsLike = None,
        window: int | str = 7,
        tick: Callable[[int], None] | None = None,
        all_units: bool = False,
        **options: Any,
    ) -> tuple[int, bytes | Iterator[bytes]]:
        """(rows, the file's bytes) of a ledger: xlsx, csv, ics, html, md or docx; ``options`` go to
        the format's writer (csv: ``bom``; docx: ``content``; ics: ``per_unit``)."""
        from .ledgers import FORMATS, build_ledger

        if kind not in FORMATS:
            raise UsageError(f"不支持的导出格式：{kind!r}（可选：{'、'.join(FORMATS)}）")
        day = self.date(as_of, self.today)
        assert day is not None
        days = window if isinstance(window, int) else parse_duration(window)
        scope = self.scope(unit, all_units)
        ledger = build_ledger(self.plan, self.directory, self.marks(day), day, days, scope.names, tick)
        return len(ledger.rows), FORMATS[kind](ledger, **options)


def _scope_units(directory: Directory, scope: Scope) -> set[str] | None:
    """The unit names a scope covers (a closed group's members too); None: every unit."""
    if not scope.whos:
        return None
    out: set[str] = set()
    for who in scope.whos:
        out.add(who.name)
        if isinstance(who, Group) and who.definite:
            out |= set(who.members)
    return out


def open_workspace(
    plan: str | Path | Plan | None = None, state: str | Path | None = None, unit: str | None = None
) -> Workspace:
    """The plan (a path, an installed plan's name or year; else ``GONGKAI_PLAN``, else the newest
    installed plan, else the built-in one) with the state (a path,
    ``GONGKAI_STATE``, else the user data directory)."""
    from .plan import load_plan, plan_path

    if not isinstance(plan, Plan):
        plan = load_plan(plan_path(str(plan) if plan is not None else None))
    return Workspace(plan, state, unit if unit is not None else os.environ.get(UNIT_ENV, "").strip() or None)
