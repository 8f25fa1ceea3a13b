"""Completion marks: done, undo, log, and marks export / import."""

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import EXIT_FOUND
from ..output import View, render
from .app import GongkaiCommand, GongkaiGroup
from .options import (
    ARGUMENTS,
    ColorOpt,
    FormatOpt,
    PlanOpt,
    StateOpt,
    UnitOpt,
    offer,
    opt,
    say,
    summarise,
    workspace,
)

app = typer.Typer()

IdsArg = Annotated[
    list[str],
    typer.Argument(
        help="任务编号，可写多个，也可写 7-9 或 7,8,9",
        metavar="ID",
        show_default=False,
        rich_help_panel=ARGUMENTS,
        autocompletion=offer("task"),
    ),
]
ByOpt = Annotated[str | None, opt("--by", help="操作人，默认为当前登录名", metavar="NAME")]
AllUnitsOpt = Annotated[bool, opt("--all-units", help="该行的全部责任单位（协调人用）")]


def _pairs(records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(r["task_id"], r["unit"]) for r in records]


@app.command(cls=GongkaiCommand)
def done(
    ids: IdsArg,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    note: Annotated[str | None, opt("--note", "-n", help="佐证材料：链接、文号等", metavar="TEXT")] = None,
    by: ByOpt = None,
    date: Annotated[
        str | None, opt("--date", help="完成日期，默认为今天（Asia/Shanghai）", metavar="DATE")
    ] = None,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """标记任务完成：按责任单位记录，几个编号一起标记时要么全部成功，要么都不改。

    示例：gongkai done 7 --unit 区教体局 --note https://www.rencheng.gov.cn/art/123
    """
    result = workspace(plan_file, state_file).mark(ids, unit, note, date, by, all_units)
    if result.changed:
        say(f"已标记完成（{result.changed[0]['done_on']}）：{summarise(_pairs(result.changed))}")
    for mark in result.unchanged:
        say(f"任务 {mark['task_id']} · {mark['unit']} 已于 {mark['done_on']} 标记完成，未改动")
    say(f"状态文件：{result.state}")


@app.command(cls=GongkaiCommand)
def undo(
    ids: IdsArg,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    by: ByOpt = None,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """撤销完成标记。历史记录会同时保留标记和撤销两条。

    示例：gongkai undo 7 --unit 区教体局
    """
    result = workspace(plan_file, state_file).undo(ids, unit, by, all_units)
    if result.changed:
        say(f"已撤销完成标记：{summarise(_pairs(result.changed))}")
    if result.unchanged:
        say(f"本来就没有完成标记：{summarise(_pairs(result.unchanged))}")
    say(f"状态文件：{result.state}")


@app.command(cls=GongkaiCommand)
def log(
    task_id: Annotated[
        str | None,
        typer.Argument(
            help="只看这一项任务",
            metavar="[ID]",
            show_default=False,
            rich_help_panel=ARGUMENTS,
            autocompletion=offer("task"),
        ),
    ] = None,
    unit: UnitOpt = None,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """完成情况的历史：每一次标记和撤销，何时、何人、哪个单位、佐证材料。只增不删。

    示例：gongkai log 7 --format json
    """
    records = workspace(plan_file, state_file).log(task_id, unit)
    if fmt == "table" and not records:
        say("还没有任何完成记录。")
        return
    render(View("log", records), fmt, color)


marks_app = typer.Typer(
    cls=GongkaiGroup, no_args_is_help=True, help="导出、导入完成记录（JSON），用于备份、换机器或合并。"
)


@marks_app.callback()
def marks() -> None:
    """导出、导入完成记录（JSON），用于备份、换机器或合并。"""


@marks_app.command("export", cls=GongkaiCommand)
def marks_export(
    output: Annotated[
        str | None, opt("--output", "-o", help="写到文件；默认写到标准输出", metavar="PATH")
    ] = None,
    state_file: StateOpt = None,
) -> None:
    """导出状态文件中的全部完成记录（JSON）。

    示例：gongkai marks export -o 完成记录-备份.json
    """
    import json

    from ..output.files import write_atomically

    document = workspace(None, state_file).export_marks()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomically(Path(output), text)
    say(f"已导出 {len(document['marks'])} 条完成记录到 {output}")


@marks_app.command("import", cls=GongkaiCommand)
def marks_import(
    path: Annotated[
        str,
        typer.Argument(
            help="gongkai marks export 导出的 JSON 文件", metavar="PATH", rich_help_panel=ARGUMENTS
        ),
    ],
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导入完成记录。可重复导入；与已有记录冲突的不会覆盖，而是列出来（退出码 1）。

    示例：gongkai marks import 完成记录-备份.json
    """
    from ..errors import StateError
    from ..inputs import open_regular

    ws = workspace(plan_file, state_file)
    try:
        with open_regular(path) as fh:  # a FIFO or a device is refused, never waited on
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"无法读取导入文件 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    result = ws.import_marks(text, path)
    say(
        f"导入 {len(result.added)} 条，{len(result.same)} 条已存在且相同，"
        f"{len(result.conflicts)} 条冲突未覆盖。"
    )
    for ours, theirs in result.conflicts:
        say(
            f"冲突：任务 {ours['task_id']} · {ours['unit']}："
            f"本地 {ours['done_on']}（{ours['by']}，{ours['note'] or '无备注'}），"
            f"导入文件 {theirs['done_on']}（{theirs['by']}，{theirs['note'] or '无备注'}）"
        )
    say(f"状态文件：{result.state}")
    if result.conflicts:
        raise typer.Exit(EXIT_FOUND)
