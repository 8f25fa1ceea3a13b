"""Plan files: validate, schema; installed plans: plans, plans install, plans remove."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_FOUND
from ..output import View, render
from .app import PANEL_COMMANDS, GongkaiCommand, GongkaiGroup, found
from .options import ColorOpt, FormatOpt, PlanOpt, arg, opt, say

# One Typer app per command: the root group builds only the command that runs (cli/app.py).
validate_app, schema_app = typer.Typer(add_completion=False), typer.Typer(add_completion=False)


@validate_app.command(cls=GongkaiCommand)
def validate(
    path: Annotated[
        str | None,
        arg("要检查的计划文件；默认为当前使用的计划", "[PATH]"),
    ] = None,
    plan_file: PlanOpt = None,
) -> None:
    """检查计划文件，列出全部问题及其位置（文件:行）。没有问题时退出码为 0。

    示例：gongkai validate my-plan.yaml
    """
    from ..errors import PlanError
    from ..plan import check_plan, plan_path
    from ..text import inert_line

    target = Path(path) if path else plan_path(plan_file)
    try:
        plan, problems = check_plan(target)
    except PlanError as exc:
        found(EXIT_FOUND)
        sys.stdout.write(f"{inert_line(str(exc))}\n")
        raise typer.Exit(EXIT_FOUND) from None
    if problems or plan is None:
        found(EXIT_FOUND)
    for problem in problems:
        sys.stdout.write(inert_line(problem.render(str(target))) + "\n")
    if problems or plan is None:
        sys.stderr.write(f"发现 {len(problems)} 个问题。\n")
        raise typer.Exit(EXIT_FOUND)
    where = inert_line(str(target))
    sys.stderr.write(
        f"{where}: 没有发现问题（{len(plan.parts)} 个部分，{len(plan.sections)} 项工作任务，"
        f"{len(plan.tasks)} 行，{len(plan.units)} 个单位，{len(plan.groups)} 个统称）。\n"
    )


@schema_app.command(cls=GongkaiCommand)
def schema() -> None:
    """输出计划文件格式的说明（Markdown）。

    示例：gongkai schema > 计划文件格式.md
    """
    from ..plan import schema_markdown

    sys.stdout.write(schema_markdown() + "\n")


plans_app = typer.Typer(cls=GongkaiGroup, invoke_without_command=True, add_completion=False)


@plans_app.callback()
def plans(ctx: typer.Context, fmt: FormatOpt = "table", color: ColorOpt = "auto") -> None:
    """列出内置计划和已安装的计划；安装、删除计划。--plan 可以写计划的名称或年份。

    不加 --plan 时使用环境变量 GONGKAI_PLAN，否则最新安装的计划（先比年度，再比安装时间），否则内置计划。
    计划安装在用户数据目录的 plans 下（环境变量 GONGKAI_PLANS 可以另指目录）。

    示例：gongkai plans --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import PlanError
    from ..plan import plan_label, plan_path
    from ..plan.installed import builtin_plan, installed_plans
    from ..records import plan_record

    builtin = builtin_plan()
    try:
        current: Path | None = plan_path(None)
    except PlanError as exc:
        current = None
        say(f"注意：环境变量 GONGKAI_PLAN 无效：{exc}")
    entries = [*installed_plans(), builtin]
    records = [plan_record(e, e is builtin, e.path == current) for e in entries]
    used = plan_label(current) if current else "（无）"
    caption = f"不加 --plan 时使用：{used}；--plan 可以写名称、年份或文件"
    render(View("plans", records, caption=caption), fmt, color)


@plans_app.command("install", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def plans_install(
    path: Annotated[
        str,
        arg("计划文件（YAML）", "FILE"),
    ],
    name: Annotated[
        str | None,
        opt("--name", help="计划名称；默认由年度和文号组成，如 2024-济任政办字12号", metavar="NAME"),
    ] = None,
    replace: Annotated[bool, opt("--replace", help="已有同名计划时替换它")] = False,
) -> None:
    """安装计划：检查无误后复制到用户数据目录，以后用 --plan 名称 或 --plan 年份 即可使用。

    最新安装的计划（先比年度）成为默认计划。

    示例：gongkai plans install 2024.yaml --name 2024任城区
    """
    from ..plan.installed import install_plan

    entry = install_plan(path, name, replace)
    say(f"已安装计划“{entry.name}”：{entry.title}（{entry.doc_number}，{entry.rows} 行）→ {entry.path}")


@plans_app.command("remove", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def plans_remove(
    name: Annotated[
        str,
        arg("已安装计划的名称", "NAME"),
    ],
) -> None:
    """删除一个已安装的计划。完成记录不受影响，仍保存在状态文件中。

    示例：gongkai plans remove 2024任城区
    """
    from ..plan.installed import remove_plan

    entry = remove_plan(name)
    say(f"已删除计划“{entry.name}”（{entry.path}）；完成记录仍在状态文件中")
