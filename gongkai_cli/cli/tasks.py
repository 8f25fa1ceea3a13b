"""Commands that read the plan: tasks, show, units."""

from typing import Annotated, Any

import typer

from ..output import View, render
from ..queries import STATUS_FILTER_LABELS
from ..workspace import TaskList
from .app import GongkaiCommand
from .options import (
    AllOpt,
    AsOfOpt,
    ColorOpt,
    FormatOpt,
    PlanOpt,
    ScopeOpt,
    SectionOpt,
    ShowFormatOpt,
    StateOpt,
    arg,
    offer,
    offer_values,
    opt,
    report_notes,
    say,
    scope_words,
    workspace,
)

# One Typer app per command: the root group builds only the command that runs (cli/app.py).
tasks_app, show_app, units_app = (
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
)


@tasks_app.command(cls=GongkaiCommand)
def tasks(
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    possible: Annotated[
        bool, opt("--possible", help="同时列出可能相关的任务（如“等区政府有关部门单位”这类开放式表述）")
    ] = False,
    section: SectionOpt = None,
    part: Annotated[
        str | None,
        opt("--part", "-p", help="部分序号：三 或 3", metavar="PART", autocompletion=offer("part")),
    ] = None,
    due_by: Annotated[
        str | None,
        opt("--due-by", help="截止日期不晚于该日，如 2023-11-30、11月底、today、+7d", metavar="DATE"),
    ] = None,
    search: Annotated[
        str | None,
        opt("--search", "-q", help="在具体要求和标题中查找（多个词用空格隔开，须全部出现）", metavar="TEXT"),
    ] = None,
    status: Annotated[
        str | None,
        opt(
            "--status",
            help="完成情况：open（未开始）、partial（部分完成）、done（已完成）、overdue（逾期未完成）、"
            "on_time（按时完成）、done_late（逾期完成）、not_due（未到期）、ongoing（持续推进），"
            "中英文均可；与 --unit 同用时指该单位自己的部分",
            metavar="STATUS",
            autocompletion=offer_values(tuple(STATUS_FILTER_LABELS)),
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """列出分解表中的任务，可按单位、工作任务、部分、截止日期和关键词筛选。

    示例：gongkai tasks --unit 区教体局 --due-by 11月底 --format json
    """
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    found = ws.select(scope, section, part, due_by, search, status, as_of, possible)
    if fmt != "table":
        render(View("tasks", found.records), fmt)
    elif found.records:
        caption = f"{_caption(found, scope)}；{ws.plan_label}"
        render(View("tasks", found.records, ws.plan.meta.title, caption, found.who), fmt, color)
    else:
        say("没有符合条件的任务。" + (f"（只看 {scope_words(scope)}）" if scope.from_env else ""))
    if found.hidden and fmt == "table":
        say(f"另有 {found.hidden} 项可能相关（开放式表述），加 --possible 一并列出。")
    report_notes(ws, scope, found.as_of, fmt)  # after the data: a failed write stays one line


def _caption(found: TaskList, scope: Any) -> str:
    parts = [f"共 {len(found.records)} 项"]
    if found.who is not None:
        parts.append(f"单位：{scope_words(scope)}")
    if found.due_by is not None:
        parts.append(f"截止不晚于 {found.due_by.isoformat()}")
    if found.search:
        parts.append(f"关键词：{found.search}")
    if found.status:
        parts.append(f"完成情况：{STATUS_FILTER_LABELS.get(found.status, found.status)}")
    parts.append(f"截至 {found.as_of.isoformat()}")
    return "；".join(parts)


@show_app.command(cls=GongkaiCommand)
def show(
    task_id: Annotated[str, arg("任务编号", "ID", task=True)],
    unit: ScopeOpt = None,
    all_units: AllOpt = False,
    as_of: AsOfOpt = None,
    history: Annotated[
        int, opt("--history", help="列出最近几条历史记录（默认 5，0 为不列）", metavar="N")
    ] = 5,
    fmt: ShowFormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """显示一项任务的全部内容、其中的统称各包括哪些单位、各单位的完成情况和最近的历史记录。

    示例：gongkai show 29
    """
    ws = workspace(plan_file, state_file)
    scope = ws.scope(unit, all_units)
    record = ws.show(task_id, as_of, scope, history=max(history, 0))
    render(View("show", record, who=scope_words(scope) or None), fmt, color)
    report_notes(ws, scope, ws.date(as_of, ws.today), fmt)


@units_app.command(cls=GongkaiCommand)
def units(fmt: FormatOpt = "table", color: ColorOpt = "auto", plan_file: PlanOpt = None) -> None:
    """列出单位名录：每个单位的类别、别名、所属统称，以及各统称的成员。

    示例：gongkai units --format json
    """
    render(View("units", workspace(plan_file).units()), fmt, color)
