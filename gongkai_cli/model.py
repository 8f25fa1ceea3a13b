"""The plan as frozen data: parts, sections, tasks, units and groups. No I/O here.

No postponed annotations here: NamedTuple turns string annotations into ForwardRefs, compiling
each one (0.05 ms a class, paid on every start).
"""

import datetime as dt
from typing import Any, NamedTuple

from .text import cn_numeral

# Unit kinds as written in the plan file, with the words a person reads.
UNIT_KINDS: dict[str, str] = {
    "department": "区政府部门/直属事业单位",
    "town": "镇",
    "subdistrict": "街道",
    "zone": "开发区",
    "external": "区政府以外单位",
    "unknown": "类别待定",  # added by `gongkai import` for names it met first; the coordinator fixes it
}


class PlanMeta(NamedTuple):
    title: str
    doc_number: str  # 文号, e.g. 济任政办字〔2023〕24号
    issuer: str
    issued: dt.date | None
    year: int
    timezone: str = "Asia/Shanghai"
    notice_title: str = ""
    source: str = ""

    @property
    def identity(self) -> str:
        """What marks are keyed by: 文号 + year, so editing wording never orphans them."""
        return f"{self.doc_number}#{self.year}"


class Part(NamedTuple):
    number: int  # 0: the table has no part level (NO_PART)
    title: str

    @property
    def label(self) -> str:
        return f"{cn_numeral(self.number)}、" if self.number else ""


class Section(NamedTuple):
    number: int  # 0: the table has no section level (NO_SECTION)
    part: int  # 0: the table has no part level
    title: str

    @property
    def label(self) -> str:
        return f"({cn_numeral(self.number)})" if self.number else ""


# What a plan whose table has fewer heading levels answers for the level it lacks: number 0, no
# title, no label. Rows then carry part 0 and/or section 0.
NO_PART = Part(0, "")
NO_SECTION = Section(0, 0, "")


class Deadline(NamedTuple):
    text: str  # as written: 12月底前; "" when the table gives no deadline at all
    date: dt.date | None  # last day the work counts as on time; None: never overdue (持续推进)

    @property
    def shown(self) -> str:
        """The wording to show: as written, or 持续推进 when the table gives none."""
        return self.text or ONGOING


ONGOING = "持续推进"


class Task(NamedTuple):
    id: int
    section: int
    part: int
    units: tuple[str, ...]  # unit and group names as the table writes them, in order
    requirement: str  # 具体要求, verbatim
    deadline: Deadline
    line: int = 0  # where the task starts in the plan file (1-based), 0 when unknown
    lead: tuple[str, ...] = ()  # the units the table marks 牵头 (主办), a subset of ``units``
    topic: str = ""  # a third heading level (``1.…``) the row sits under, verbatim; "" when none

    # Equality is the row's content: ``line`` says where it was read from, not what it says, so the
    # same row read from a rewritten file (or from a mapping, line 0) is still the same row.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Task):
            return NotImplemented
        return self[:6] == other[:6] and self[7:] == other[7:]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self[:6] + self[7:])


class Unit(NamedTuple):
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    full_name: str = ""
    note: str = ""

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)


class Group(NamedTuple):
    """A phrase that stands for several units.

    A closed group assigns its rows to every member. An open group (``X、Y等区政府有关部门单位``,
    ``重大行政决策事项承办单位``) or one whose members are unknown assigns nobody for certain; the
    members of the groups named in ``within`` may see its rows as "possibly relevant".
    """

    name: str
    members: tuple[str, ...] = ()
    open: bool = False
    within: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""

    @property
    def definite(self) -> bool:
        """True when the row is assigned to each listed member for certain."""
        return not self.open and bool(self.members)


class Plan:
    """The whole plan. Read-only by convention (nothing assigns to it after loading); a plain class
    rather than a tuple because it carries a lazily built lookup index."""

    __slots__ = ("_index", "groups", "meta", "parts", "path", "sections", "tasks", "units")

    def __init__(
        self,
        meta: PlanMeta,
        parts: tuple[Part, ...],
        sections: tuple[Section, ...],
        tasks: tuple[Task, ...],
        units: tuple[Unit, ...],
        groups: tuple[Group, ...],
        path: str = "",
    ) -> None:
        self.meta = meta
        self.parts = parts
        self.sections = sections
        self.tasks = tasks
        self.units = units
        self.groups = groups
        self.path = path
        self._index: dict[str, dict[Any, Any]] = {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return self._content() == other._content()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Plan({self.meta.doc_number!r}, {len(self.tasks)} tasks, path={self.path!r})"

    def _content(self) -> tuple[Any, ...]:
        """What equality compares: the plan itself, not where it was read from (``path``, and each
        task's ``line``), so a plan read back from its own dump equals the original."""
        return (self.meta, self.parts, self.sections, self.tasks, self.units, self.groups)

    def at(self, path: str) -> "Plan":
        """The same plan, read from ``path``."""
        return Plan(self.meta, self.parts, self.sections, self.tasks, self.units, self.groups, path)

    def _lookup(self, kind: str) -> dict[Any, Any]:
        """Index built on first use (plans reach tens of thousands of rows)."""
        index = self._index.get(kind)
        if index is None:
            items: tuple[Any, ...] = getattr(self, kind)
            key = "id" if kind == "tasks" else "number" if kind in ("parts", "sections") else "name"
            index = self._index[kind] = {getattr(item, key): item for item in items}
        return index

    def part(self, number: int) -> Part:
        part: Part = self._lookup("parts")[number] if number else NO_PART
        return part

    def section(self, number: int) -> Section:
        section: Section = self._lookup("sections")[number] if number else NO_SECTION
        return section

    def task(self, task_id: int) -> Task | None:
        return self._lookup("tasks").get(task_id)

    def group(self, name: str) -> Group | None:
        return self._lookup("groups").get(name)

    def unit(self, name: str) -> Unit | None:
        return self._lookup("units").get(name)


class Mark(NamedTuple):
    """One responsible unit's part of one row, marked finished."""

    plan: str
    task_id: int
    unit: str
    done_on: dt.date
    note: str | None
    by: str
    marked_at: str
    # A unit the row does not name, claiming the row under one of its open-ended phrases
    # (区政府有关部门单位, 重大行政决策事项承办单位): the phrase. None for a named responsible unit.
    claimed_under: str | None = None
    changed_at: str | None = None  # when the date or evidence last changed; None: not since marked
    changed_by: str | None = None  # who changed them last

    @property
    def version_at(self) -> str:
        """When this version of the mark was written (what ``--prefer newer`` compares)."""
        return self.changed_at or self.marked_at


class Completions(NamedTuple):
    """Of a plan's marks, only what progress and the reports count (``Store.plan_completions``)."""

    done_on: dict[tuple[int, str], dt.date]  # (task id, unit) -> the day that unit's part was finished
    # (task id, phrase, day) of each mark of a unit the row does not name, claiming the row under
    # one of its open-ended phrases (区政府有关部门单位): the phrase's part counts as done too.
    claims: list[tuple[int, str, dt.date]]


class Event(NamedTuple):
    """One entry of the append-only history.

    ``action``: done (marked), undo (unmarked), amend (the date or evidence changed), keep (an
    import conflict decided for the local mark; done_on/note/by are the other side's, kept on
    record). ``done_on``/``note`` are the values the action wrote (for undo: the removed ones);
    ``old_done_on``/``old_note`` the values before it (amend, undo, keep).
    """

    seq: int
    at: str
    action: str
    plan: str
    task_id: int
    unit: str
    done_on: dt.date | None
    note: str | None
    by: str
    source: str
    old_done_on: dt.date | None = None
    old_note: str | None = None
    claimed_under: str | None = None
    choice: str | None = None  # how an import conflict was decided: mine / theirs / newer
    db_user: str | None = None  # the database login that made the change (shared PostgreSQL store only)
