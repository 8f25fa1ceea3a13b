"""Output: boxed tables for people (drawn by grid.py); JSON / CSV / TSV / Markdown for scripts.

Machine formats are a contract: keys are only ever added; absent values are null; an empty result
is ``[]``; dates are YYYY-MM-DD. Text from the plan is always data, never markup.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .grid import ASCII, Cell, Column, Table, highlight
from .grid import emit as draw
from .model import Event, Group, Plan, Task
from .queries import LIGHT_LABELS, Match, Pair, StatusLine
from .text import cn_numeral
from .units import Directory

FORMATS = ("table", "json", "csv", "tsv", "md")
COLOR_MODES = ("auto", "always", "never")

TASK_COLUMNS = (
    "id",
    "part",
    "part_title",
    "section",
    "section_label",
    "section_title",
    "units",
    "requirement",
    "deadline",
    "deadline_text",
    "relation",
    "via",
    "status",
    "overdue",
    "unit_done",
    "responsible",
    "done_units",
    "pending_units",
)


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


def task_record(plan: Plan, match: Match) -> dict[str, Any]:
    task = match.task
    section = plan.section(task.section)
    return {
        "id": task.id,
        "part": task.part,
        "part_title": plan.part(task.part).title,
        "section": task.section,
        "section_label": section.label,
        "section_title": section.title,
        "units": list(task.units),
        "requirement": task.requirement,
        "deadline": task.deadline.date.isoformat() if task.deadline.date else None,
        "deadline_text": task.deadline.text,
        "relation": match.relation.kind if match.relation else None,
        "via": match.relation.via if match.relation else None,
        "status": match.progress.status if match.progress else None,
        "overdue": match.overdue,
        "unit_done": match.own_done,
        "responsible": list(match.progress.expected) if match.progress else None,
        "done_units": list(match.progress.done) if match.progress else None,
        "pending_units": list(match.progress.pending) if match.progress else None,
    }


def write_json(data: Any, out: Any = None) -> None:
    """Indented for a person at a terminal. Piped, a list is written one record per line as it is
    produced: C-encoded (ten times faster than indenting) and never held whole in memory."""
    import json

    out = out or sys.stdout
    if hasattr(out, "isatty") and out.isatty():
        data = list(data) if not isinstance(data, (dict, list)) else data
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if isinstance(data, dict):
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    encode = json.JSONEncoder(ensure_ascii=False).encode
    chunk: list[str] = []
    count = 0
    for record in data:
        chunk.append(encode(record))
        count += 1
        if len(chunk) == 1000:
            out.write(("[\n" if count == 1000 else ",\n") + ",\n".join(chunk))
            chunk = []
    if chunk:
        out.write(("[\n" if count == len(chunk) else ",\n") + ",\n".join(chunk))
    out.write("\n]\n" if count else "[]\n")


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def write_delimited(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, out: Any = None
) -> None:
    """CSV (RFC 4180, header row) or TSV (tabs and newlines inside cells become spaces)."""
    out = out or sys.stdout
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_flat(row.get(c)) for c in columns])
        return
    out.write("\t".join(columns) + "\n")
    for row in rows:
        cells = [_flat(row.get(c)).replace("\t", " ").replace("\r", " ").replace("\n", " ") for c in columns]
        out.write("\t".join(cells) + "\n")


def write_markdown(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: Sequence[str], out: Any = None
) -> None:
    out = out or sys.stdout

    def cell(value: Any) -> str:
        text = _flat(value).replace("\\", "\\\\").replace("|", "\\|")
        return text.replace("\r\n", "<br>").replace("\n", "<br>")

    out.write("| " + " | ".join(headers) + " |\n")
    out.write("|" + "|".join("---" for _ in headers) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(cell(row.get(c)) for c in columns) + " |\n")


def emit(rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: Sequence[str], fmt: str) -> None:
    """The machine formats shared by every listing."""
    if fmt == "json":
        write_json(rows)
    elif fmt in ("csv", "tsv"):
        write_delimited(rows, columns, fmt)
    elif fmt == "md":
        write_markdown(rows, columns, headers)


# ---------------------------------------------------------------------------------------------
# tasks

TASK_MD_HEADERS = ("编号", "部分", "工作任务", "责任单位", "具体要求", "完成时限", "归属")


def tasks_output(
    plan: Plan,
    matches: list[Match],
    fmt: str,
    color: str = "auto",
    caption: str = "",
    who: str | None = None,
) -> None:
    if fmt == "table":
        draw([tasks_table(plan, matches, caption, who)], color=color)
        return
    if fmt in ("json", "csv", "tsv"):
        emit((task_record(plan, m) for m in matches), TASK_COLUMNS, TASK_COLUMNS, fmt)
        return
    rows = [task_record(plan, m) for m in matches]
    if fmt == "md":
        md_rows = [
            {
                "id": r["id"],
                "part": f"{cn_numeral(r['part'])}、{r['part_title']}",
                "section": f"{r['section_label']}{r['section_title']}",
                "units": units_text(plan, m.task),
                "requirement": r["requirement"],
                "deadline": f"{r['deadline_text']}（{r['deadline'] or '无截止日期'}）",
                "relation": m.relation.label if m.relation else "",
            }
            for r, m in zip(rows, matches, strict=True)
        ]
        cols = ("id", "part", "section", "units", "requirement", "deadline", "relation")
        with_relation = any(m.relation for m in matches)
        n = len(cols) if with_relation else len(cols) - 1
        write_markdown(md_rows, cols[:n], TASK_MD_HEADERS[:n])


def _deadline_cell(task: Task) -> str:
    date = task.deadline.date.isoformat() if task.deadline.date else "无截止日期"
    return f"{task.deadline.text}\n{date}"


def _units_cell(plan: Plan, match: Match, who: str | None) -> Cell:
    """The 责任单位 cell; with --unit, the name that brought the row is bold and the way it came is said."""
    text = units_text(plan, match.task)
    relation = match.relation
    if relation is None:
        return text
    words = [w for w in (who if relation.kind == "direct" else None, relation.via) if w]
    spans = list(highlight(text, words, "bold"))
    if relation.via:
        note = "经由统称" if relation.kind == "group" else "可能相关，开放式表述"
        spans.append((f"\n（{note}）", "dim"))
    return spans


def _progress_cell(match: Match) -> Cell:
    """The asked unit's own part (已完成/未完成), the row's ``3/44``, and ``逾期`` in red."""
    prog = match.progress
    if prog is None:
        return ""
    spans: list[tuple[str, str]] = []
    whole = f"{len(prog.done)}/{len(prog.expected)}" if len(prog.expected) > 1 else ""
    if match.own_done is not None:
        spans.append(("已完成" if match.own_done else "未完成", "green" if match.own_done else ""))
        if whole:
            spans.append((f"\n全行 {whole}", "dim"))
    elif prog.status == "done":
        spans.append(("已完成", "green"))
    else:
        spans.append((whole or "未完成", ""))
    if match.overdue:
        spans.append(("\n逾期", "bold red"))
    return spans


def tasks_table(plan: Plan, matches: list[Match], caption: str, who: str | None = None) -> Table:
    """The rows as the official table lays them out: a heading row for each 工作任务, then its rows."""
    table = Table(
        [
            Column("编号", right=True, wrap=False),
            Column("责任单位", ratio=2),
            Column("具体要求", ratio=5),
            Column("完成时限", wrap=False),
            Column("进度", wrap=False),
        ],
        title=plan.meta.title,
        caption=caption,
    )
    previous = None
    for m in matches:
        task = m.task
        if task.section != previous:
            section = plan.section(task.section)
            if previous is not None:
                table.end_section()
            table.add_row("", "", ((f"{section.label}{section.title}", "bold"),), "", "")
            previous = task.section
        table.add_row(
            str(task.id),
            _units_cell(plan, m, who),
            task.requirement,
            _deadline_cell(task),
            _progress_cell(m),
        )
    return table


# ---------------------------------------------------------------------------------------------
# show


def expansion_record(directory: Directory, name: str, group: Group | None) -> dict[str, Any]:
    if group is None:
        unit = directory.units[name]
        return {"name": name, "kind": unit.kind, "group": False, "open": False, "members": None}
    return {
        "name": name,
        "kind": "group",
        "group": True,
        "open": group.open,
        "members": list(group.members),
        "within": list(group.within),
        "note": group.note or None,
    }


def show_record(plan: Plan, directory: Directory, task: Task) -> dict[str, Any]:
    record = task_record(plan, Match(task, None))
    record["units_text"] = units_text(plan, task)
    record["expanded"] = [expansion_record(directory, n, g) for n, g in directory.expand(task)]
    return record


def group_summary(group: Group) -> str:
    if group.open:
        where = "、".join(group.within) or "—"
        return f"开放式表述，不确定分配给具体单位；{where} 的成员可能相关"
    if not group.members:
        return "成员未知（名录中没有名单），按一个单位计"
    return f"共{len(group.members)}个单位：" + "、".join(group.members)


def show_panel(plan: Plan, directory: Directory, task: Task) -> Table:
    section = plan.section(task.section)
    part = plan.part(task.part)
    grid = Table([Column("", wrap=False), Column("", ratio=1)], box=False, first_bold=True)
    grid.add_row("编号", str(task.id))
    grid.add_row("部分", f"{part.label}{part.title}")
    grid.add_row("工作任务", f"{section.label}{section.title}")
    grid.add_row("责任单位", units_text(plan, task))
    grid.add_row("具体要求", task.requirement)
    date = task.deadline.date.isoformat() if task.deadline.date else "无截止日期"
    grid.add_row("完成时限", f"{task.deadline.text}（{date}）")
    for name, group in directory.expand(task):
        if group is not None:
            grid.add_row("统称", f"{name}：{group_summary(group)}")
    return grid


# ---------------------------------------------------------------------------------------------
# units


def unit_records(plan: Plan, directory: Directory) -> dict[str, Any]:
    from .units import derived_aliases

    direct: dict[str, int] = {}
    for task in plan.tasks:
        for name in task.units:
            direct[name] = direct.get(name, 0) + 1
    units = [
        {
            "name": u.name,
            "kind": u.kind,
            "kind_label": u.kind_label,
            "full_name": u.full_name or None,
            "aliases": list(dict.fromkeys([*u.aliases, *derived_aliases(u)])),
            "groups": [g.name for g in directory.groups_of(u.name)],
            "direct_tasks": direct.get(u.name, 0),
            "note": u.note or None,
        }
        for u in plan.units
    ]
    groups = [
        {
            "name": g.name,
            "open": g.open,
            "members": list(g.members),
            "within": list(g.within),
            "aliases": list(g.aliases),
            "direct_tasks": direct.get(g.name, 0),
            "note": g.note or None,
        }
        for g in plan.groups
    ]
    return {"units": units, "groups": groups}


UNIT_COLUMNS = ("name", "kind", "kind_label", "full_name", "aliases", "groups", "direct_tasks", "note")
UNIT_HEADERS = ("名称", "类别代码", "类别", "全称", "别名", "所属统称", "直接点名的任务数", "备注")


def units_tables(records: dict[str, Any]) -> list[Table]:
    units = Table(
        [
            Column("名称", ratio=2, min_width=8),
            Column("类别", ratio=2, min_width=8),
            Column("别名", ratio=3),
            Column("所属统称", ratio=2),
            Column("点名任务", right=True, wrap=False),
            Column("备注", ratio=3),
        ],
        title="单位名录",
    )
    for u in records["units"]:
        units.add_row(
            u["name"],
            u["kind_label"],
            "、".join(u["aliases"]),
            "、".join(u["groups"]),
            str(u["direct_tasks"]),
            u["note"] or "",
        )
    groups = Table(
        [
            Column("统称", wrap=False),
            Column("点名任务", right=True, wrap=False),
            Column("成员", ratio=3),
            Column("说明", ratio=2),
        ],
        title="统称",
    )
    for g in records["groups"]:
        group = Group(g["name"], tuple(g["members"]), g["open"], tuple(g["within"]))
        groups.add_row(g["name"], str(g["direct_tasks"]), group_summary(group), g["note"] or "")
    return [units, groups]


# ---------------------------------------------------------------------------------------------
# log

EVENT_COLUMNS = (
    "seq",
    "at",
    "at_local",
    "action",
    "task_id",
    "unit",
    "done_on",
    "note",
    "by",
    "source",
    "plan",
)
EVENT_HEADERS = (
    "序号",
    "时间(UTC)",
    "时间",
    "操作",
    "编号",
    "单位",
    "完成日期",
    "备注",
    "操作人",
    "来源",
    "计划",
)
ACTION_LABELS = {"done": "标记完成", "undo": "撤销"}


def event_records(events: Sequence[Event], tz_name: str) -> list[dict[str, Any]]:
    import datetime as dt

    from .dates import plan_zone

    zone = plan_zone(tz_name)
    out = []
    for e in events:
        local = dt.datetime.fromisoformat(e.at).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        out.append(
            {
                "seq": e.seq,
                "at": e.at,
                "at_local": local,
                "action": e.action,
                "task_id": e.task_id,
                "unit": e.unit,
                "done_on": e.done_on.isoformat() if e.done_on else None,
                "note": e.note,
                "by": e.by,
                "source": e.source,
                "plan": e.plan,
            }
        )
    return out


def log_table(records: list[dict[str, Any]]) -> Table:
    table = Table(
        [
            Column("时间", wrap=False),
            Column("操作", wrap=False),
            Column("编号", right=True, wrap=False),
            Column("单位", ratio=2, min_width=8),
            Column("完成日期", wrap=False),
            Column("备注", ratio=3),
            Column("操作人", ratio=1, min_width=8),
        ],
        title="完成情况历史",
    )
    for r in records:
        table.add_row(
            r["at_local"][:16],
            ACTION_LABELS.get(r["action"], r["action"]) + ("（导入）" if r["source"] == "import" else ""),
            str(r["task_id"]),
            r["unit"],
            r["done_on"] or "",
            r["note"] or "",  # control characters are shown as \xNN by the table itself
            r["by"],
        )
    return table


# ---------------------------------------------------------------------------------------------
# status, overdue, due

STATUS_COLUMNS = (
    "key",
    "label",
    "rows",
    "done",
    "partial",
    "open",
    "overdue",
    "due_soon",
    "done_parts",
    "parts",
    "progress",
    "light",
)
STATUS_HEADERS = (
    "键",
    "名称",
    "任务数",
    "已完成",
    "部分完成",
    "未完成",
    "逾期",
    "临近",
    "已完成份数",
    "总份数",
    "完成率",
    "状态",
)
LIGHT_STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "green"}


def status_records(lines: Sequence[StatusLine]) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "label": s.label,
            "rows": s.rows,
            "done": s.done,
            "partial": s.partial,
            "open": s.open,
            "overdue": s.overdue,
            "due_soon": s.due_soon,
            "done_parts": s.done_parts,
            "parts": s.parts,
            "progress": round(s.ratio, 4),
            "light": s.light,
        }
        for s in lines
    ]


def progress_bar(ratio: float, width: int = 8) -> str:
    """A bar that reads without colour: ``███░░░░░  40%`` (full only when everything is done)."""
    filled = min(width, int(ratio * width))
    full, empty = ("#", "-") if ASCII else ("█", "░")
    return full * filled + empty * (width - filled) + f" {int(ratio * 100):>3d}%"


def status_table(lines: Sequence[StatusLine], by: str, caption: str) -> Table:
    title = {"unit": "各单位完成情况", "section": "各项工作任务完成情况", "part": "各部分完成情况"}[by]
    numbers = ("任务", "完成", *(("部分",) if by != "unit" else ()), "未完", "逾期", "临近")
    table = Table(
        [
            Column("状态", wrap=False),
            Column({"unit": "单位", "section": "工作任务", "part": "部分"}[by], ratio=1, min_width=10),
            *(Column(h, right=True, wrap=False) for h in numbers),
            Column("进度", wrap=False),
        ],
        title=title,
        caption=caption,
    )
    for s in lines:
        cells: list[Cell] = [
            ((f"{'*' if ASCII else '●'} {LIGHT_LABELS[s.light]}", LIGHT_STYLES[s.light]),),
            s.label,
            str(s.rows),
            str(s.done),
        ]
        if by != "unit":
            cells.append(str(s.partial))
        cells += [
            str(s.open),
            ((str(s.overdue), "bold red" if s.overdue else ""),),
            ((str(s.due_soon), "yellow" if s.due_soon else ""),),
            progress_bar(s.ratio),
        ]
        table.add_row(*cells)
    return table


PAIR_COLUMNS = (
    "id",
    "unit",
    "via",
    "part",
    "section",
    "section_label",
    "section_title",
    "requirement",
    "deadline",
    "deadline_text",
)


def pair_records(plan: Plan, pairs: Sequence[Pair], days_key: str) -> Iterator[dict[str, Any]]:
    common: dict[int, dict[str, Any]] = {}  # what every pair of one row shares, built once per row
    for p in pairs:
        task = p.task
        rest = common.get(task.id)
        if rest is None:
            section = plan.section(task.section)
            rest = common[task.id] = {
                "part": task.part,
                "section": task.section,
                "section_label": section.label,
                "section_title": section.title,
                "requirement": task.requirement,
                "deadline": task.deadline.date.isoformat() if task.deadline.date else None,
                "deadline_text": task.deadline.text,
            }
        yield {"id": task.id, "unit": p.unit, "via": p.via, **rest, days_key: p.days}


def pairs_table(plan: Plan, pairs: Sequence[Pair], title: str, days_header: str, caption: str) -> Table:
    """One line per (row, unit), grouped by unit as a coordinator reads it out at a meeting."""
    table = Table(
        [
            Column("单位", ratio=2),
            Column("编号", right=True, wrap=False),
            Column("具体要求", ratio=6),
            Column("完成时限", wrap=False),
            Column(days_header, right=True, wrap=False),
        ],
        title=title,
        caption=caption,
    )
    days_style = "bold red" if days_header == "逾期天数" else "yellow"
    for i, p in enumerate(pairs):
        first = i == 0 or pairs[i - 1].unit != p.unit
        last = i + 1 == len(pairs) or pairs[i + 1].unit != p.unit
        requirement: Cell = p.task.requirement
        if p.via:
            requirement = ((p.task.requirement, ""), (f"\n（经由统称：{p.via}）", "dim"))
        table.add_row(
            p.unit if first else "",
            str(p.task.id),
            requirement,
            _deadline_cell(p.task),
            ((str(p.days), days_style),),
            end_section=last,
        )
    return table


def pairs_digest_table(pairs: Sequence[Pair], title: str, days_header: str, caption: str) -> Table:
    """One line per unit, for reports too long to read row by row: how many, which, the worst."""
    by_unit: dict[str, list[Pair]] = {}
    for p in pairs:
        by_unit.setdefault(p.unit, []).append(p)
    overdue = days_header == "逾期天数"
    table = Table(
        [
            Column("单位", ratio=2),
            Column("项数", right=True, wrap=False),
            Column("编号", ratio=5),
            Column("最多逾期天数" if overdue else "最少剩余天数", right=True, wrap=False),
        ],
        title=title,
        caption=caption,
    )
    rows = sorted(by_unit.items(), key=lambda kv: -len(kv[1]))
    for unit, items in rows:
        ids = [str(p.task.id) for p in items]
        shown = ", ".join(ids[:40]) + (f" ……等 {len(ids)} 项" if len(ids) > 40 else "")
        worst = max(p.days for p in items) if overdue else min(p.days for p in items)
        table.add_row(unit, str(len(items)), shown, str(worst))
    return table
