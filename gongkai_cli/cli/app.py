"""The root of the command line: the group, help in Chinese, and errors translated once.

Each command lives in a module of this package (one per group of commands) with a Typer app of
its own; the root group imports a module only when one of its commands runs (or help lists them),
through Typer's public ``typer.main.get_command``.

No ``from __future__ import annotations`` in the command modules: Typer reads the annotations.
"""

import importlib
import os
import re
import sys
from typing import Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_USAGE, GongkaiError

# name -> (module, attribute): the order is the order of `gongkai --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "tasks": ("tasks", "app"),
    "show": ("tasks", "app"),
    "done": ("marks", "app"),
    "undo": ("marks", "app"),
    "log": ("marks", "app"),
    "status": ("reports", "app"),
    "overdue": ("reports", "app"),
    "due": ("reports", "app"),
    "export": ("ledgers", "app"),
    "units": ("tasks", "app"),
    "validate": ("plans", "app"),
    "schema": ("plans", "app"),
    "state": ("state", "state_app"),
    "marks": ("marks", "marks_app"),
}
PANEL_COMMANDS = "命令"


def say_error(message: str) -> None:
    sys.stderr.write(f"错误：{message}\n")
    sys.stderr.flush()


def _usage_message(exc: Any) -> str:
    ce = _exceptions()
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
    if m := re.match(r"No such command '(.+?)'", message):
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
    return opts[0] if opts else (param.metavar or param.name or "").strip("[]{}")


def _exceptions() -> Any:
    from ..compat import click_exceptions

    return click_exceptions()


class ChineseHelp:
    """Usage line and help option in Chinese; help texts fold instead of being cut."""

    def get_help_option(self, ctx: Any) -> Any:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = "显示帮助并退出"
            opt.rich_help_panel = "选项"
        return opt

    def get_usage(self, ctx: Any) -> str:
        usage: str = super().get_usage(ctx)  # type: ignore[misc]
        usage = usage.replace("Usage: ", "用法: ", 1).replace("[OPTIONS]", "[选项]")
        return usage.replace("COMMAND [ARGS]...", "命令 [参数]...")

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from ..compat import fold_help_text

        fold_help_text()
        super().format_help(ctx, formatter)  # type: ignore[misc]


class GongkaiCommand(ChineseHelp, TyperCommand):
    pass


class GongkaiGroup(ChineseHelp, TyperGroup):
    """A group of commands (``marks``, ``state``)."""

    command_class = GongkaiCommand


class RootGroup(GongkaiGroup):
    """``gongkai``: builds a command only when it is asked for, and turns every error into one
    line of Chinese on stderr with the documented exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module = importlib.import_module(f"{__package__}.{where[0]}")
        built: Any = typer.main.get_command(getattr(module, where[1]))
        if where[1] == "app" and isinstance(built, TyperGroup):
            built = built.commands.get(cmd_name)
        if built is not None:
            built.name = cmd_name
            built.rich_help_panel = PANEL_COMMANDS
        return built

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        ce = _exceptions()
        extra["standalone_mode"] = False
        try:
            rv = super().main(args=args, prog_name=prog_name or "gongkai", **extra)
        except ce.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n")
            sys.exit(0)
        except ce.UsageError as exc:
            say_error(_usage_message(exc))
            sys.exit(EXIT_USAGE)
        except GongkaiError as exc:
            say_error(str(exc))
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            say_error("已中断")
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _reader_gone()
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # A closed pipe is caught here: the framework turns it into exit 1 on its way out.
        try:
            rv = super().invoke(ctx)
            sys.stdout.flush()  # now, not at interpreter exit where a closed pipe prints a warning
            return rv
        except BrokenPipeError:
            _reader_gone()


def _reader_gone() -> NoReturn:
    """The reader went away (`gongkai overdue -f json | head`): stop quietly, exit 0."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gongkai {__version__}\n")
        raise typer.Exit()


app = typer.Typer(
    cls=RootGroup,
    name="gongkai",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", help="显示版本并退出", callback=_version, is_eager=True, rich_help_panel="选项"
    ),
) -> None:
    """政务公开重点工作任务分解表的命令行清单工具。

    按单位、工作任务、截止日期查询分解表。示例：gongkai tasks --unit 区教体局
    """


def entry() -> None:
    """Run the command line (the console script goes through launch.py first)."""
    typer.main.get_command(app).main(prog_name="gongkai")
