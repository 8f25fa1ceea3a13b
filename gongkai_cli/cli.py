"""The Typer app: parse, call, render, exit. Nothing else.

No ``from __future__ import annotations`` here: Typer would then eval every parameter's annotation
string on every run (about 13 ms for these commands, measured with bench/run.py).
"""

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, NoReturn

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
        from .helpfmt import render_help

        formatter.write(render_help(self, ctx) + "\n")


class GongkaiCommand(_Chinese, TyperCommand):
    pass


COMMAND_ORDER = ("tasks", "show", "done", "undo", "log", "status", "overdue", "due", "export", "units",
                 "validate", "schema", "state", "marks")  # fmt: skip


class GongkaiGroup(_Chinese, TyperGroup):
    command_class = GongkaiCommand
    # Commands not built yet: name -> builder. Building one from its signature costs ~0.3 ms, and
    # a run needs one of fourteen (see build_command).
    lazy: dict[str, Any]

    def list_commands(self, ctx: Any) -> list[str]:
        """Everyday commands first in --help, then the rarer ones."""
        names = {*super().list_commands(ctx), *getattr(self, "lazy", {})}
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        lazy = getattr(self, "lazy", {})
        if cmd_name in lazy:
            self.commands[cmd_name] = lazy.pop(cmd_name)()
        return super().get_command(ctx, cmd_name)

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        from typer._click import exceptions as ce

        extra["standalone_mode"] = False
        try:
            rv = super().main(args=args, prog_name=prog_name or "gongkai", **extra)
        except ce.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n")
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
            _reader_gone()
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # A closed pipe must be caught here: the framework turns it into exit 1 on its way out.
        try:
            rv = super().invoke(ctx)
            sys.stdout.flush()  # now, not at interpreter exit where a closed pipe prints a warning
            return rv
        except BrokenPipeError:
            _reader_gone()


def _reader_gone() -> NoReturn:
    """The reader went away (`gongkai overdue -f json | head`): stop quietly, exit 0."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


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
StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="状态文件（记录完成情况的 SQLite 文件）。默认读取环境变量 GONGKAI_STATE，再默认为用户数据目录",
        metavar="PATH",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="按这一天计算逾期，默认为今天（Asia/Shanghai）；写法同 --due-by",
        metavar="DATE",
        show_default=False,
    ),
]
SectionOpt = Annotated[
    str | None,
    typer.Option(
        "--section", "-s", help="工作任务序号：五、5 或 (五)", metavar="SECTION", show_default=False
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


def _draw(color: str, *tables: Any) -> None:
    from .grid import emit

    emit(tables, color=color)


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
    section: SectionOpt = None,
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
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="完成情况：open（未开始）、partial（部分完成）、done（已完成）、overdue（逾期）；"
            "与 --unit 同用时指该单位自己的部分",
            metavar="STATUS",
            callback=_choice("--status", ("open", "partial", "done", "overdue")),
            show_default=False,
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
    from .dates import parse_date, today
    from .queries import POSSIBLE, TaskFilter, parse_part_ref, parse_section_ref, select_tasks
    from .render import tasks_output

    plan, directory = _load(plan_file)
    now = today(plan.meta.timezone)
    flt = TaskFilter(
        who=directory.resolve(unit) if unit is not None else None,
        include_possible=True,  # selected once; shown only with --possible, else counted below
        section=parse_section_ref(plan, section) if section is not None else None,
        part=parse_part_ref(plan, part) if part is not None else None,
        due_by=parse_date(due_by, today=now, year=plan.meta.year) if due_by else None,
        search=search,
        status=status,
        as_of=parse_date(as_of, today=now, year=plan.meta.year) if as_of else now,
    )
    matches = select_tasks(plan, directory, flt, _marked(plan, state_file))
    hidden = 0
    if not possible:
        shown = [m for m in matches if not (m.relation and m.relation.kind == POSSIBLE)]
        hidden, matches = len(matches) - len(shown), shown
    if fmt != "table":
        tasks_output(plan, matches, fmt)
        return
    if matches:
        who = flt.who.name if flt.who else None
        tasks_output(plan, matches, fmt, color, _caption(flt, len(matches)), who)
    else:
        _say("没有符合条件的任务。")
    if hidden:
        _say(f"另有 {hidden} 项可能相关（开放式表述），加 --possible 一并列出。")


def _marked(plan: Any, state_file: str | None) -> frozenset[tuple[int, str]]:
    """The (task id, unit) pairs marked done for this plan; reading never creates the state file."""
    store = _open_state(state_file, write=False)
    try:
        return store.marked_pairs(plan.meta.identity)
    finally:
        store.close()


def _caption(flt: Any, count: int) -> str:
    parts = [f"共 {count} 项"]
    if flt.who is not None:
        parts.append(f"单位：{flt.who.name}")
    if flt.due_by is not None:
        parts.append(f"截止不晚于 {flt.due_by.isoformat()}")
    if flt.search:
        parts.append(f"关键词：{flt.search}")
    if flt.status:
        parts.append(f"完成情况：{flt.status}")
    if flt.as_of:
        parts.append(f"截至 {flt.as_of.isoformat()}")
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
        _draw(color, show_panel(plan, directory, task))


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
        _draw(color, *units_tables(records))
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


# ---------------------------------------------------------------------------------------------
# Completion marks

IdsArg = Annotated[
    list[str],
    typer.Argument(help="任务编号，可写多个，也可写 7-9 或 7,8,9", metavar="ID", show_default=False),
]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="操作人，默认为当前登录名", metavar="NAME", show_default=False)
]
AllUnitsOpt = Annotated[bool, typer.Option("--all-units", help="该行的全部责任单位（协调人用）", metavar="")]


def _task_ids(plan: Any, texts: list[str]) -> list[Any]:
    """``7 8``, ``7,8``, ``7-9`` -> the tasks, in the order given, each once."""
    out: dict[int, Any] = {}
    for text in texts:
        for piece in re.split(r"[,，、]", text):
            piece = piece.strip()
            if not piece:
                continue
            m = re.fullmatch(r"(\d+)\s*[-~–]\s*(\d+)", piece)
            if m and int(m.group(1)) <= int(m.group(2)) and int(m.group(2)) - int(m.group(1)) < 10000:
                for n in range(int(m.group(1)), int(m.group(2)) + 1):
                    out.setdefault(n, _task_id(plan, str(n)))
            else:
                task = _task_id(plan, piece)
                out.setdefault(task.id, task)
    if not out:
        raise UsageError("请给出至少一个任务编号")
    return list(out.values())


def _acting_unit(directory: Any, unit: str | None, all_units: bool) -> tuple[Any, bool]:
    """--unit, else GONGKAI_UNIT (a liaison sets it once); the bool says it came from the environment."""
    import os

    if unit is not None and all_units:
        raise UsageError("--unit 和 --all-units 只能选一个")
    if all_units:
        return None, False
    if unit is not None:
        return directory.resolve(unit), False
    env = os.environ.get("GONGKAI_UNIT", "").strip()
    if env:
        try:
            return directory.resolve(env), True
        except UsageError as exc:
            raise UsageError(f"环境变量 GONGKAI_UNIT：{exc}") from None
    return None, False


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _open_state(state_file: str | None, write: bool) -> Any:
    from .store import open_store, state_path

    return open_store(state_path(state_file), write=write)


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")


def _summarise(pairs: list[tuple[int, str]], limit: int = 8) -> str:
    """``任务 7：区教体局；任务 30：区政府办公室、区发改局……（共 28 个单位）``."""
    by_task: dict[int, list[str]] = {}
    for task_id, unit in pairs:
        by_task.setdefault(task_id, []).append(unit)
    parts = []
    for task_id, names in by_task.items():
        shown = "、".join(names[:limit]) + (f"……（共 {len(names)} 个单位）" if len(names) > limit else "")
        parts.append(f"任务 {task_id}：{shown}")
    return "；".join(parts)


@app.command(cls=GongkaiCommand)
def done(
    ids: IdsArg,
    unit: UnitOpt = None,
    all_units: AllUnitsOpt = False,
    note: Annotated[
        str | None,
        typer.Option("--note", "-n", help="佐证材料：链接、文号等", metavar="TEXT", show_default=False),
    ] = None,
    by: ByOpt = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="完成日期，默认为今天（Asia/Shanghai）", metavar="DATE", show_default=False
        ),
    ] = None,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """标记任务完成：按责任单位记录，几个编号一起标记时要么全部成功，要么都不改。

    示例：gongkai done 7 --unit 区教体局 --note https://www.rencheng.gov.cn/art/123
    """
    from .dates import parse_date, today
    from .model import Mark
    from .queries import pairs_to_mark
    from .store import utc_now

    plan, directory = _load(plan_file)
    tasks_ = _task_ids(plan, ids)
    who, from_env = _acting_unit(directory, unit, all_units)
    pairs = pairs_to_mark(directory, tasks_, who, all_units, from_env)
    now = today(plan.meta.timezone)
    done_on = parse_date(date, today=now, year=plan.meta.year) if date else now
    if done_on > now:
        raise UsageError(f"完成日期 {done_on.isoformat()} 晚于今天（{now.isoformat()}）")
    if note is not None and not note.strip():
        raise UsageError("--note 不能为空")
    marker = (by or "").strip() or _login_name()
    stamp = utc_now()
    marks = [
        Mark(plan.meta.identity, task.id, name, done_on, note.strip() if note else None, marker, stamp)
        for task, name in pairs
    ]
    store = _open_state(state_file, write=True)
    try:
        added, present = store.add_marks(marks)
    finally:
        store.close()
    if added:
        _say(f"已标记完成（{done_on.isoformat()}）：{_summarise([(m.task_id, m.unit) for m in added])}")
    for mark in present:
        _say(f"任务 {mark.task_id} · {mark.unit} 已于 {mark.done_on.isoformat()} 标记完成，未改动")
    _say(f"状态文件：{store.path}")


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
    from .queries import pairs_to_mark

    plan, directory = _load(plan_file)
    tasks_ = _task_ids(plan, ids)
    who, from_env = _acting_unit(directory, unit, all_units)
    pairs = [(t.id, name) for t, name in pairs_to_mark(directory, tasks_, who, all_units, from_env)]
    store = _open_state(state_file, write=True)
    try:
        removed, missing = store.remove_marks(plan.meta.identity, pairs, (by or "").strip() or _login_name())
    finally:
        store.close()
    if removed:
        _say(f"已撤销完成标记：{_summarise([(m.task_id, m.unit) for m in removed])}")
    if missing:
        _say(f"本来就没有完成标记：{_summarise(missing)}")
    _say(f"状态文件：{store.path}")


@app.command(cls=GongkaiCommand)
def log(
    task_id: Annotated[
        str | None, typer.Argument(help="只看这一项任务", metavar="[ID]", show_default=False)
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
    from .render import emit, event_records, log_table

    plan, directory = _load(plan_file)
    task = _task_id(plan, task_id) if task_id is not None else None
    who = directory.resolve(unit) if unit is not None else None
    store = _open_state(state_file, write=False)
    try:
        events = store.events(plan.meta.identity, task.id if task else None, who.name if who else None)
    finally:
        store.close()
    records = event_records(events, plan.meta.timezone)
    if fmt == "table":
        if not records:
            _say("还没有任何完成记录。")
            return
        _draw(color, log_table(records))
    else:
        from .render import EVENT_COLUMNS, EVENT_HEADERS

        emit(records, EVENT_COLUMNS, EVENT_HEADERS if fmt == "md" else EVENT_COLUMNS, fmt)


state_app = typer.Typer(cls=GongkaiGroup, no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
app.add_typer(state_app, name="state", help="状态文件的位置。")


@state_app.command("path", cls=GongkaiCommand)
def state_path_command(state_file: StateOpt = None) -> None:
    """显示状态文件的位置（--state、GONGKAI_STATE 或用户数据目录）。

    示例：gongkai state path
    """
    from .store import state_path

    path = state_path(state_file)
    sys.stdout.write(f"{path}\n")
    if not path.exists():
        _say("（文件还不存在，第一次标记完成时创建）")


marks_app = typer.Typer(cls=GongkaiGroup, no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
app.add_typer(marks_app, name="marks", help="导出、导入完成记录（JSON），用于备份、换机器或合并。")


@marks_app.command("export", cls=GongkaiCommand)
def marks_export(
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="写到文件；默认写到标准输出", metavar="PATH", show_default=False),
    ] = None,
    state_file: StateOpt = None,
) -> None:
    """导出状态文件中的全部完成记录（JSON）。

    示例：gongkai marks export -o 完成记录-备份.json
    """
    import json

    from .store import export_document

    store = _open_state(state_file, write=False)
    try:
        document = export_document(store.all_marks())
    finally:
        store.close()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    _write_atomically(Path(output), text)
    _say(f"已导出 {len(document['marks'])} 条完成记录到 {output}")  # type: ignore[arg-type]


def _write_atomically(path: Path, data: str | bytes | Iterable[bytes]) -> None:
    """Write a temporary file beside ``path``, then rename it over: never a half-written file.
    ``data`` may come in chunks (a large calendar is never held whole)."""
    import os
    import tempfile

    from .errors import OutputError

    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"输出路径是一个目录：{path}")
    if not directory.is_dir():
        raise OutputError(f"输出目录不存在：{directory}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise OutputError(f"无法写入 {directory}：{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (str, bytes)):
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None


@marks_app.command("import", cls=GongkaiCommand)
def marks_import(
    path: Annotated[str, typer.Argument(help="gongkai marks export 导出的 JSON 文件", metavar="PATH")],
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导入完成记录。可重复导入；与已有记录冲突的不会覆盖，而是列出来（退出码 1）。

    示例：gongkai marks import 完成记录-备份.json
    """
    from .errors import StateError
    from .queries import check_imported_marks
    from .store import parse_export

    plan, directory = _load(plan_file)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"无法读取导入文件 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    marks = parse_export(text, path)
    check_imported_marks(plan, directory, marks)
    store = _open_state(state_file, write=True)
    try:
        added, same, conflicts = store.import_marks(marks)
    finally:
        store.close()
    _say(f"导入 {len(added)} 条，{len(same)} 条已存在且相同，{len(conflicts)} 条冲突未覆盖。")
    for ours, theirs in conflicts:
        _say(
            f"冲突：任务 {ours.task_id} · {ours.unit}："
            f"本地 {ours.done_on.isoformat()}（{ours.by}，{ours.note or '无备注'}），"
            f"导入文件 {theirs.done_on.isoformat()}（{theirs.by}，{theirs.note or '无备注'}）"
        )
    _say(f"状态文件：{store.path}")
    if conflicts:
        raise typer.Exit(EXIT_FOUND)


# ---------------------------------------------------------------------------------------------
# Reports

WindowOpt = Annotated[
    str,
    typer.Option(
        "--window",
        help="“临近”的天数：截止日期在这么多天之内的算黄灯，如 7d、2w、10天",
        metavar="DAYS",
    ),
]


def _report_context(
    plan_file: str | None, state_file: str | None, as_of: str | None, unit: str | None, marks: bool = True
) -> tuple[Any, Any, frozenset[tuple[int, str]], Any, Any]:
    from .dates import parse_date, today

    plan, directory = _load(plan_file)
    now = today(plan.meta.timezone)
    day = parse_date(as_of, today=now, year=plan.meta.year) if as_of else now
    who = directory.resolve(unit) if unit is not None else None
    return plan, directory, _marked(plan, state_file) if marks else frozenset(), day, who


@app.command(cls=GongkaiCommand)
def status(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="按什么汇总：unit（单位）、section（工作任务）、part（部分）",
            metavar="WHAT",
            callback=_choice("--by", ("unit", "section", "part")),
        ),
    ] = "unit",
    unit: UnitOpt = None,
    as_of: AsOfOpt = None,
    window: WindowOpt = "7d",
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """完成情况汇总：各单位（或工作任务、部分）的完成、逾期、进度条和红黄绿灯，最差的在上。

    示例：gongkai status --by section --as-of 2023-12-01
    """
    from .dates import parse_duration
    from .queries import status_lines
    from .render import STATUS_COLUMNS, STATUS_HEADERS, emit, status_records, status_table

    days = parse_duration(window)
    plan, directory, marked, day, who = _report_context(plan_file, state_file, as_of, unit)
    lines = status_lines(plan, directory, marked, by, day, days, who)
    if fmt != "table":
        emit(status_records(lines), STATUS_COLUMNS, STATUS_HEADERS if fmt == "md" else STATUS_COLUMNS, fmt)
        return
    if not lines:
        _say("没有可以汇总的任务。")
        return
    caption = f"截至 {day.isoformat()}；红灯：有逾期；黄灯：{days} 天内到期；绿灯：正常"
    _draw(color, status_table(lines, by, caption))


@app.command(cls=GongkaiCommand)
def overdue(
    unit: UnitOpt = None,
    section: SectionOpt = None,
    as_of: AsOfOpt = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="有逾期时退出码为 1，没有时为 0（供脚本判断）", metavar=""),
    ] = False,
    fmt: FormatOpt = "table",
    color: ColorOpt = "auto",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """逾期未完成的任务：每个（任务，责任单位）一行，统称展开到成员单位，附逾期天数。

    示例：gongkai overdue --as-of 2023-12-01 --format json
    """
    from .queries import overdue_pairs, parse_section_ref

    plan, directory, marked, day, who = _report_context(plan_file, state_file, as_of, unit)
    number = parse_section_ref(plan, section) if section is not None else None
    pairs = overdue_pairs(plan, directory, marked, day, who, number)
    title = f"截至 {day.isoformat()} 逾期未完成"
    _pairs_output(plan, pairs, fmt, color, "days_overdue", "逾期天数", title, who is not None)
    if check and pairs:
        raise typer.Exit(EXIT_FOUND)


@app.command(cls=GongkaiCommand)
def due(
    within: Annotated[
        str, typer.Option("--within", help="多少天之内到期：7d、2w、10天", metavar="DAYS")
    ] = "7d",
    unit: UnitOpt = None,
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
    from .dates import parse_duration
    from .queries import due_pairs, parse_section_ref

    days = parse_duration(within)
    plan, directory, marked, day, who = _report_context(plan_file, state_file, as_of, unit)
    number = parse_section_ref(plan, section) if section is not None else None
    pairs = due_pairs(plan, directory, marked, day, days, who, number)
    title = f"{day.isoformat()} 起 {days} 天内到期、尚未完成"
    _pairs_output(plan, pairs, fmt, color, "days_left", "剩余天数", title, who is not None)


DETAIL_LIMIT = 200  # a report longer than this is shown per unit unless one unit is asked for


def _pairs_output(
    plan: Any, pairs: list[Any], fmt: str, color: str, days_key: str, header: str, title: str, one_unit: bool
) -> None:
    from .render import PAIR_COLUMNS, emit, pair_records, pairs_digest_table, pairs_table

    if fmt != "table":
        columns = (*PAIR_COLUMNS, days_key)
        emit(pair_records(plan, pairs, days_key), columns, columns, fmt)
        return
    if not pairs:
        _say(f"{title}的任务：没有。")
        return
    units = len({p.unit for p in pairs})
    caption = f"共 {len(pairs)} 项，涉及 {units} 个单位"
    if one_unit or len(pairs) <= DETAIL_LIMIT:
        _draw(color, pairs_table(plan, pairs, f"{title}的任务", header, caption))
        return
    _draw(color, pairs_digest_table(pairs, f"{title}的任务（按单位汇总）", header, caption))
    _say(
        f"共 {len(pairs)} 项，超过 {DETAIL_LIMIT} 项时按单位汇总；"
        "加 --unit 看某单位的明细，或用 --format csv 导出全部。"
    )


# ---------------------------------------------------------------------------------------------
# Ledgers for reporting upward


PROGRESS_FROM = 500  # rows from which an export shows a progress bar (on a terminal only)


@app.command(cls=GongkaiCommand)
def export(
    kind: Annotated[
        str,
        typer.Argument(
            help="格式：xlsx（台账）、ics（截止日期日历）、html（进度页面）、md（Markdown 报告）",
            metavar="FORMAT",
            callback=_choice("FORMAT", ("xlsx", "ics", "html", "md")),
        ),
    ],
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="输出文件；已存在时整体替换", metavar="PATH", show_default=False),
    ],
    unit: UnitOpt = None,
    as_of: AsOfOpt = None,
    window: WindowOpt = "7d",
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """导出台账（xlsx）、截止日期日历（ics）、进度页面（html）或 Markdown 报告。

    示例：gongkai export xlsx -o 2023政务公开台账.xlsx
    """
    from .dates import parse_duration
    from .exports import FORMATS, build_ledger

    days = parse_duration(window)
    plan, directory, _, day, who = _report_context(plan_file, state_file, as_of, unit, marks=False)
    store = _open_state(state_file, write=False)
    try:
        marks = store.plan_marks(plan.meta.identity)
    finally:
        store.close()
    if sys.stderr.isatty() and len(plan.tasks) >= PROGRESS_FROM:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            step = bar.add_task("整理任务", total=len(plan.tasks))
            ledger = build_ledger(
                plan, directory, marks, day, days, who.name if who else None, lambda n: bar.advance(step, n)
            )
            bar.update(step, completed=len(plan.tasks))
            bar.add_task(f"生成 {kind.upper()}", total=None)
            data = FORMATS[kind](ledger)
    else:
        ledger = build_ledger(plan, directory, marks, day, days, who.name if who else None)
        data = FORMATS[kind](ledger)
    _write_atomically(Path(output), data)
    _say(f"已导出 {len(ledger.rows)} 项任务到 {output}")


def build_command(typer_app: typer.Typer) -> Any:
    """The click group for ``typer_app`` with each command built when first asked for.

    Typer builds every command from its signature on every run (5 ms here, a twentieth of the
    whole start-up); this builds the group alone and leaves the commands to GongkaiGroup.lazy."""
    from functools import partial

    from typer import main as tm

    commands, groups = typer_app.registered_commands, typer_app.registered_groups
    typer_app.registered_commands, typer_app.registered_groups = [], []
    try:
        group = tm.get_group(typer_app)
    finally:
        typer_app.registered_commands, typer_app.registered_groups = commands, groups
    short, markup = typer_app.pretty_exceptions_short, typer_app.rich_markup_mode
    lazy: dict[str, Any] = {}
    for info in commands:
        assert info.callback is not None
        name = info.name or tm.get_command_name(info.callback.__name__)
        lazy[name] = partial(
            tm.get_command_from_info, info, pretty_exceptions_short=short, rich_markup_mode=markup
        )
    for sub in groups:
        assert sub.name
        lazy[sub.name] = partial(
            tm.get_group_from_info,
            sub,
            pretty_exceptions_short=short,
            rich_markup_mode=markup,
            suggest_commands=typer_app.suggest_commands,
        )
    assert isinstance(group, GongkaiGroup)
    group.lazy = lazy
    return group


def entry() -> None:
    """Run the command line (the console script goes through launch.py first)."""
    build_command(app).main(prog_name="gongkai")
