"""Ledgers for reporting upward: export."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from .app import GongkaiCommand
from .options import (
    AllOpt,
    AsOfOpt,
    PlanOpt,
    ScopeOpt,
    StateOpt,
    WindowOpt,
    arg,
    choice,
    offer_values,
    opt,
    report_notes,
    say,
    scope_words,
    workspace,
)

export_app = typer.Typer(add_completion=False)

PROGRESS_FROM = 500  # rows from which an export shows a progress bar (on a terminal only)


LEDGERS = ("xlsx", "csv", "ics", "html", "md", "docx")


@export_app.command(cls=GongkaiCommand)
def export(
    kind: Annotated[
        str,
        arg(
            "格式：xlsx（台账）、csv（台账，Excel 可直接打开）、ics（截止日期日历）、html（进度页面）、"
            "md（Markdown 报告）、docx（Word：分解表或完成情况报告，见 --kind）",
            "FORMAT",
            callback=choice("FORMAT", LEDGERS),
            autocompletion=offer_values(LEDGERS),
        ),
    ],
    output: Annotated[
        str,
        opt(
            "--output",
            "-o",
            help="输出文件；已存在时整体替换（必填）。csv 可用 - 输出到标准输出",
            metavar="PATH",
        ),
    ],
    doc_kind: Annotated[
        str,
        opt(
            "--kind",
            help="docx 的内容：table（按原表格式排版的分解表）、report（完成情况报告）",
            metavar="KIND",
            callback=choice("KIND", ("table", "report")),
        ),
    ] = "table",
    bom: Annotated[
        bool | None,
        opt(
            "--bom/--no-bom",
            help="csv 开头是否写 BOM（UTF-8 签名，Excel 靠它识别编码）；"
            "默认写入文件时写、输出到标准输出时不写",
            show_default=False,
        ),
    ] = None,
    per_unit: Annotated[
        bool,
        opt("--per-unit", help="ics 每个单位的每项任务一条待办（默认每项任务一条，单位写在说明里）"),
    ] = False,
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    as_of: AsOfOpt = None,
    window: WindowOpt = "7d",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导出台账（xlsx、csv）、截止日期日历（ics）、进度页面（html）、Markdown 报告或 Word 文档（docx）。

    xlsx 台账可直接打印：A4 横向、一页宽、每页重复表头、页脚页码，首行标题和“截至 …”日期；另有
    单位汇总表。csv 与 xlsx 台账同列，写入文件时带 BOM、CRLF 换行，以 = + - @ 开头的单元格前加 '，
    Excel 直接打开不乱码、不执行公式。docx 默认按原表格式排版分解表（可以打印、下发，也可以再用
    gongkai import 读回）；--kind report 为完成情况报告（汇总、逾期清单、全表）。ics 每项任务一条待办
    （全部责任单位完成才算完成；“持续推进”等没有具体日期的任务不列入），--per-unit 或 --unit 时按单位
    逐条。加 --unit 只导出该单位的行。

    示例：gongkai export xlsx -o 2023政务公开台账.xlsx
    """
    from ..output.files import write_atomically

    options: dict[str, Any] = {}
    if kind == "docx":
        options["content"] = doc_kind
    elif doc_kind != "table":
        raise UsageError("--kind 只用于 docx")
    if kind == "csv":
        options["bom"] = output != "-" if bom is None else bom
    elif bom is not None:
        raise UsageError("--bom 只用于 csv")
    if output == "-" and kind != "csv":
        raise UsageError("只有 csv 可以输出到标准输出（-o -）")
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    if kind == "ics":
        options["per_unit"] = per_unit or bool(scope.names)
    elif per_unit:
        raise UsageError("--per-unit 只用于 ics")
    day = ws.date(as_of, ws.today)
    if output == "-":
        rows, data = ws.ledger(kind, day, scope, window, **options)
        assert isinstance(data, bytes)
        if sys.stdout.isatty():  # a person reading it: nothing in a note may act on the terminal
            from ..text import inert

            data = "\r\n".join(inert(line) for line in data.decode("utf-8").split("\r\n")).encode("utf-8")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        report_notes(ws, scope, day, "csv")
        return
    if sys.stderr.isatty() and len(ws.plan.tasks) >= PROGRESS_FROM:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            step = bar.add_task("整理任务", total=len(ws.plan.tasks))
            tick: Any = lambda n: bar.advance(step, n)  # noqa: E731
            rows, data = ws.ledger(kind, day, scope, window, tick, **options)
            bar.update(step, completed=len(ws.plan.tasks))
            bar.add_task(f"生成 {kind.upper()}", total=None)
            write_atomically(Path(output), data)
    else:
        rows, data = ws.ledger(kind, day, scope, window, **options)
        write_atomically(Path(output), data)
    report_notes(ws, scope, day, "table")
    unit_words = f"；单位：{scope_words(scope)}" if scope.names else ""
    say(f"已导出 {rows} 项任务到 {output}（{ws.plan_label}{unit_words}）")
