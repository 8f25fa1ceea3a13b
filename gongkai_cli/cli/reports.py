"""Reports before a meeting: status, overdue, due."""

from collections.abc import Iterator
from typing import Annotated, Any

import typer

from ..errors import EXIT_FOUND
from ..output import View, render
from .app import GongkaiCommand, found
from .options import (
    AllOpt,
    AsOfOpt,
    ColorOpt,
    FormatOpt,
    PlanOpt,
    ScopeOpt,
    SectionOpt,
    StateOpt,
    WindowOpt,
    choice,
    opt,
    report_notes,
    say,
    scope_words,
    workspace,
)

# One Typer app per command: the root group builds only the command that runs (cli/app.py).
status_app, overdue_app, due_app = (
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
)

DETAIL_LIMIT = 200  # a report longer than this is shown per unit unless one unit is asked for


@status_app.command(cls=GongkaiCommand)
def status(
    by: Annotated[
        str,
        opt(
            "--by",
            help="按什么汇总：unit（单位，默认）、section（工作任务）、part（部分）；"
            "也可写 单位、工作任务、部分",
            metavar="WHAT",
            callback=choice(
                "--by", ("unit", "section", "part"), {"单位": "unit", "工作任务": "section", "部分": "part"}
            ),
        ),
    ] = "unit",
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    as_of: AsOfOpt = None,
    window: WindowOpt = "7d",
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """完成情况汇总：各单位（或工作任务、部分）的完成、逾期、进度条和红黄绿灯，最差的在上。

    按时完成与逾期完成分列；开放式表述（如“区政府有关部门单位”）不是单位，另列为“待认领”。

    示例：gongkai status --by section --as-of 2023-12-01
    """
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    day = ws.date(as_of, ws.today)
    records = ws.status(by, day, scope, window)
    if fmt == "table" and not records:
        say("没有可以汇总的任务。")
    else:
        lights = f"红灯：有逾期；黄灯：{_days(window, day)} 天内到期；绿灯：正常"
        caption = f"截至 {day.isoformat()}；{lights}；{ws.plan_label}"
        if scope.names:
            caption = f"单位：{scope_words(scope)}；{caption}"
        render(View("status", records, caption=caption, by=by), fmt, color)
    report_notes(ws, scope, day, fmt)  # after the data: a failed write stays one line


def _days(text: str, start: Any = None) -> int:
    from ..dates import parse_duration

    return parse_duration(text, start)


@overdue_app.command(cls=GongkaiCommand)
def overdue(
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    section: SectionOpt = None,
    as_of: AsOfOpt = None,
    check: Annotated[bool, opt("--check", help="有逾期时退出码为 1，没有时为 0（供脚本判断）")] = False,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """逾期未完成的任务：每个（任务，责任单位）一行，统称展开到成员单位，附逾期天数。

    示例：gongkai overdue --as-of 2023-12-01 --format json
    """
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    day = ws.date(as_of, ws.today)
    records = _listing(ws.overdue_records(day, scope, section), fmt)
    if check and records:
        found(EXIT_FOUND)
    title = f"截至 {day.isoformat()} 逾期未完成"
    _pairs_output(records, fmt, color, "days_overdue", title, scope, ws.plan_label)
    report_notes(ws, scope, day, fmt)
    if check and records:
        raise typer.Exit(EXIT_FOUND)


@due_app.command(cls=GongkaiCommand)
def due(
    within: Annotated[
        str, opt("--within", help="多少天之内到期：7d（默认）、2w、10天、2周、1个月", metavar="DAYS")
    ] = "7d",
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    section: SectionOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """即将到期、尚未完成的任务：截止日期在若干天之内，每个（任务，责任单位）一行。

    示例：gongkai due --within 2w --unit 区教体局
    """
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    day = ws.date(as_of, ws.today)
    records = _listing(ws.due_records(within, day, scope, section), fmt)
    title = f"{day.isoformat()} 起 {_days(within, day)} 天内到期、尚未完成"
    _pairs_output(records, fmt, color, "days_left", title, scope, ws.plan_label)
    report_notes(ws, scope, day, fmt)


class _Pending:
    """Records still to be made, one at a time as a machine format writes them (workspace
    ``due_records``); true when there is at least one, which is made first to know it."""

    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self._first = next(records, None)
        self._rest = records

    def __bool__(self) -> bool:
        return self._first is not None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._first is not None:
            yield self._first
            yield from self._rest


def _listing(records: Iterator[dict[str, Any]], fmt: str) -> Any:
    """A table needs every record at hand (to count and group them); a machine format takes
    them as they come."""
    return list(records) if fmt == "table" else _Pending(records)


def _pairs_output(
    records: Any, fmt: str, color: str, days_key: str, title: str, scope: Any, plan: str
) -> None:
    one_unit = bool(scope.names)
    if fmt != "table":
        render(View("pairs", records, days_key=days_key), fmt)
        return
    if not records:
        say(f"{title}的任务：没有（{plan}）。" + (f"（单位：{scope_words(scope)}）" if scope.names else ""))
        return
    caption = f"共 {len(records)} 项，涉及 {len({r['unit'] for r in records})} 个单位；{plan}"
    if scope.names:
        caption = f"单位：{scope_words(scope)}；{caption}"
    if one_unit or len(records) <= DETAIL_LIMIT:
        render(View("pairs", records, f"{title}的任务", caption, days_key=days_key), fmt, color)
        return
    digest = View("pairs", records, f"{title}的任务（按单位汇总）", caption, days_key=days_key, digest=True)
    render(digest, fmt, color)
    say(
        f"共 {len(records)} 项，超过 {DETAIL_LIMIT} 项时按单位汇总；"
        "加 --unit 看某单位的明细，或用 --format csv 导出全部。"
    )
