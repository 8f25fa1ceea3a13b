"""Pure functions over a plan: parsing section/part references, filtering tasks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import NamedTuple

from .dates import today
from .errors import UsageError
from .model import Group, Mark, Plan, Task, Unit
from .text import cn_numeral, normalize, parse_cn_numeral
from .units import POSSIBLE, Directory, Relation


def parse_section_ref(plan: Plan, text: str) -> int:
    """``五``, ``5``, ``(五)``, ``（五）``, ``第五`` -> section number 5 (must exist in the plan)."""
    number = _parse_ordinal(text, r"^第?\(?([^()]+?)\)?(?:项)?$")
    known = [s.number for s in plan.sections]
    if number is None or number not in known:
        choices = f"(一)至({cn_numeral(max(known))})" if known else "无"
        raise UsageError(f"没有这个工作任务：{text!r}（本计划有 {choices}，可写 五、5 或 (五)）")
    return number


def parse_part_ref(plan: Plan, text: str) -> int:
    """``三``, ``3``, ``三、``, ``第三部分`` -> part number 3 (must exist in the plan)."""
    number = _parse_ordinal(text, r"^第?([^、.]+?)(?:部分)?[、.]?$")
    known = [p.number for p in plan.parts]
    if number is None or number not in known:
        choices = f"一至{cn_numeral(max(known))}" if known else "无"
        raise UsageError(f"没有这个部分：{text!r}（本计划有 {choices}，可写 三 或 3）")
    return number


def _parse_ordinal(text: str, pattern: str) -> int | None:
    m = re.match(pattern, normalize(text))
    return parse_cn_numeral(m.group(1)) if m else None


# --status values: the row's progress (open/partial/done), and its timeliness (overdue and the rest).
STATUS_FILTERS = ("open", "partial", "done", "overdue", "on_time", "done_late", "not_due", "ongoing")
STATUS_WORDS = {  # what people type, Chinese or English, -> the filter
    **{v: v for v in STATUS_FILTERS},
    "未开始": "open", "部分完成": "partial", "完成": "done", "已完成": "done", "逾期": "overdue",
    "逾期未完成": "overdue", "按时完成": "on_time", "逾期完成": "done_late", "未到期": "not_due",
    "持续推进": "ongoing", "ontime": "on_time", "late": "done_late", "notdue": "not_due",
}  # fmt: skip

# Where each (row, unit) pair stands on a day: the distinction upward reports and the annual
# assessment count (按时完成 / 逾期完成 / 逾期未完成 / 未到期, and 持续推进 for rows with no deadline).
NOT_DUE, OVERDUE, DONE_LATE, ONGOING = "open", "overdue", "done_late", "ongoing"
STATE_LABELS = {
    NOT_DUE: "未到期", OVERDUE: "逾期未完成", "done": "按时完成", DONE_LATE: "逾期完成", ONGOING: "持续推进",
}  # fmt: skip

Who = Unit | Group
Completion = Mapping[tuple[int, str], dt.date]  # (task id, unit) -> done_on, marks counted on the day


def parse_status(text: str) -> str:
    """``完成``, ``按时完成``, ``DONE`` -> the status filter; UsageError otherwise."""
    key = normalize(text).strip().lower().replace("-", "_")
    found = STATUS_WORDS.get(key) or STATUS_WORDS.get(key.replace("_", ""))
    if found is None:
        words = "、".join(f"{v}（{STATUS_FILTER_LABELS[v]}）" for v in STATUS_FILTERS)
        raise UsageError(f"--status 的值无效：{text!r}（可选：{words}）")
    return found


STATUS_FILTER_LABELS = {
    "open": "未开始", "partial": "部分完成", "done": "已完成", "overdue": "逾期未完成", "on_time": "按时完成",
    "done_late": "逾期完成", "not_due": "未到期", "ongoing": "持续推进",
}  # fmt: skip


def pair_state(task: Task, done_on: dt.date | None, as_of: dt.date) -> str:
    """Where one unit's part of a row stands on ``as_of`` (``done_on``: a mark counted that day)."""
    deadline = task.deadline.date
    if done_on is not None:
        return DONE_LATE if deadline is not None and done_on > deadline else DONE
    if deadline is None:
        return ONGOING
    return OVERDUE if as_of > deadline else NOT_DUE


def on_time(state: str | None) -> bool | None:
    """True for 按时完成, False for 逾期完成, None while not done."""
    return True if state == DONE else False if state == DONE_LATE else None


class PairState(NamedTuple):
    unit: str
    via: str | None  # the group phrase that brought the row to the unit
    state: str
    done_on: dt.date | None


def task_states(
    directory: Directory, task: Task, done_on: Completion, as_of: dt.date
) -> tuple[PairState, ...]:
    """Each responsible unit's part of the row on ``as_of``."""
    out = []
    for unit, via in responsible_pairs(directory, task):
        day = done_on.get((task.id, unit))
        out.append(PairState(unit, via, pair_state(task, day, as_of), day))
    return tuple(out)


def row_state(task: Task, states: tuple[PairState, ...], as_of: dt.date) -> str:
    """The row's state: done (on time) or done_late once every unit has finished, else by its deadline."""
    if states and all(s.done_on is not None for s in states):
        return DONE_LATE if any(s.state == DONE_LATE for s in states) else DONE
    return pair_state(task, None, as_of)


def as_whos(who: Who | tuple[Who, ...] | None) -> tuple[Who, ...]:
    if who is None:
        return ()
    return (who,) if isinstance(who, (Unit, Group)) else who  # both are tuples themselves


class TaskFilter(NamedTuple):
    who: Who | tuple[Who, ...] | None = None  # one unit or several (the union)
    include_possible: bool = False
    section: int | None = None
    part: int | None = None
    due_by: dt.date | None = None
    search: str | None = None
    status: str | None = None  # a STATUS_FILTERS value; with ``who``: its own part
    as_of: dt.date | None = None  # "today" for overdue


class Mine(NamedTuple):
    """One asked unit on a row: how the row came to it and where its own part stands."""

    unit: str
    relation: Relation
    state: PairState | None  # None: it has no part of its own (possibly relevant, or a group asked)


class Match(NamedTuple):
    task: Task
    relation: Relation | None  # why the row is on the unit's list, when filtering by unit
    progress: Progress | None = None
    own_done: bool | None = None  # with --unit: has that unit finished its part (None: it has no part)
    overdue: bool = False
    states: tuple[PairState, ...] = ()  # every responsible unit's part
    state: str | None = None  # the row's state (row_state)
    mine: tuple[Mine, ...] = ()  # the asked units the row is for, in the order asked
    late: tuple[str, ...] = ()  # units that finished after the deadline (逾期完成)


def select_tasks(
    plan: Plan, directory: Directory, flt: TaskFilter, marked: Completion | None = None
) -> list[Match]:
    """The rows that pass every filter, in document order, with their progress on ``flt.as_of``."""
    whos = as_whos(flt.who)
    if flt.status == PARTIAL and whos:
        raise UsageError("按单位查询时，--status 不能是 partial（单个单位只有完成或未完成）")
    done_on: Completion = marked or {}
    as_of = flt.as_of or today()
    words = [normalize(w).casefold() for w in (flt.search or "").split() if w]
    out: list[Match] = []
    for task in plan.tasks:
        if flt.section is not None and task.section != flt.section:
            continue
        if flt.part is not None and task.part != flt.part:
            continue
        if flt.due_by is not None and (task.deadline.date is None or task.deadline.date > flt.due_by):
            continue
        if words and not _matches_words(plan, task, words):
            continue
        related: list[tuple[Who, Relation]] = []
        for who in whos:
            rel = directory.relation(who, task)
            if rel is not None and (rel.kind != POSSIBLE or flt.include_possible):
                related.append((who, rel))
        if whos and not related:
            continue
        # Per unit only what the row needs (a row can have 40 units, a plan 10,000 rows): who is
        # done, who was late; a PairState only for the units asked about.
        # List displays, not generators: this runs once per (row, unit) pair, 190,000 at 10,000 rows.
        expected = responsible_units(directory, task)
        tid = task.id
        done = tuple([u for u in expected if (tid, u) in done_on])
        deadline = task.deadline.date
        late = (
            tuple([u for u in done if done_on[(tid, u)] > deadline]) if deadline is not None and done else ()
        )
        prog = Progress(expected, done)
        if expected and len(done) == len(expected):
            state = DONE_LATE if late else DONE
        else:
            state = pair_state(task, None, as_of)
        mine = tuple(
            Mine(w.name, rel, _own_state(task, w.name, rel, done_on, as_of) if w.name in expected else None)
            for w, rel in related
        )
        if whos:
            own = [m.state for m in mine if m.state is not None]
            own_done = None if mine[0].state is None else mine[0].state.done_on is not None
            overdue = any(p.state == OVERDUE for p in own)
        else:
            own, own_done, overdue = [], None, state == OVERDUE
        if flt.status is not None and not _status_matches(flt.status, prog, state, bool(whos), own):
            continue
        out.append(
            Match(task, related[0][1] if related else None, prog, own_done, overdue, (), state, mine, late)
        )
    return out


def _own_state(task: Task, unit: str, rel: Relation, done_on: Completion, as_of: dt.date) -> PairState:
    day = done_on.get((task.id, unit))
    return PairState(unit, rel.via, pair_state(task, day, as_of), day)


_STATE_OF_FILTER = {
    "overdue": OVERDUE,
    "on_time": "done",
    "done_late": DONE_LATE,
    "not_due": NOT_DUE,
    "ongoing": ONGOING,
}


def _status_matches(wanted: str, prog: Progress, state: str, by_unit: bool, own: list[PairState]) -> bool:
    if by_unit:  # the asked units' own parts; a row none of them has a part in never matches
        if wanted in ("done", "open"):
            return any((p.done_on is not None) == (wanted == DONE) for p in own)
        return any(p.state == _STATE_OF_FILTER[wanted] for p in own)
    if wanted in (DONE, PARTIAL, OPEN):
        return prog.status == wanted
    return state == _STATE_OF_FILTER[wanted]


def _matches_words(plan: Plan, task: Task, words: list[str]) -> bool:
    haystack = normalize(
        " ".join(
            (task.requirement, plan.section(task.section).title, plan.part(task.part).title, *task.units)
        )
    ).casefold()
    return all(w in haystack for w in words)


def units_text(plan: Plan, task: Task) -> str:
    """The 责任单位 cell as the table writes it: ``区商务局、区发改局等区政府有关部门单位``."""
    out = ""
    for i, name in enumerate(task.units):
        group = plan.group(name)
        if i and group is not None and group.open:
            out += "等"
        elif i:
            out += "、"
        out += name
    return out


# ---------------------------------------------------------------------------------------------
# Who must finish a row, and how far they are


def responsible_pairs(directory: Directory, task: Task) -> list[tuple[str, str | None]]:
    """Each unit that finishes its part of the row, with the group phrase that brought it (or None).

    A named unit is itself; a closed group expands to its members; a group with no known members
    (an open-ended phrase, or 各涉农镇(街道) while its list is unknown) counts as one unit.
    A unit named directly and also through a group is listed once, as named.
    """
    out: dict[str, str | None] = {}
    for name in task.units:
        group = directory.groups.get(name)
        if group is not None and group.definite:
            for member in group.members:
                out.setdefault(member, name)
        else:
            out[name] = None
    return list(out.items())


def responsible_units(directory: Directory, task: Task) -> tuple[str, ...]:
    """The units that each finish their part of the row (办结销号 needs all of them)."""
    cache = directory.responsible_cache
    units = cache.get(task.id)
    if units is None:
        units = cache[task.id] = tuple(unit for unit, _ in responsible_pairs(directory, task))
    return units


DONE, PARTIAL, OPEN = "done", "partial", "open"
STATUS_LABELS = {DONE: "已完成", PARTIAL: "部分完成", OPEN: "未开始"}


class Progress(NamedTuple):
    expected: tuple[str, ...]
    done: tuple[str, ...]

    @property
    def pending(self) -> tuple[str, ...]:
        if not self.done:  # most rows of a plan, most of the year
            return self.expected
        finished = set(self.done)
        return tuple([u for u in self.expected if u not in finished])

    @property
    def status(self) -> str:
        if len(self.done) == len(self.expected):
            return DONE
        return PARTIAL if self.done else OPEN


def progress(directory: Directory, task: Task, marked: Completion) -> Progress:
    expected = responsible_units(directory, task)
    return Progress(expected, tuple(u for u in expected if (task.id, u) in marked))


def is_overdue(task: Task, finished: bool, as_of: dt.date) -> bool:
    """Not finished and past its last on-time day (open-ended rows never are)."""
    return not finished and task.deadline.date is not None and as_of > task.deadline.date


def pairs_to_mark(
    directory: Directory,
    tasks: list[Task],
    unit: Unit | Group | None,
    all_units: bool,
    unit_from_env: bool = False,
) -> list[tuple[Task, str]]:
    """The (row, unit) pairs that ``done``/``undo`` act on, or a UsageError naming what is wrong."""
    pairs: list[tuple[Task, str]] = []
    for task in tasks:
        expected = responsible_units(directory, task)
        if all_units:
            pairs.extend((task, u) for u in expected)
        elif unit is not None:
            if unit.name not in expected:
                raise UsageError(_not_responsible(directory, task, unit, expected, unit_from_env))
            pairs.append((task, unit.name))
        elif len(expected) == 1:
            pairs.append((task, expected[0]))
        else:
            shown = "、".join(expected[:6]) + ("……" if len(expected) > 6 else "")
            raise UsageError(
                f"任务 {task.id} 有 {len(expected)} 个责任单位（{shown}），"
                "请用 --unit 指定单位，或用 --all-units 全部标记"
            )
    return pairs


class Target(NamedTuple):
    """One (row, unit) pair that ``done``, ``undo`` or ``note`` acts on."""

    task: Task
    unit: str
    claimed_under: str | None  # the open-ended phrase a unit the row does not name claims it under


def placeholders(directory: Directory, task: Task) -> tuple[str, ...]:
    """The row's 责任单位 that are placeholders rather than units: open-ended phrases
    (区政府有关部门单位, 重大行政决策事项承办单位) and groups whose members are unknown (各涉农镇(街道)).
    Each counts as one responsible "unit" until someone claims the row under it (待认领)."""
    return tuple(
        name
        for name in responsible_units(directory, task)
        if (group := directory.groups.get(name)) is not None and not group.definite
    )


def claim_phrase(directory: Directory, task: Task, unit: Unit | Group) -> str | None:
    """The placeholder of the row ``unit`` may claim it under (the first one), or None."""
    if isinstance(unit, Group) or unit.name in responsible_units(directory, task):
        return None
    for name in placeholders(directory, task):
        if directory.may_claim(unit, directory.groups[name]):
            return name
    return None


def claims_by_task(marks: Iterable[Mark]) -> dict[int, list[Mark]]:
    """Claim marks (a unit the row does not name, under one of its placeholders), by row."""
    out: dict[int, list[Mark]] = {}
    for mark in marks:
        if mark.claimed_under:
            out.setdefault(mark.task_id, []).append(mark)
    return out


def mark_targets(
    directory: Directory,
    tasks: list[Task],
    units: Sequence[Unit | Group],
    all_units: bool,
    unit_from_env: bool = False,
) -> list[Target]:
    """The pairs ``done``/``undo``/``note`` act on: each named unit of each row (a unit the row does
    not name may claim it under a placeholder), or what ``pairs_to_mark`` gives without units.
    A UsageError names the first pair that cannot be."""
    if not units:
        pairs = pairs_to_mark(directory, tasks, None, all_units, unit_from_env)
        return [Target(task, unit, None) for task, unit in pairs]
    out: list[Target] = []
    for task in tasks:
        expected = responsible_units(directory, task)
        for unit in units:
            if unit.name in expected:
                out.append(Target(task, unit.name, None))
                continue
            phrase = claim_phrase(directory, task, unit)
            if phrase is None:
                raise UsageError(_not_responsible(directory, task, unit, expected, unit_from_env))
            out.append(Target(task, unit.name, phrase))
    return list({(t.task.id, t.unit): t for t in out}.values())


def _not_responsible(
    directory: Directory, task: Task, unit: Unit | Group, expected: tuple[str, ...], from_env: bool
) -> str:
    source = "（来自环境变量 GONGKAI_UNIT）" if from_env else ""
    if isinstance(unit, Group) and unit.definite and unit.name in task.units:
        return f"{unit.name}{source} 是统称，请用 --unit 指定其中的单位，或用 --all-units 全部标记"
    relation = directory.relation(unit, task)
    if relation is not None and relation.kind == POSSIBLE:
        return (
            f"{unit.name}{source} 不是任务 {task.id} 点名的责任单位（只是可能相关，经由“{relation.via}”）；"
            f"需要时请用 --unit {relation.via}"
        )
    return f"{unit.name}{source} 不是任务 {task.id} 的责任单位（gongkai show {task.id} 查看责任单位）"


def check_imported_marks(plan: Plan, directory: Directory, marks: list[Mark]) -> None:
    """Imported marks must belong to this plan, name its rows and their responsible units."""
    for mark in marks:
        if mark.plan != plan.meta.identity:
            raise UsageError(
                f"导入的记录属于计划 {mark.plan}，不是当前计划 {plan.meta.identity}"
                "（用 --plan 选择对应的计划文件）"
            )
        task = plan.task(mark.task_id)
        if task is None:
            raise UsageError(f"导入的记录中有不存在的任务编号 {mark.task_id}")
        if mark.unit in responsible_units(directory, task):
            continue
        unit = directory.units.get(mark.unit)
        group = directory.groups.get(mark.claimed_under or "")
        if unit is None or group is None or mark.claimed_under not in task.units:
            raise UsageError(f"导入的记录中 {mark.unit} 不是任务 {mark.task_id} 的责任单位")
        if not directory.may_claim(unit, group):
            raise UsageError(f"导入的记录中 {mark.unit} 不能以“{group.name}”认领任务 {mark.task_id}")


# ---------------------------------------------------------------------------------------------
# Reports: (row, unit) pairs that are late or due, and progress summaries with traffic lights


class Pair(NamedTuple):
    """One responsible unit's unfinished part of one row."""

    task: Task
    unit: str
    via: str | None  # the group phrase that brought the row to the unit
    days: int  # days overdue (overdue report) or days left (due report)


def _units_of(directory: Directory, who: Who | tuple[Who, ...] | None) -> set[str] | None:
    whos = as_whos(who)
    if not whos:
        return None
    out: set[str] = set()
    for one in whos:
        out |= set(one.members) if isinstance(one, Group) and one.definite else {one.name}
    return out


def open_pairs(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    days: Callable[[Task], int | None],
    who: Who | tuple[Who, ...] | None = None,
    section: int | None = None,
) -> list[Pair]:
    """Every (row, unit) pair not marked done, by unit in directory order, then by row id, of the
    rows ``days`` gives a number for (the days overdue or left, once per row), each pair with it."""
    wanted = _units_of(directory, who)
    order = {name: i for i, name in enumerate([*directory.units, *directory.groups])}
    # A list of (row id, pair) per unit, sorted apart: at 10,000 rows ``due`` has 70,000 pairs,
    # which one sort by (unit's place, row id) would have to key one by one.
    by_unit: dict[int, list[tuple[int, Pair]]] = {}
    for task in plan.tasks:
        if section is not None and task.section != section:
            continue
        n = days(task)
        if n is None:
            continue
        for unit, via in responsible_pairs(directory, task):
            if (task.id, unit) in marked or (wanted is not None and unit not in wanted):
                continue
            place = order.get(unit, len(order))
            mine = by_unit.get(place)
            if mine is None:
                mine = by_unit[place] = []
            mine.append((task.id, Pair(task, unit, via, n)))
    out: list[Pair] = []
    by_row = itemgetter(0)  # stable: units outside the directory share the last place
    for place in sorted(by_unit):
        out.extend(pair for _, pair in sorted(by_unit[place], key=by_row))
    return out


def overdue_pairs(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    as_of: dt.date,
    who: Who | tuple[Who, ...] | None = None,
    section: int | None = None,
) -> list[Pair]:
    """Unfinished pairs past their deadline on ``as_of``, with the days overdue."""

    def late(task: Task) -> int | None:
        deadline = task.deadline.date
        return (as_of - deadline).days if deadline is not None and as_of > deadline else None

    return open_pairs(plan, directory, marked, late, who, section)


def due_pairs(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    as_of: dt.date,
    within_days: int,
    who: Who | tuple[Who, ...] | None = None,
    section: int | None = None,
) -> list[Pair]:
    """Unfinished pairs whose deadline falls within ``within_days`` of ``as_of`` (both ends included)."""
    last = as_of + dt.timedelta(days=within_days)

    def left(task: Task) -> int | None:
        deadline = task.deadline.date
        return (deadline - as_of).days if deadline is not None and as_of <= deadline <= last else None

    return open_pairs(plan, directory, marked, left, who, section)


RED, YELLOW, GREEN = "red", "yellow", "green"
LIGHT_LABELS = {RED: "逾期", YELLOW: "临近", GREEN: "正常"}


class StatusLine(NamedTuple):
    """Progress of one unit, section or part."""

    key: str  # unit name, or the section/part number as text
    label: str
    rows: int  # rows this line covers
    done: int  # rows finished (for a unit: its own part finished)
    partial: int | None  # rows some but not all units finished (None for a unit: its part is whole)
    open: int  # rows not finished
    overdue: int  # rows not finished and past the deadline
    due_soon: int  # rows not finished, deadline within the warning window
    done_parts: int  # (row, unit) parts finished
    parts: int  # (row, unit) parts in all
    done_late: int = 0  # of ``done``: rows finished after the deadline (逾期完成)
    placeholder: bool = False  # an open-ended phrase (待认领), not a unit: no light, listed apart

    @property
    def done_on_time(self) -> int:
        return self.done - self.done_late

    @property
    def ratio(self) -> float:
        return self.done_parts / self.parts if self.parts else 1.0

    @property
    def light(self) -> str:
        if self.overdue:
            return RED
        return YELLOW if self.due_soon else GREEN


def _soon(task: Task, as_of: dt.date, window: int) -> bool:
    d = task.deadline.date
    return d is not None and as_of <= d <= as_of + dt.timedelta(days=window)


def status_lines(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    by: str,
    as_of: dt.date,
    window: int,
    who: Who | tuple[Who, ...] | None = None,
) -> list[StatusLine]:
    """Progress by unit, section or part, the worst on top."""
    wanted = _units_of(directory, who)
    lines = _by_unit(plan, directory, marked, as_of, window, wanted) if by == "unit" else []
    if by in ("section", "part"):
        lines = _by_rows(plan, directory, marked, as_of, window, wanted, by)
    light_rank = {RED: 0, YELLOW: 1, GREEN: 2}
    return sorted(lines, key=lambda s: (s.placeholder, light_rank[s.light], -s.overdue, -s.due_soon, s.ratio))


def _by_unit(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    as_of: dt.date,
    window: int,
    wanted: set[str] | None,
) -> list[StatusLine]:
    counts: dict[str, list[int]] = {}  # unit -> [rows, done, overdue, due_soon, done_late]
    for task in plan.tasks:
        deadline = task.deadline.date
        for unit in responsible_units(directory, task):
            if wanted is not None and unit not in wanted:
                continue
            c = counts.setdefault(unit, [0, 0, 0, 0, 0])
            done_on = marked.get((task.id, unit))
            finished = done_on is not None
            c[0] += 1
            c[1] += finished
            c[2] += not finished and is_overdue(task, False, as_of)
            c[3] += not finished and _soon(task, as_of, window)
            c[4] += finished and deadline is not None and done_on > deadline  # type: ignore[operator]
    return [
        StatusLine(
            unit,
            unit,
            c[0],
            c[1],
            None,
            c[0] - c[1],
            c[2],
            c[3],
            c[1],
            c[0],
            c[4],
            is_placeholder(directory, unit),
        )
        for unit, c in counts.items()
    ]


def is_placeholder(directory: Directory, name: str) -> bool:
    """An open-ended phrase standing where a unit would (区政府有关部门单位, 各涉农镇(街道) while its
    list is unknown, 重大行政决策事项承办单位): a row to be claimed (待认领), not a unit to chase."""
    group = directory.groups.get(name)
    return group is not None and not group.definite


def _by_rows(
    plan: Plan,
    directory: Directory,
    marked: Completion,
    as_of: dt.date,
    window: int,
    wanted: set[str] | None,
    by: str,
) -> list[StatusLine]:
    # number -> [rows, done, partial, overdue, due_soon, done_parts, parts, done_late]
    counts: dict[int, list[int]] = {}
    for task in plan.tasks:
        expected = [u for u in responsible_units(directory, task) if wanted is None or u in wanted]
        if not expected:
            continue
        done = [u for u in expected if (task.id, u) in marked]
        finished = len(done) == len(expected)
        c = counts.setdefault(task.section if by == "section" else task.part, [0] * 8)
        deadline = task.deadline.date
        c[7] += finished and deadline is not None and any(marked[(task.id, u)] > deadline for u in done)
        c[0] += 1
        c[1] += finished
        c[2] += bool(done) and not finished
        c[3] += not finished and is_overdue(task, False, as_of)
        c[4] += not finished and _soon(task, as_of, window)
        c[5] += len(done)
        c[6] += len(expected)
    lines = []
    for number, c in counts.items():
        if by == "section":
            section = plan.section(number)
            label = f"{section.label}{section.title}"
        else:
            part = plan.part(number)
            label = f"{part.label}{part.title}"
        label = label or "（全表，无此级标题）"  # a plan whose table lacks the level (number 0)
        lines.append(
            StatusLine(str(number), label, c[0], c[1], c[2], c[0] - c[1], c[3], c[4], c[5], c[6], c[7])
        )
    return lines
