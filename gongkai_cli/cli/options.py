"""Options shared by many commands, declared once; values checked at the edge (bad ones are usage
errors, exit 2) and the workspace opened from them."""

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from ..output import COLOR_MODES, FORMATS

OPTIONS = "选项"
ARGUMENTS = "参数"


def choice(name: str, values: tuple[str, ...], words: dict[str, str] | None = None) -> Callable[[Any], Any]:
    """A callback accepting one of ``values`` (any case), or a word for one (``单位`` for unit);
    ``opt`` offers the values to Tab."""

    def check(value: str | None) -> str | None:
        if value is None:
            return value
        folded = value.strip().lower()
        folded = (words or {}).get(folded, folded)
        if folded in values:
            return folded
        shown = "、".join(values) + (f"，或 {'、'.join(words)}" if words else "")
        raise typer.BadParameter(f"{value!r} 不是可选值（可选：{shown}）", param_hint=name)

    check.values = values  # type: ignore[attr-defined]
    return check


# Completion callbacks are attached only when a shell asks for completions (its script sets this
# variable): Typer inspects every such callback each time it builds a command, 0.3-0.5 ms of every
# start for `tasks` alone, which an ordinary run must not pay.
COMPLETING = bool(os.environ.get("_GONGKAI_COMPLETE"))


def offer_values(values: tuple[str, ...]) -> Callable[..., list[str]] | None:
    """Tab completion of a fixed list (formats, colours, statuses)."""
    if not COMPLETING:
        return None

    def complete(incomplete: str) -> list[str]:
        return list(values)

    return complete


def offer(kind: str) -> Callable[..., list[tuple[str, str]]] | None:
    """Tab completion from the plan: ``unit``, ``task``, ``section`` or ``part`` (cli/completion.py,
    imported only when a shell asks)."""
    if not COMPLETING:
        return None

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        from .completion import offer

        return offer(kind, ctx, incomplete)

    return complete


def opt(*names: str, help: str, metavar: str = "", **kwargs: Any) -> Any:
    """A typer.Option in the 选项 panel, without Typer's English "[default: …]"; an option with a
    ``choice`` callback completes its values on Tab."""
    kwargs.setdefault("show_default", False)
    values = getattr(kwargs.get("callback"), "values", None)
    if values and COMPLETING and "autocompletion" not in kwargs:
        kwargs["autocompletion"] = offer_values(values)
    return typer.Option(*names, help=help, metavar=metavar or None, rich_help_panel=OPTIONS, **kwargs)


def arg(help: str, metavar: str, **kwargs: Any) -> Any:
    """A typer.Argument in the 参数 panel, without Typer's English "[default: …]"; ``task=True``:
    a task id, completed on Tab from the plan."""
    if kwargs.pop("task", False):
        kwargs["autocompletion"] = offer("task")
    return typer.Argument(help=help, metavar=metavar, show_default=False, rich_help_panel=ARGUMENTS, **kwargs)


def not_empty(name: str) -> Callable[[Any], Any]:
    """A callback refusing an empty path: ``--state ""`` (an unset variable in a script) must not
    quietly mean the default file."""

    def check(value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise typer.BadParameter("路径不能为空", param_hint=name)
        return value

    return check


PlanOpt = Annotated[
    str | None,
    opt(
        "--plan",
        help="计划：计划文件（YAML），或已安装计划的名称、年份（gongkai plans 列出）。默认读取环境变量 "
        "GONGKAI_PLAN，再默认为最新安装的计划，再默认为内置的 2023 年任城区分解表",
        metavar="PLAN",
        callback=not_empty("--plan"),
    ),
]
StateOpt = Annotated[
    str | None,
    opt(
        "--state",
        help="状态文件（记录完成情况的 SQLite 文件），或全区共用数据库的地址（postgresql:// 地址或"
        " service=名称）。默认读取环境变量 GONGKAI_STATE，再默认为用户数据目录",
        metavar="PATH",
        callback=not_empty("--state"),
    ),
]
FormatOpt = Annotated[
    str,
    opt(
        "--format",
        "-f",
        help="输出格式：table（表格，默认）、json、csv、tsv、md（Markdown）",
        metavar="FORMAT",
        callback=choice("--format", FORMATS),
    ),
]
ShowFormatOpt = Annotated[
    str,
    opt(
        "--format", "-f", help="输出格式：table（表格，默认）或 json", metavar="FORMAT",
        callback=choice("--format", ("table", "json")),
    ),
]  # fmt: skip
ColorOpt = Annotated[
    str,
    opt(
        "--color",
        help="颜色：auto（默认，仅在终端上着色）、always、never；也遵守 NO_COLOR 环境变量",
        metavar="WHEN",
        callback=choice("--color", COLOR_MODES),
    ),
]
AsOfOpt = Annotated[
    str | None,
    opt("--as-of", help="按这一天计算逾期，默认为今天（Asia/Shanghai）；写法同 --due-by", metavar="DATE"),
]
SectionOpt = Annotated[
    str | None,
    opt(
        "--section",
        "-s",
        help="工作任务序号：五、5 或 (五)",
        metavar="SECTION",
        autocompletion=offer("section"),
    ),
]
UnitOpt = Annotated[
    str | None,
    opt(
        "--unit",
        "-u",
        help="责任单位（简称、全称或别名均可），也可以是统称",
        metavar="UNIT",
        autocompletion=offer("unit"),
    ),
]


def _split_units(values: list[str] | None) -> list[str] | None:
    from ..units import split_names

    names = split_names(values)
    return names or None


# ``--unit`` given several times, or with names separated by commas: ``-u 长沟镇,喻屯镇 -u 区教体局``.
# The value is the list of names as typed (None when not given); the workspace resolves them.
UnitsOpt = Annotated[
    list[str] | None,
    opt(
        "--unit",
        "-u",
        help="责任单位（简称、全称或别名均可），也可以是统称；可重复，或用逗号分隔几个单位",
        metavar="UNIT",
        callback=_split_units,
        autocompletion=offer("unit"),
    ),
]
ScopeOpt = Annotated[
    list[str] | None,
    opt(
        "--unit",
        "-u",
        help="责任单位（简称、全称或别名均可，也可以是统称）；可重复给出或用逗号分隔，结果为并集。"
        "默认为环境变量 GONGKAI_UNIT 的单位；--unit 全部 与 --all 相同",
        metavar="UNIT",
        callback=_split_units,
        autocompletion=offer("unit"),
    ),
]  # the scope of a query or report
AllOpt = Annotated[bool, opt("--all", help="全部单位：不按环境变量 GONGKAI_UNIT 限定（同 --unit 全部）")]
WindowOpt = Annotated[
    str,
    opt(
        "--window",
        help="“临近”的天数：截止日期在这么多天之内的算黄灯，如 7d、2w、10天（默认 7d）",
        metavar="DAYS",
    ),
]


def workspace(plan: str | None, state: str | None = None) -> Any:
    from ..workspace import open_workspace

    return open_workspace(plan, state)


def say(message: str) -> None:
    """One line on stderr; text quoted from a plan, a note or a file cannot act on the terminal."""
    from ..text import inert_line

    sys.stderr.write(inert_line(message) + "\n")


def scope_words(scope: Any) -> str:
    """``区教体局（环境变量 GONGKAI_UNIT；加 --all 看全部单位）`` for captions and notes."""
    names = "、".join(scope.names)
    return f"{names}（环境变量 GONGKAI_UNIT；加 --all 看全部单位）" if scope.from_env else names


def report_notes(ws: Any, scope: Any, day: Any, fmt: str) -> None:
    """What a report says on stderr beside its data: that the plan's year is over (one line, not
    with -f json), and, outside tables (which say it in their caption), the GONGKAI_UNIT scope."""
    note = ws.year_note(day) if fmt != "json" else None
    if note:
        say(note)
    if scope.from_env and fmt != "table":
        say(f"只列出 {scope_words(scope)}")


def summarise(pairs: list[tuple[int, str]], limit: int = 8) -> str:
    """``任务 7：区教体局；任务 30：区政府办公室、区发改局……（共 28 个单位）``."""
    by_task: dict[int, list[str]] = {}
    for task_id, unit in pairs:
        by_task.setdefault(task_id, []).append(unit)
    parts = []
    for task_id, names in by_task.items():
        shown = "、".join(names[:limit]) + (f"……（共 {len(names)} 个单位）" if len(names) > limit else "")
        parts.append(f"任务 {task_id}：{shown}")
    return "；".join(parts)
