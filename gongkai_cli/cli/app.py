"""The root of the command line: the group, help in Chinese, and errors translated once.

Each command lives in a module of this package (one per group of commands) with a Typer app of
its own; the root group imports a module only when one of its commands runs (or help lists them),
through Typer's documented ``get_command`` (compat.click_command).

No ``from __future__ import annotations`` in the command modules: Typer reads the annotations.
"""

import contextlib
import errno
import importlib
import io
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_OUTPUT, EXIT_UNEXPECTED, EXIT_USAGE, GongkaiError, os_reason

# name -> (module, summary). Each command (or group of subcommands) is the Typer app ``<name>_app``
# of its module, so that running one builds only its own parameters. The order is that of
# `gongkai --help`, which shows the summaries without importing every command's module (a test keeps
# them equal to the first line of each command's own help).
COMMANDS: dict[str, tuple[str, str]] = {
    "tasks": ("tasks", "列出分解表中的任务，可按单位、工作任务、部分、截止日期和关键词筛选。"),
    "show": ("tasks", "显示一项任务的全部内容、其中的统称各包括哪些单位、各单位的完成情况和最近的历史记录。"),
    "done": ("marks", "标记任务完成：按责任单位记录，几个编号一起标记时要么全部成功，要么都不改。"),
    "undo": ("marks", "撤销完成标记。历史记录会同时保留标记和撤销两条。"),
    "note": ("marks", "补充佐证材料：追加到已标记完成的记录上，原有的保留，历史中保留每一版。"),
    "log": ("marks", "完成情况的历史：每一次标记和撤销，何时、何人、哪个单位、佐证材料。只增不删。"),
    "status": (
        "reports", "完成情况汇总：各单位（或工作任务、部分）的完成、逾期、进度条和红黄绿灯，最差的在上。"
    ),
    "overdue": ("reports", "逾期未完成的任务：每个（任务，责任单位）一行，统称展开到成员单位，附逾期天数。"),
    "due": ("reports", "即将到期、尚未完成的任务：截止日期在若干天之内，每个（任务，责任单位）一行。"),
    "export": (
        "ledgers",
        "导出台账（xlsx、csv）、截止日期日历（ics）、进度页面（html）、Markdown 报告或 Word 文档（docx）。",
    ),
    "units": ("tasks", "列出单位名录：每个单位的类别、别名、所属统称，以及各统称的成员。"),
    "validate": ("plans", "检查计划文件，列出全部问题及其位置（文件:行）。没有问题时退出码为 0。"),
    "schema": ("plans", "输出计划文件格式的说明（Markdown）。"),
    "plans": ("plans", "列出内置计划和已安装的计划；安装、删除计划。--plan 可以写计划的名称或年份。"),
    "import": (
        "imports",
        "把政府网站发布的分解表（Word、Excel、网页、CSV 或文本）转换为计划文件，并报告需要复核之处。",
    ),
    "state": ("state", "状态文件的位置；全区共用的数据库。"),
    "marks": ("marks", "导出、导入完成记录（JSON），用于备份、换机器或合并。"),
}  # fmt: skip
PANEL_COMMANDS = "命令"


def say_error(message: str) -> None:
    from ..text import inert_line

    sys.stderr.write(f"错误：{inert_line(message)}\n")
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
    """A group of commands (``marks``, ``state``, ``plans``)."""

    command_class = GongkaiCommand


class RootGroup(GongkaiGroup):
    """``gongkai``: builds a command only when it is asked for, and turns every error into one
    line of Chinese on stderr with the documented exit code."""

    listing = False  # True while the root's own help lists the commands

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        if self.listing:  # a name and a summary are all the list shows
            stub = GongkaiCommand(name=cmd_name, help=where[1])
            stub.rich_help_panel = PANEL_COMMANDS
            return stub
        module = importlib.import_module(f"{__package__}.{where[0]}")
        from ..compat import click_command

        built: Any = click_command(getattr(module, f"{cmd_name}_app"))  # only this command (or group)
        built.name = cmd_name
        built.rich_help_panel = PANEL_COMMANDS
        return built

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _reader_may_leave():  # --help and --version write while the command line is parsed
            return super().make_context(info_name, args, parent=parent, **extra)

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        self.listing = True  # command names and summaries, without importing every command
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self.listing = False

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        if os.environ.get(COMPLETE_VAR):  # a shell asking for completions (the scripts set it)
            from ..compat import enable_completion

            enable_completion()
        ce = _exceptions()
        extra["standalone_mode"] = False
        try:
            rv = super().main(args=args, prog_name=prog_name or "gongkai", **extra)
        except ce.NoArgsIsHelpError as exc:
            # Making the exception made the help: Typer's Rich help is printed then (the message is
            # empty), a plain one is the message
            if exc.message:
                sys.stdout.write(exc.message + "\n")
            sys.exit(0)
        except ce.UsageError as exc:
            say_error(_usage_message(exc))
            sys.exit(EXIT_USAGE)
        except GongkaiError as exc:
            say_error(str(exc))
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            interrupted()
        except BrokenPipeError:
            _reader_gone()
        except OSError as exc:
            if exc.errno not in OUTPUT_ERRNOS:
                unexpected(exc)
            # Only our own output reaches here: every file we write translates its own errors.
            _discard_stdout()
            say_error(f"无法写出输出：{os_reason(exc)}")
            sys.exit(EXIT_OUTPUT)
        except Exception as exc:
            unexpected(exc)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # Ctrl-C is caught here: the framework would turn it into a silent exit 130 on its way out.
        try:
            with _reader_may_leave():
                rv = super().invoke(ctx)
                sys.stdout.flush()  # now, not at interpreter exit where a closed pipe prints a warning
                return rv
        except KeyboardInterrupt:
            interrupted()


@contextlib.contextmanager
def _reader_may_leave() -> Iterator[None]:
    """Where output is written under the framework's handling (parsing, which prints --help and
    --version, and the command), whose rule for a reader that went away is exit 1 (Typer's for a
    closed pipe; Rich's console raises SystemExit(1) after pointing stdout at /dev/null): gongkai's
    rule instead (``_reader_gone``)."""
    try:
        yield
    except BrokenPipeError:
        _reader_gone()
    except SystemExit as exc:
        if exc.code == 1 and isinstance(exc.__context__, BrokenPipeError):
            _reader_gone()
        raise


# What to exit with when the reader of stdout goes away: 0, unless the command has already found what
# its exit code reports (``overdue --check`` found overdue rows, ``validate`` found problems), which a
# script that reads only the first lines (``| head -1`` under pipefail) must still get.
_reader_gone_code = 0


def found(code: int) -> None:
    """The exit code the command will end with, known before its output is written."""
    global _reader_gone_code
    _reader_gone_code = code


def _reader_gone() -> NoReturn:
    """The reader went away (`gongkai overdue -f json | head`): stop quietly, exit 0 (or what the
    command has already found: ``found``)."""
    _discard_stdout()
    sys.exit(_reader_gone_code)


def _discard_stdout() -> None:
    """Point fd 1 at /dev/null, so that what is still buffered cannot fail again at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


# What a full disk, a quota or a broken device says when stdout is written to.
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}
DEBUG_ENV = "GONGKAI_DEBUG"


def interrupted() -> NoReturn:
    """Ctrl-C (SIGINT): one line and exit 130, wherever it came."""
    _discard_stdout()
    say_error("已中断")
    sys.exit(EXIT_INTERRUPTED)


def unexpected(exc: BaseException) -> NoReturn:
    """The last resort: a fault nobody foresaw becomes one line and exit 70; GONGKAI_DEBUG=1 also
    prints the traceback, for a bug report."""
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0")
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    hint = "详细信息见上，报告问题时请附上" if debug else f"设置环境变量 {DEBUG_ENV}=1 再运行可看到详细信息"
    say_error(f"意外的内部错误（{type(exc).__name__}{'：' + detail if detail else ''}）。{hint}")
    sys.exit(EXIT_UNEXPECTED)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gongkai {__version__}\n")
        raise typer.Exit()


COMPLETE_VAR = "_GONGKAI_COMPLETE"


def _install_completion(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from .completion import install

        install()
        raise typer.Exit()


def _show_completion(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from .completion import show

        show()
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
    install_completion: bool = typer.Option(
        False,
        "--install-completion",
        help="为当前的 shell（bash、zsh、fish、PowerShell）安装命令补全：Tab 补全命令、选项、单位、任务编号",
        callback=_install_completion,
        is_eager=True,
        expose_value=False,
        rich_help_panel="选项",
    ),
    show_completion: bool = typer.Option(
        False,
        "--show-completion",
        help="输出当前 shell 的补全脚本，可复制或自行安装",
        callback=_show_completion,
        is_eager=True,
        expose_value=False,
        rich_help_panel="选项",
    ),
) -> None:
    """政务公开重点工作任务分解表的命令行清单工具。

    按单位、工作任务、截止日期查询分解表。示例：gongkai tasks --unit 区教体局
    """


def entry() -> None:
    """Run the command line (the console script goes through launch.py first)."""
    utf8_stdio()
    try:
        from ..compat import click_command

        click_command(app).main(prog_name="gongkai")
    except KeyboardInterrupt:
        interrupted()
    except Exception as exc:
        unexpected(exc)


class _ClosedStream(io.TextIOBase):
    """Stands for stdout or stderr when the process was started with it closed (``>&-``), where
    Python leaves None: writing fails as writing to a closed descriptor does (EBADF), which reaches
    the user as an output error (exit 6), and a command that writes nothing there works."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def utf8_stdio() -> None:
    """gongkai writes UTF-8 whatever the locale says (LANG=C, PYTHONIOENCODING=latin-1): its text is
    Chinese, which such an encoding cannot carry, and its JSON and CSV are UTF-8 by contract.
    A closed stdout fails when written to (exit 6); with stderr closed (``2>&-``) messages are
    dropped, and the exit code still says what happened."""
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the whole run
    for stream, errors in ((sys.stdout, "surrogateescape"), (sys.stderr, "backslashreplace")):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(encoding="utf-8", errors=errors)
