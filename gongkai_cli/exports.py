"""Ledgers for reporting upward: XLSX 台账, an ICS deadline calendar, an HTML page, a Markdown report.

Every export is built whole in memory from the plan and the marks, then written atomically by the CLI.
Text from the plan and from notes is data in every format: never a spreadsheet formula, never markup.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import Mark, Plan, Task
from .queries import (
    LIGHT_LABELS,
    StatusLine,
    TaskFilter,
    is_overdue,
    overdue_pairs,
    responsible_pairs,
    select_tasks,
    status_lines,
)
from .units import Directory

STATUS_WORDS = {"done": "已完成", "partial": "部分完成", "open": "未开始"}


@dataclass(frozen=True)
class Row:
    """One row of the ledger with everything every format shows."""

    task: Task
    part_label: str
    section_label: str
    units_text: str
    status: str  # done / partial / open
    overdue: bool
    done_units: tuple[str, ...]
    pending_units: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]  # (unit, note) for marks with a note
    last_done: dt.date | None


@dataclass(frozen=True)
class Ledger:
    plan: Plan
    directory: Directory
    as_of: dt.date
    window: int
    unit: str | None  # the one unit the export is for, if any
    rows: tuple[Row, ...]
    marks: dict[tuple[int, str], Mark]

    def units_lines(self) -> list[StatusLine]:
        who = self.directory.resolve(self.unit) if self.unit else None
        return status_lines(self.plan, self.directory, set(self.marks), "unit", self.as_of, self.window, who)

    def part_lines(self) -> list[StatusLine]:
        who = self.directory.resolve(self.unit) if self.unit else None
        lines = status_lines(self.plan, self.directory, set(self.marks), "part", self.as_of, self.window, who)
        return sorted(lines, key=lambda s: int(s.key))


def build_ledger(
    plan: Plan,
    directory: Directory,
    marks: dict[tuple[int, str], Mark],
    as_of: dt.date,
    window: int = 7,
    unit: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> Ledger:
    """The ledger's rows; ``tick(n)`` is called as rows are done (for a progress bar)."""
    from .render import units_text

    who = directory.resolve(unit) if unit else None
    marked = set(marks)
    matches = select_tasks(plan, directory, TaskFilter(who=who, as_of=as_of), marked)
    rows = []
    for m in matches:
        task = m.task
        prog = m.progress
        assert prog is not None  # select_tasks always measures progress
        mine = [marks[(task.id, u)] for u in prog.done]
        part = plan.part(task.part)
        section = plan.section(task.section)
        rows.append(
            Row(
                task=task,
                part_label=f"{part.label}{part.title}",
                section_label=f"{section.label}{section.title}",
                units_text=units_text(plan, task),
                status=prog.status,
                overdue=is_overdue(task, prog.status == "done", as_of),
                done_units=prog.done,
                pending_units=prog.pending,
                evidence=tuple((mk.unit, mk.note) for mk in mine if mk.note),
                last_done=max((mk.done_on for mk in mine), default=None),
            )
        )
        if tick is not None and len(rows) % 100 == 0:
            tick(100)
    return Ledger(plan, directory, as_of, window, who.name if who else None, tuple(rows), marks)


def _title(ledger: Ledger) -> str:
    return ledger.plan.meta.title + (f"（{ledger.unit}）" if ledger.unit else "")


# ---------------------------------------------------------------------------------------------
# XLSX


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what the XLSX format cannot hold


def _shown(match: re.Match[str]) -> str:
    """A character a format cannot hold, written as text: \\x1b."""
    return f"\\x{ord(match.group()):02x}"


def _cell_text(text: str) -> str:
    return _ILLEGAL.sub(_shown, text)


def to_xlsx(ledger: Ledger) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "台账"
    wb.properties.title = _title(ledger)
    wb.properties.creator = "gongkai"
    columns = [
        ("编号", 6),
        ("部分", 20),
        ("工作任务", 24),
        ("责任单位", 30),
        ("具体要求", 60),
        ("完成时限", 10),
        ("截止日期", 12),
        ("完成情况", 10),
        ("进度", 8),
        ("未完成单位", 30),
        ("佐证材料", 40),
        ("最近完成日期", 13),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    for col, (header, width) in enumerate(columns, 1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(ledger.rows, 2):
        task = row.task
        evidence = "\n".join(f"{unit}：{note}" for unit, note in row.evidence)
        values: list[str | int | dt.date | None] = [
            task.id,
            row.part_label,
            row.section_label,
            row.units_text,
            task.requirement,
            task.deadline.text,
            task.deadline.date,
            STATUS_WORDS[row.status] + ("（逾期）" if row.overdue else ""),
            f"{len(row.done_units)}/{len(row.done_units) + len(row.pending_units)}",
            "、".join(row.pending_units),
            evidence,
            row.last_done,
        ]
        for col, value in enumerate(values, 1):
            target: Any = ws.cell(row=r, column=col)
            if isinstance(value, str):
                target.value = _cell_text(value)
                target.data_type = "s"  # text, even when it starts with = + - @
            else:
                target.value = value
            if isinstance(value, dt.date):
                target.number_format = "yyyy-mm-dd"
            target.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(ledger.rows) + 1)}"

    summary = wb.create_sheet("单位汇总")
    headers = [
        ("单位", 24),
        ("任务数", 8),
        ("已完成", 8),
        ("未完成", 8),
        ("逾期", 8),
        ("临近", 8),
        ("完成率", 9),
        ("状态", 8),
    ]
    fills = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
    for col, (header, width) in enumerate(headers, 1):
        cell = summary.cell(row=1, column=col, value=header)
        cell.font = bold
        summary.column_dimensions[get_column_letter(col)].width = width
    for r, line in enumerate(ledger.units_lines(), 2):
        name = summary.cell(row=r, column=1, value=_cell_text(line.label))
        name.data_type = "s"
        for col, value in enumerate((line.rows, line.done, line.open, line.overdue, line.due_soon), 2):
            summary.cell(row=r, column=col, value=value)
        ratio = summary.cell(row=r, column=7, value=round(line.ratio, 4))
        ratio.number_format = "0%"
        light = summary.cell(row=r, column=8, value=LIGHT_LABELS[line.light])
        light.fill = PatternFill("solid", fgColor=fills[line.light])
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = f"A1:H{max(1, summary.max_row)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# ICS


def ics_uid(plan: Plan, task_id: int, unit: str) -> str:
    """Stable across exports, so a calendar that re-imports the file updates instead of duplicating."""
    import zlib

    key = f"{plan.meta.identity}|{task_id}|{unit}".encode()
    plan_part = f"{zlib.crc32(plan.meta.identity.encode()):08x}"
    return f"gongkai-{plan_part}-{task_id}-{zlib.adler32(key):08x}{zlib.crc32(key):08x}"


def _pairs(ledger: Ledger) -> Iterator[tuple[Row, str]]:
    for row in ledger.rows:
        for unit, _via in responsible_pairs(ledger.directory, row.task):
            if _wanted(ledger, unit):
                yield row, unit


def _wanted(ledger: Ledger, unit: str) -> bool:
    """With --unit, only that unit's parts (or its members', when it is a group)."""
    if ledger.unit is None or unit == ledger.unit:
        return True
    group = ledger.directory.groups.get(ledger.unit)
    return group is not None and unit in group.members


def _ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped; other
    control characters, which the format cannot hold, shown as \\xNN."""
    value = value.replace("\r\n", "\n")
    value = _ICS_CONTROL.sub(_shown, value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


_ICS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # control characters but tab and newline


def _ics_line(line: str) -> bytes:
    """One content line, folded at 75 octets (RFC 5545 3.1) without splitting a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    out = bytearray()
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: step back to the character's start
            end -= 1
        out += data[start:end] + b"\r\n "
        start, limit = end, 74  # a folded line begins with one space
    out += data[start:] + b"\r\n"
    return bytes(out)


def to_ics(ledger: Ledger, reminder_days: int = 3) -> Iterator[bytes]:
    """The calendar, one VTODO at a time: a city's plan has hundreds of thousands of them.

    Written directly rather than through a calendar library, which cost 0.4 ms and 13 KB of
    memory per item (76 s and 2.5 GB for a 10,000-row plan); tests read it back with icalendar."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_ics_text('-//gongkai//政务公开重点工作任务//ZH')}",
        f"X-WR-CALNAME:{_ics_text(_title(ledger))}",
        f"X-WR-TIMEZONE:{_ics_text(ledger.plan.meta.timezone)}",
    ]
    yield b"".join(map(_ics_line, head))
    china = dt.timezone(dt.timedelta(hours=8))
    for row, unit in _pairs(ledger):
        task = row.task
        if task.deadline.date is None:
            continue
        more = "…" if len(task.requirement) > 40 else ""
        description = (
            f"{row.section_label}\n责任单位：{row.units_text}\n具体要求：{task.requirement}\n"
            f"完成时限：{task.deadline.text}"
        )
        lines = [
            "BEGIN:VTODO",
            f"UID:{ics_uid(ledger.plan, task.id, unit)}",
            f"DTSTAMP:{stamp}",
            f"SUMMARY:{_ics_text(f'【{unit}】任务{task.id}：{task.requirement[:40]}{more}')}",
            f"DESCRIPTION:{_ics_text(description)}",
            f"DUE;VALUE=DATE:{task.deadline.date.strftime('%Y%m%d')}",
            f"CATEGORIES:{_ics_text(row.section_label)}",
        ]
        mark = ledger.marks.get((task.id, unit))
        if mark is not None:
            done = dt.datetime.combine(mark.done_on, dt.time(12), tzinfo=china).astimezone(dt.timezone.utc)
            lines += ["STATUS:COMPLETED", f"COMPLETED:{done.strftime('%Y%m%dT%H%M%SZ')}"]
        else:
            lines.append("STATUS:NEEDS-ACTION")
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_ics_text(f'任务{task.id}（{unit}）{reminder_days} 天后到期')}",
            f"TRIGGER;RELATED=END:-P{reminder_days}D",
            "END:VALARM",
            "END:VTODO",
        ]
        yield b"".join(map(_ics_line, lines))
    yield _ics_line("END:VCALENDAR")


# ---------------------------------------------------------------------------------------------
# Markdown


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def to_markdown(ledger: Ledger) -> bytes:
    out = io.StringIO()
    meta = ledger.plan.meta
    rows = ledger.rows
    done = sum(1 for r in rows if r.status == "done")
    late = sum(1 for r in rows if r.overdue)
    out.write(f"# {_md(_title(ledger))}\n\n")
    out.write(f"{_md(meta.doc_number)}　截至 {ledger.as_of.isoformat()}：共 {len(rows)} 项，")
    out.write(f"已完成 {done} 项，逾期未完成 {late} 项。\n\n")
    out.write(
        "## 各部分进度\n\n| 部分 | 任务 | 已完成 | 逾期 | 完成率 | 状态 |\n|---|---:|---:|---:|---:|---|\n"
    )
    for line in ledger.part_lines():
        out.write(
            f"| {_md(line.label)} | {line.rows} | {line.done} | {line.overdue} | {line.ratio:.0%} "
            f"| {LIGHT_LABELS[line.light]} |\n"
        )
    pairs = [
        p
        for p in overdue_pairs(ledger.plan, ledger.directory, set(ledger.marks), ledger.as_of)
        if _wanted(ledger, p.unit)
    ]
    out.write("\n## 逾期未完成\n\n")
    if pairs:
        out.write("| 单位 | 编号 | 具体要求 | 完成时限 | 逾期天数 |\n|---|---:|---|---|---:|\n")
        for p in pairs:
            out.write(
                f"| {_md(p.unit)} | {p.task.id} | {_md(p.task.requirement)} "
                f"| {_md(p.task.deadline.text)} | {p.days} |\n"
            )
    else:
        out.write("没有。\n")
    out.write(
        "\n## 各单位进度\n\n| 单位 | 任务 | 已完成 | 逾期 | 完成率 | 状态 |\n|---|---:|---:|---:|---:|---|\n"
    )
    for line in ledger.units_lines():
        out.write(
            f"| {_md(line.label)} | {line.rows} | {line.done} | {line.overdue} | {line.ratio:.0%} "
            f"| {LIGHT_LABELS[line.light]} |\n"
        )
    return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained file, no network; everything from the data is escaped

_CSS = """
:root{--red:#c0392b;--yellow:#d4a017;--green:#2e8b57;--line:#ddd}
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1100px;padding:12px;line-height:1.5;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid var(--line)}
.meta{color:#555;font-size:.9em}.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:90px}
.card b{display:block;font-size:1.4em}
.bar{background:#eee;border-radius:4px;height:12px;min-width:80px;position:relative}
.bar>span{display:block;height:100%;border-radius:4px;background:var(--green)}
td.lamp{white-space:nowrap}
.light{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:middle;margin-right:4px}
.red{background:var(--red)}.yellow{background:var(--yellow)}.green{background:var(--green)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid var(--line);padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f5f5f5}td.num{text-align:right;white-space:nowrap}.late{color:var(--red);font-weight:bold}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.filters input,.filters select{font-size:1em;padding:4px}
tr[hidden]{display:none}
"""

_JS = """
(function(){
  var rows=[].slice.call(document.querySelectorAll('#tasks tbody tr'));
  var q=document.getElementById('f-text'),u=document.getElementById('f-unit'),
      s=document.getElementById('f-status'),n=document.getElementById('f-count');
  function apply(){
    var text=q.value.trim(),unit=u.value,status=s.value,shown=0;
    rows.forEach(function(r){
      var ok=(!text||r.textContent.indexOf(text)>=0)
        &&(!unit||r.getAttribute('data-units').indexOf('|'+unit+'|')>=0)
        &&(!status||(status==='overdue'?r.getAttribute('data-overdue')==='1':r.getAttribute('data-status')===status));
      r.hidden=!ok;if(ok)shown++;
    });
    n.textContent='显示 '+shown+' / '+rows.length+' 项';
  }
  var h=decodeURIComponent(location.hash.slice(1)).split('&');
  h.forEach(function(kv){var p=kv.split('=');if(p[0]==='unit')u.value=p[1]||'';
    if(p[0]==='status')s.value=p[1]||'';if(p[0]==='q')q.value=p[1]||'';});
  [q,u,s].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  apply();document.body.setAttribute('data-ready','1');
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bar(ratio: float) -> str:
    pct = int(ratio * 100)
    return (
        f'<div class="bar" role="progressbar" aria-valuenow="{pct}"><span style="width:{pct}%"></span></div>'
    )


def _light(light: str) -> str:
    return f'<span class="light {light}"></span>{_e(LIGHT_LABELS[light])}'


def _progress_table(lines: list[StatusLine], what: str) -> str:
    out = [f'<div class="scroll"><table><thead><tr><th>{_e(what)}</th><th>任务</th><th>已完成</th>'
           "<th>逾期</th><th>临近</th><th>进度</th><th>状态</th></tr></thead><tbody>"]  # fmt: skip
    for line in lines:
        out.append(
            f'<tr class="progress-row"><td>{_e(line.label)}</td><td class="num">{line.rows}</td>'
            f'<td class="num">{line.done}</td><td class="num">{line.overdue}</td>'
            f'<td class="num">{line.due_soon}</td>'
            f"<td>{_bar(line.ratio)} {int(line.ratio * 100)}%</td>"
            f'<td class="lamp">{_light(line.light)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def to_html(ledger: Ledger) -> bytes:
    meta = ledger.plan.meta
    rows = ledger.rows
    done = sum(1 for r in rows if r.status == "done")
    late = sum(1 for r in rows if r.overdue)
    partial = sum(1 for r in rows if r.status == "partial")
    unit_names = sorted({u for r in rows for u in (*r.done_units, *r.pending_units)})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(_title(ledger))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(_title(ledger))}</h1>",
        f'<p class="meta">{_e(meta.doc_number)} · {_e(meta.issuer)} · 截至 {ledger.as_of.isoformat()}'
        f" · 生成于 {dt.date.today().isoformat()}</p>",
        '<div class="cards">',
        f'<div class="card">任务<b>{len(rows)}</b></div><div class="card">已完成<b>{done}</b></div>',
        f'<div class="card">部分完成<b>{partial}</b></div>'
        f'<div class="card">逾期未完成<b class="late">{late}</b></div></div>',
        "<h2>各部分进度</h2>",
        _progress_table(ledger.part_lines(), "部分"),
        "<h2>各单位进度</h2>",
        _progress_table(ledger.units_lines(), "单位"),
        "<h2>逾期未完成</h2>",
    ]
    pairs = [
        p
        for p in overdue_pairs(ledger.plan, ledger.directory, set(ledger.marks), ledger.as_of)
        if _wanted(ledger, p.unit)
    ]
    if pairs:
        parts.append('<div class="scroll"><table id="overdue"><thead><tr><th>单位</th><th>编号</th>'
                     '<th>具体要求</th>'
                     "<th>完成时限</th><th>逾期天数</th></tr></thead><tbody>")  # fmt: skip
        for p in pairs:
            parts.append(
                f'<tr><td>{_e(p.unit)}</td><td class="num">{p.task.id}</td><td>{_e(p.task.requirement)}</td>'
                f'<td>{_e(p.task.deadline.text)}</td><td class="num late">{p.days}</td></tr>'
            )
        parts.append("</tbody></table></div>")
    else:
        parts.append("<p>没有。</p>")
    parts += [
        "<h2>全部任务</h2>",
        '<div class="filters"><input id="f-text" type="search" placeholder="查找具体要求、单位……">',
        '<select id="f-unit"><option value="">全部单位</option>',
        *(f'<option value="{_e(u)}">{_e(u)}</option>' for u in unit_names),
        '</select><select id="f-status"><option value="">全部状态</option>'
        '<option value="open">未开始</option>'
        '<option value="partial">部分完成</option><option value="done">已完成</option>'
        '<option value="overdue">逾期</option></select><span id="f-count"></span></div>',
        '<div class="scroll"><table id="tasks"><thead><tr><th>编号</th><th>工作任务</th><th>责任单位</th>'
        "<th>具体要求</th><th>完成时限</th><th>完成情况</th><th>佐证材料</th></tr></thead><tbody>",
    ]
    for row in rows:
        task = row.task
        units = "|" + "|".join((*row.done_units, *row.pending_units)) + "|"
        state = (
            STATUS_WORDS[row.status]
            + f"（{len(row.done_units)}/{len(row.done_units) + len(row.pending_units)}）"
        )
        evidence = "<br>".join(f"{_e(unit)}：{_e(note)}" for unit, note in row.evidence)
        parts.append(
            f'<tr data-units="{_e(units)}" data-status="{row.status}" data-overdue="{int(row.overdue)}">'
            f'<td class="num">{task.id}</td><td>{_e(row.section_label)}</td><td>{_e(row.units_text)}</td>'
            f"<td>{_e(task.requirement)}</td><td>{_e(task.deadline.text)}<br>"
            f"{task.deadline.date.isoformat() if task.deadline.date else '无截止日期'}</td>"
            f'<td class="{"late" if row.overdue else ""}">{_e(state)}{"<br>逾期" if row.overdue else ""}</td>'
            f"<td>{evidence}</td></tr>"
        )
    parts += ["</tbody></table></div>", f"<script>{_JS}</script></body></html>"]
    return "\n".join(parts).encode("utf-8")


FORMATS: dict[str, Callable[[Ledger], bytes | Iterator[bytes]]] = {
    "xlsx": to_xlsx,
    "ics": to_ics,
    "html": to_html,
    "md": to_markdown,
}
