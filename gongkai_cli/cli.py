"""The Typer app: parse, call, render, exit. Nothing else."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_USAGE, GongkaiError, UsageError

# ---------------------------------------------------------------------------------------------
# Errors are translated once, here: one line on stderr, the documented exit code.


def _say_error(message: str) -> None:
    sys.stderr.write(f"错误：{message}\n")
    sys.stderr.flush()


def _usage_message(exc: Any) -> str:
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        tip = f"（是否想用：{'、'.join(sorted(exc.possibilities))}？）" if exc.possibilities else ""
        return f"未知选项：{exc.option_name}{tip}"
    if isinstance(exc, ce.MissingParameter):
        return f"缺少参数 {_param_name(exc)}".strip()
    if isinstance(exc, ce.BadParameter):
        hint = _param_name(exc)
        return f"{hint} 的值无效：{exc.message}" if hint else f"参数值无效：{exc.message}"
    if isinstance(exc, ce.BadOptionUsage) and "requires an argument" in exc.message:
        return f"选项 {exc.option_name} 后面需要一个值"
    message = exc.message
    if m := re.match(r"No such command '(.+)'", message):
        return f"未知命令：{m.group(1)}（gongkai --help 列出全部命令）"
    if m := re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", message):
        return f"多余的参数：{m.group(1)}"
    return f"用法错误：{message}"


def _param_name(exc: Any) -> str:
    if isinstance(exc.param_hint, str):
        return exc.param_hint
    param = exc.param
    if param is None:
        return ""
    opts = [o for o in param.opts if o.startswith("-")]
    return opts[0] if opts else (param.metavar or param.name or "").strip("[]")


class _Chinese:
    """Help in Chinese where the framework allows it."""

    def get_help_option(self, ctx: Any) -> Any:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = "显示帮助并退出"
            opt.metavar = ""
        return opt

    def get_usage(self, ctx: Any) -> str:
        return super().get_usage(ctx).replace("Usage: ", "用法: ", 1)  # type: ignore[misc]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from typer import rich_utils

        rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
        rich_utils.OPTIONS_PANEL_TITLE = "选项"
        rich_utils.COMMANDS_PANEL_TITLE = "命令"
        rich_utils.DEFAULT_STRING = "[默认: {}]"
        rich_utils.ENVVAR_STRING = "[环境变量: {}]"
        rich_utils.REQUIRED_LONG_STRING = "[必填]"
        super().format_help(ctx, formatter)  # type: ignore[misc]


class GongkaiCommand(_Chinese, TyperCommand):
    pass


class GongkaiGroup(_Chinese, TyperGroup):
    command_class = GongkaiCommand

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        from typer._click import exceptions as ce

        extra["standalone_mode"] = False
        try:
            rv = super().main(args=args, prog_name=prog_name or "gongkai", **extra)
        except ce.NoArgsIsHelpError as exc:
            exc.ctx.get_help()  # Rich prints the help itself
            sys.exit(0)
        except ce.UsageError as exc:
            _say_error(_usage_message(exc))
            sys.exit(EXIT_USAGE)
        except GongkaiError as exc:
            _say_error(str(exc))
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            _say_error("已中断")
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`gongkai tasks | head`): not an error worth a message.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=GongkaiGroup,
    name="gongkai",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# ---------------------------------------------------------------------------------------------
# Shared options, declared once


def _choice(name: str, values: tuple[str, ...]) -> Any:
    def check(value: str | None) -> str | None:
        if value is None or value in values:
            return value
        raise typer.BadParameter(f"{value!r} 不是可选值（可选：{'、'.join(values)}）", param_hint=name)

    return check


PlanOpt = Annotated[
    str | None,
    typer.Option(
        "--plan",
        help="计划文件（YAML）。默认读取环境变量 GONGKAI_PLAN，再默认为内置的 2023 年任城区分解表",
        metavar="PATH",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="输出格式：table（表格）、json、csv、tsv、md（Markdown）",
        metavar="FORMAT",
        callback=_choice("--format", ("table", "json", "csv", "tsv", "md")),
    ),
]
ColorOpt = Annotated[
    str,
    typer.Option(
        "--color",
        help="颜色：auto（仅在终端上着色）、always、never；也遵守 NO_COLOR 环境变量",
        metavar="WHEN",
        callback=_choice("--color", ("auto", "always", "never")),
    ),
]
ShowFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="输出格式：table（表格）或 json",
        metavar="FORMAT",
        callback=_choice("--format", ("table", "json")),
    ),
]
UnitOpt = Annotated[
    str | None,
    typer.Option(
        "--unit",
        "-u",
        help="责任单位（简称、全称或别名均可），也可以是统称",
        metavar="UNIT",
        show_default=False,
    ),
]


def _console(color: str, stderr: bool = False) -> Any:
    from .render import console

    return console(stderr=stderr, color=color)


def _load(plan_option: str | None) -> tuple[Any, Any]:
    from .plan import load_plan, plan_path
    from .units import Directory

    plan = load_plan(plan_path(plan_option))
    return plan, Directory(plan)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gongkai {__version__}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", help="显示版本并退出", callback=_version, is_eager=True, metavar=""),
    ] = False,
) -> None:
    """政务公开重点工作任务分解表的命令行清单工具。

    按单位、工作任务、截止日期查询分解表。示例：gongkai tasks --unit 区教体局
    """


# ---------------------------------------------------------------------------------------------
# Commands


@app.command(cls=GongkaiCommand)
def tasks(
    unit: UnitOpt = None,
    possible: Annotated[
        bool,
        typer.Option(
            "--possible",
            help="同时列出可能相关的任务（如“等区政府有关部门单位”这类开放式表述）",
            metavar="",
        ),
    ] = False,
    section: Annotated[
        str | None,
        typer.Option(
            "--section", "-s", help="工作任务序号：五、5 或 (五)", metavar="SECTION", show_default=False
        ),
    ] = None,
    part: Annotated[
        str | None, typer.Option("--part", "-p", help="部分序号：三 或 3", metavar="PART", show_default=False)
    ] = None,
    due_by: Annotated[
        str | None,
        typer.Option(
            "--due-by",
            help="截止日期不晚于该日，如 2023-11-30、11月底、today、+7d",
            metavar="DATE",
            show_default=False,
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-q",
            help="在具体要求和标题中查找（多个词用空格隔开，须全部出现）",
            metavar="TEXT",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
) -> None:
    """列出分解表中的任务，可按单位、工作任务、部分、截止日期和关键词筛选。

    示例：gongkai tasks --unit 区教体局 --due-by 11月底 --format json
    """
    from .dates import parse_date, today
    from .queries import TaskFilter, parse_part_ref, parse_section_ref, possible_count, select_tasks
    from .render import tasks_output

    plan, directory = _load(plan_file)
    flt = TaskFilter(
        who=directory.resolve(unit) if unit is not None else None,
        include_possible=possible,
        section=parse_section_ref(plan, section) if section is not None else None,
        part=parse_part_ref(plan, part) if part is not None else None,
        due_by=parse_date(due_by, today=today(plan.meta.timezone), year=plan.meta.year) if due_by else None,
        search=search,
    )
    matches = select_tasks(plan, directory, flt)
    err = _console(color, stderr=True)
    if fmt == "table" and not matches:
        err.print("没有符合条件的任务。", markup=False)
    elif fmt == "table":
        who = flt.who.name if flt.who else None
        tasks_output(plan, matches, fmt, _console(color), _caption(flt, len(matches)), who)
    else:
        tasks_output(plan, matches, fmt, _console(color))
    hidden = possible_count(plan, directory, flt)
    if hidden and fmt == "table":
        err.print(f"另有 {hidden} 项可能相关（开放式表述），加 --possible 一并列出。", markup=False)


def _caption(flt: Any, count: int) -> str:
    parts = [f"共 {count} 项"]
    if flt.who is not None:
        parts.append(f"单位：{flt.who.name}")
    if flt.due_by is not None:
        parts.append(f"截止不晚于 {flt.due_by.isoformat()}")
    if flt.search:
        parts.append(f"关键词：{flt.search}")
    return "；".join(parts)


def _task_id(plan: Any, text: str) -> Any:
    from .text import normalize

    key = normalize(text).lstrip("#")
    task = plan.task(int(key)) if key.isascii() and key.isdigit() else None
    if task is None:
        ids = [t.id for t in plan.tasks]
        raise UsageError(f"没有编号为 {text!r} 的任务（本计划的编号为 {min(ids)}–{max(ids)}）")
    return task


@app.command(cls=GongkaiCommand)
def show(
    task_id: Annotated[str, typer.Argument(help="任务编号", metavar="ID", show_default=False)],
    fmt: ShowFormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
) -> None:
    """显示一项任务的全部内容，以及其中的统称各包括哪些单位。

    示例：gongkai show 29
    """
    from .render import show_panel, show_record, write_json

    plan, directory = _load(plan_file)
    task = _task_id(plan, task_id)
    if fmt == "json":
        write_json(show_record(plan, directory, task))
    else:
        _console(color).print(show_panel(plan, directory, task))


@app.command(cls=GongkaiCommand)
def units(
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
) -> None:
    """列出单位名录：每个单位的类别、别名、所属统称，以及各统称的成员。

    示例：gongkai units --format json
    """
    from .render import UNIT_COLUMNS, UNIT_HEADERS, emit, unit_records, units_tables, write_json

    plan, directory = _load(plan_file)
    records = unit_records(plan, directory)
    if fmt == "table":
        con = _console(color)
        for table in units_tables(records):
            con.print(table)
    elif fmt == "json":
        write_json(records)
    else:
        emit(records["units"], UNIT_COLUMNS, UNIT_HEADERS if fmt == "md" else UNIT_COLUMNS, fmt)


@app.command(cls=GongkaiCommand)
def validate(
    path: Annotated[
        str | None,
        typer.Argument(help="要检查的计划文件；默认为当前使用的计划", metavar="[PATH]", show_default=False),
    ] = None,
    plan_file: PlanOpt = None,
) -> None:
    """检查计划文件，列出全部问题及其位置（文件:行）。没有问题时退出码为 0。

    示例：gongkai validate my-plan.yaml
    """
    from .errors import PlanError
    from .plan import check_plan, plan_path

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
    from .plan import schema_markdown

    sys.stdout.write(schema_markdown() + "\n")
