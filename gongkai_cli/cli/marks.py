"""Completion marks: done, undo, note, log, and marks export / import."""

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import EXIT_FOUND
from ..output import View, render
from ..store.base import PREFER_VALUES
from .app import PANEL_COMMANDS, GongkaiCommand, GongkaiGroup
from .options import (
    ColorOpt,
    FormatOpt,
    PlanOpt,
    StateOpt,
    UnitOpt,
    UnitsOpt,
    arg,
    choice,
    opt,
    say,
    summarise,
    workspace,
)

# One Typer app per command: the root group builds only the command that runs (cli/app.py).
done_app, note_app, undo_app, log_app = (
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
    typer.Typer(add_completion=False),
)

IdsArg = Annotated[list[str], arg("任务编号，可写多个，也可写 7-9 或 7,8,9", "ID", task=True)]
ByOpt = Annotated[str | None, opt("--by", help="操作人，默认为当前登录名", metavar="NAME")]
AllUnitsOpt = Annotated[bool, opt("--all-units", help="该行的全部责任单位（协调人用）")]


def _pairs(records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(r["task_id"], r["unit"]) for r in records]


def _say_marks(result: Any) -> None:
    """What done / note did, pair by pair where something changed; then where the state is."""
    for line in result.warnings:
        say(line)
    if result.changed:
        say(f"已标记完成（{result.changed[0]['done_on']}）：{summarise(_pairs(result.changed))}")
    for mark in result.changed:
        if mark["claimed_under"]:
            say(f"任务 {mark['task_id']} · {mark['unit']}：以“{mark['claimed_under']}”认领")
    for amendment in result.amended:
        before, after = amendment["before"], amendment["after"]
        what = [
            f"{label} {before[key] or '（无）'} → {after[key]}"
            for key, label in (("done_on", "完成日期"), ("note", "佐证材料"))
            if key in amendment["changed"]
        ]
        pair = f"任务 {amendment['task_id']} · {amendment['unit']}"
        say(f"已修改{pair}：{'；'.join(what)}（历史中保留修改前的记录）")
    for mark in result.unchanged:
        say(f"任务 {mark['task_id']} · {mark['unit']} 已于 {mark['done_on']} 标记完成，没有新内容，未改动")
    say(_where(result.state))


@done_app.command(cls=GongkaiCommand)
def done(
    ids: IdsArg,
    unit: UnitsOpt = None,
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

    已标记的再用新的 --note 或 --date 标记一次，就是修改（佐证材料以新的为准），历史中新旧都保留；
    没有新内容则不改动。--unit 可重复，或用逗号分隔几个单位。点名之外的单位可以认领
    “……等区政府有关部门单位”这类开放的统称所在的行。

    示例：gongkai done 7 --unit 区教体局 --note https://www.rencheng.gov.cn/art/123
    """
    _say_marks(workspace(plan_file, state_file).mark(ids, unit, note, date, by, all_units))


@note_app.command(cls=GongkaiCommand)
def note(
    ids: Annotated[str, arg("任务编号，也可写 7,8 或 7-9", "ID", task=True)],
    text: Annotated[str, arg("佐证材料：链接、文号等", "TEXT")],
    unit: UnitsOpt = None,
    all_units: AllUnitsOpt = False,
    by: ByOpt = None,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """补充佐证材料：追加到已标记完成的记录上，原有的保留，历史中保留每一版。

    新旧材料之间用“；”隔开。要更正（替换）佐证材料，用 gongkai done ID --note 新内容。
    还没有标记完成的不能补充。

    示例：gongkai note 7 --unit 区教体局 "任教字〔2023〕5号"
    """
    _say_marks(workspace(plan_file, state_file).note(ids, text, unit, by, all_units))


@undo_app.command(cls=GongkaiCommand)
def undo(
    ids: IdsArg,
    unit: UnitsOpt = None,
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
    say(_where(result.state))


@log_app.command(cls=GongkaiCommand)
def log(
    task_id: Annotated[str | None, arg("只看这一项任务", "[ID]", task=True)] = None,
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
    cls=GongkaiGroup,
    no_args_is_help=True,
    add_completion=False,
    help="导出、导入完成记录（JSON），用于备份、换机器或合并。",
)


@marks_app.callback()
def marks() -> None:
    """导出、导入完成记录（JSON），用于备份、换机器或合并。"""


@marks_app.command("export", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
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


@marks_app.command("import", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def marks_import(
    path: Annotated[
        str,
        arg("gongkai marks export 导出的 JSON 文件", "PATH"),
    ],
    prefer: Annotated[
        str | None,
        opt(
            "--prefer",
            help="冲突时采用哪一方：mine（本地）、theirs（导入文件）、newer（较新修改的一方）；"
            "不给则都不覆盖，列出冲突（退出码 1）。每个决定都记入历史",
            metavar="WHICH",
            callback=choice("--prefer", PREFER_VALUES),
        ),
    ] = None,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导入完成记录。可重复导入；与已有记录冲突的不会覆盖，而是列出来（退出码 1）。

    用 --prefer 决定冲突：mine 保留本地，theirs 采用导入文件，newer 采用较新修改的一方；
    未被采用的一方也记入历史（gongkai log 可见）。文件无法读取或不是导出文件时退出码为 7。

    示例：gongkai marks import 完成记录-备份.json --prefer newer
    """
    result = workspace(plan_file, state_file).import_marks_file(path, prefer)
    decided = (
        f"，{len(result.replaced)} 条冲突采用导入文件，{len(result.kept)} 条冲突保留本地" if prefer else ""
    )
    say(
        f"导入 {len(result.added)} 条，{len(result.same)} 条已存在且相同{decided}，"
        f"{len(result.conflicts)} 条冲突未覆盖。"
    )
    for label, items in (
        ("冲突", result.conflicts),
        ("采用导入文件", result.replaced),
        ("保留本地", result.kept),
    ):
        for ours, theirs in items:
            pair = f"任务 {ours['task_id']} · {ours['unit']}"
            say(f"{label}：{pair}：本地 {_version(ours)}，导入文件 {_version(theirs)}")
    say(_where(result.state))
    if result.conflicts:
        raise typer.Exit(EXIT_FOUND)


def _version(mark: dict[str, Any]) -> str:
    return f"{mark['done_on']}（{mark['changed_by'] or mark['by']}，{mark['note'] or '无备注'}）"


def _where(location: str) -> str:
    """Where the marks went: a state file, or (with a password already hidden) the shared database."""
    shared = location.startswith(("postgresql://", "postgres://", "service="))
    return f"{'数据库' if shared else '状态文件'}：{location}"
