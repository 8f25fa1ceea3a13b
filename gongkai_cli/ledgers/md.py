"""The Markdown report: progress by part, overdue items, progress by unit."""

from __future__ import annotations

import io

from ..queries import LIGHT_LABELS, is_placeholder, overdue_pairs
from ..text import md_text
from . import Ledger, title_of, wanted


def _md(text: object, line_start: bool = False) -> str:
    """Plan and unit text as written: nothing in it is read as Markdown (``text.md_text``)."""
    return md_text(str(text), line_start)


def to_markdown(ledger: Ledger) -> bytes:
    out = io.StringIO()
    meta = ledger.plan.meta
    rows = ledger.rows
    done = sum(1 for r in rows if r.status == "done")
    done_late = sum(1 for r in rows if r.state == "done_late")
    late = sum(1 for r in rows if r.overdue)
    out.write(f"# {_md(title_of(ledger), line_start=True)}\n\n")
    out.write(
        f"{_md(meta.doc_number, line_start=True)}　截至 {ledger.as_of.isoformat()}：共 {len(rows)} 项，"
    )
    out.write(f"已完成 {done} 项（按时完成 {done - done_late} 项，逾期完成 {done_late} 项），")
    out.write(f"逾期未完成 {late} 项。\n\n")
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
        for p in overdue_pairs(ledger.plan, ledger.directory, ledger.completion, ledger.as_of)
        if wanted(ledger, p.unit) and not is_placeholder(ledger.directory, p.unit)
    ]
    out.write("\n## 逾期未完成\n\n")
    if pairs:
        out.write("| 单位 | 编号 | 具体要求 | 完成时限 | 逾期天数 |\n|---|---:|---|---|---:|\n")
        for p in pairs:
            out.write(
                f"| {_md(p.unit)} | {p.task.id} | {_md(p.task.requirement)} "
                f"| {_md(p.task.deadline.shown)} | {p.days} |\n"
            )
    else:
        out.write("没有。\n")
    out.write(
        "\n## 各单位进度\n\n| 单位 | 任务 | 已完成 | 按时完成 | 逾期完成 | 逾期 | 完成率 | 状态 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = ledger.units_lines()
    for line in (line for line in lines if not line.placeholder):
        out.write(
            f"| {_md(line.label)} | {line.rows} | {line.done} | {line.done_on_time} | {line.done_late} "
            f"| {line.overdue} | {line.ratio:.0%} | {LIGHT_LABELS[line.light]} |\n"
        )
    placeholders = [line for line in lines if line.placeholder]
    if placeholders:
        out.write("\n## 待认领\n\n开放式表述，不是具体单位：由实际承办的单位认领。\n\n")
        out.write("| 表述 | 任务 | 已认领 | 待认领 |\n|---|---:|---:|---:|\n")
        for line in placeholders:
            out.write(f"| {_md(line.label)} | {line.rows} | {line.done} | {line.open} |\n")
    return out.getvalue().encode("utf-8")
