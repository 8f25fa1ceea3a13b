"""Plan files: validate, schema."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_FOUND
from .app import GongkaiCommand
from .options import ARGUMENTS, PlanOpt

app = typer.Typer()


@app.command(cls=GongkaiCommand)
def validate(
    path: Annotated[
        str | None,
        typer.Argument(
            help="要检查的计划文件；默认为当前使用的计划",
            metavar="[PATH]",
            show_default=False,
            rich_help_panel=ARGUMENTS,
        ),
    ] = None,
    plan_file: PlanOpt = None,
) -> None:
    """检查计划文件，列出全部问题及其位置（文件:行）。没有问题时退出码为 0。

    示例：gongkai validate my-plan.yaml
    """
    from ..errors import PlanError
    from ..plan import check_plan, plan_path

    target = Path(path) if path else plan_path(plan_file)
    try:
        plan, problems = check_plan(target)
    except PlanError as exc:
        sys.stdout.write(f"{exc}\n")
        raise typer.Exit(EXIT_FOUND) from None
    for problem in problems:
        sys.stdout.write(problem.render(str(target)) + "\n")
    if problems or plan is None:
        sys.stderr.write(f"发现 {len(problems)} 个问题。\n")
        raise typer.Exit(EXIT_FOUND)
    sys.stderr.write(
        f"{target}: 没有发现问题（{len(plan.parts)} 个部分，{len(plan.sections)} 项工作任务，"
        f"{len(plan.tasks)} 行，{len(plan.units)} 个单位，{len(plan.groups)} 个统称）。\n"
    )


@app.command(cls=GongkaiCommand)
def schema() -> None:
    """输出计划文件格式的说明（Markdown）。

    示例：gongkai schema > 计划文件格式.md
    """
    from ..plan import schema_markdown

    sys.stdout.write(schema_markdown() + "\n")
