"""Ledgers for reporting upward: export."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .app import GongkaiCommand
from .options import (
    ARGUMENTS,
    AllOpt,
    AsOfOpt,
    PlanOpt,
    ScopeOpt,
    StateOpt,
    WindowOpt,
    choice,
    opt,
    report_notes,
    say,
    scope_words,
    workspace,
)

app = typer.Typer()

PROGRESS_FROM = 500  # rows from which an export shows a progress bar (on a terminal only)


@app.command(cls=GongkaiCommand)
def export(
    kind: Annotated[
        str,
        typer.Argument(
            help="格式：xlsx（台账）、ics（截止日期日历）、html（进度页面）、md（Markdown 报告）、"
            "docx（按原表格式排版的分解表，Word 文档）",
            metavar="FORMAT",
            callback=choice("FORMAT", ("xlsx", "ics", "html", "md", "docx")),
            show_default=False,
            rich_help_panel=ARGUMENTS,
        ),
    ],
    output: Annotated[str, opt("--output", "-o", help="输出文件；已存在时整体替换（必填）", metavar="PATH")],
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    as_of: AsOfOpt = None,
    window: WindowOpt = "7d",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导出台账（xlsx）、截止日期日历（ics）、进度页面（html）、Markdown 报告或 Word 分解表（docx）。

    docx 按原表格式排版（A4 横向；部分为通栏标题行，工作任务向下合并，责任单位每个一段），可以打印、
    下发，也可以再用 gongkai import 读回。加 --unit 只导出该单位的行。

    示例：gongkai export xlsx -o 2023政务公开台账.xlsx
    """
    from ..output.files import write_atomically

    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    day = ws.date(as_of, ws.today)
    if sys.stderr.isatty() and len(ws.plan.tasks) >= PROGRESS_FROM:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            step = bar.add_task("整理任务", total=len(ws.plan.tasks))
            tick: Any = lambda n: bar.advance(step, n)  # noqa: E731
            rows, data = ws.ledger(kind, day, scope, window, tick)
            bar.update(step, completed=len(ws.plan.tasks))
            bar.add_task(f"生成 {kind.upper()}", total=None)
            write_atomically(Path(output), data)
    else:
        rows, data = ws.ledger(kind, day, scope, window)
        write_atomically(Path(output), data)
    report_notes(ws, scope, day, "table")
    say(f"已导出 {rows} 项任务到 {output}（{ws.plan_label}）" + (f"（单位：{scope_words(scope)}）" if scope.names else ""))
