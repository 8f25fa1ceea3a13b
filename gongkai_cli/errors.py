"""Errors that reach the user, each with its exit code.

The CLI translates every GongkaiError once, in one place, into a one-line message on stderr and
the exit code below. Nothing else prints tracebacks to users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

# Documented exit codes (README "退出码").
EXIT_OK = 0
EXIT_FOUND = 1  # a check found something: `validate` found problems, `overdue --check` found items,
#                `import` wrote the plan but lists items to review
EXIT_USAGE = 2  # bad arguments: unknown option, unknown unit/id/section, unreadable date
EXIT_PLAN = 3  # the plan file cannot be read or is not a valid plan; `import`: nothing importable
EXIT_STATE = 4  # the state file cannot be used
EXIT_BUSY = 5  # the state file stayed locked by another writer
EXIT_OUTPUT = 6  # an output file cannot be written (missing or read-only directory), or stdout is full
EXIT_SOURCE = 7  # a file to import cannot be read: empty, encrypted, corrupt, wrong format, too big
EXIT_DENIED = 8  # the shared database refuses this login the write (another unit's mark)
EXIT_UNEXPECTED = 70  # a fault gongkai did not foresee (a bug): one line, GONGKAI_DEBUG=1 shows the traceback
EXIT_INTERRUPTED = 130


class GongkaiError(Exception):
    """An error meant for the user. ``str(err)`` is the one-line Chinese message."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(GongkaiError):
    """A bad argument or option value."""

    exit_code = EXIT_USAGE


class PlanError(GongkaiError):
    """The plan file is missing, unreadable or invalid.

    ``problems`` holds every problem validation found (``gongkai_cli.plan.Problem`` records, each
    with ``line``, ``message`` and ``render(path)``), the message naming only the first; it is
    empty when the file could not be read at all.
    """

    exit_code = EXIT_PLAN

    def __init__(self, message: str, problems: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.problems: list[Any] = list(problems)


class StateError(GongkaiError):
    """The state file is missing, corrupt, foreign or not writable."""

    exit_code = EXIT_STATE


class BusyError(GongkaiError):
    """Another process kept the state file locked past the wait limit."""

    exit_code = EXIT_BUSY


class OutputError(GongkaiError):
    """An output file cannot be written."""

    exit_code = EXIT_OUTPUT


class SourceError(GongkaiError):
    """A file given to ``gongkai import`` cannot be read as a table document.

    Empty, encrypted, corrupt, not the format its name says, or over the size limits (a zip bomb,
    a sheet too large, HTML nested too deeply). The message names the file and what to do.
    """

    exit_code = EXIT_SOURCE


class NothingToImport(GongkaiError):
    """``gongkai import`` found nothing to import: no table, no header row, or no data rows.

    Exit 3, as a plan that cannot be built. (A plan written with items to review exits 1,
    ``EXIT_FOUND``, and is not an error.)
    """

    exit_code = EXIT_PLAN


_OS_REASONS = {
    "ENOENT": "文件或目录不存在",
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "EISDIR": "这是一个目录",
    "ENOTDIR": "路径中有一段不是目录",
    "ENOSPC": "磁盘已满",
    "EDQUOT": "超出磁盘配额",
    "EROFS": "文件系统是只读的",
    "EEXIST": "已经存在",
    "ENAMETOOLONG": "文件名太长",
    "ELOOP": "符号链接层数太多",
    "EBUSY": "正被占用",
    "EIO": "输入输出错误（磁盘或网络文件系统出错）",
    "EMFILE": "打开的文件太多",
    "ENFILE": "打开的文件太多",
    "ENXIO": "没有这个设备，或管道没有读取者",
    "EPIPE": "管道已经关闭",
    "ETXTBSY": "文件正被执行",
    "EXDEV": "不能跨文件系统移动",
    "EBADF": "输出已关闭",
}


def os_reason(exc: BaseException) -> str:
    """Why an OSError happened, in Chinese (the system's own strerror is English, or in the
    machine's locale); the errno name stays beside it for whoever reports the problem."""
    import errno

    number = getattr(exc, "errno", None)
    name = errno.errorcode.get(number, "") if isinstance(number, int) else ""
    reason = _OS_REASONS.get(name)
    if reason:
        return f"{reason}（{name}）"
    return str(getattr(exc, "strerror", None) or exc) + (f"（{name}）" if name else "")


class DeniedError(GongkaiError):
    """The shared PostgreSQL store refuses the login a write: another unit's mark, or no grant."""

    exit_code = EXIT_DENIED
