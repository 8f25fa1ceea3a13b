"""Output files: a regular file is written beside itself and renamed over, never left half-written;
anything else at the path is never replaced.

- a new path or a regular file: a temporary file in the same directory, renamed over it. An
  existing file keeps its mode (and, where we may, its owner); a new one gets what the umask allows,
  as a file made by ``>`` would.
- a symbolic link: followed to the regular file it points to, which is replaced (the link stays); a
  link to nothing is refused.
- a character device or a FIFO (``-o /dev/null``, ``-o /dev/stdout``, a named pipe with a reader):
  written through as a stream. A FIFO nobody reads is refused instead of waited on.
- a block device, a socket, a directory: refused with one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from ..errors import OutputError

Data = str | bytes | Iterable[bytes]


def write_atomically(path: Path, data: Data) -> None:
    """Write ``data`` to ``path`` as described above. ``data`` may come in chunks (a large calendar
    is never held whole)."""
    try:
        st: os.stat_result | None = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        st = None
        if os.path.islink(path):
            raise OutputError(f"输出路径是指向不存在文件的符号链接，未写入：{path}") from None
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
    if st is None:
        _replace(path, data, None)
        return
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise OutputError(f"输出路径是一个目录：{path}")
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        kind = "块设备" if stat.S_ISBLK(mode) else "套接字"
        raise OutputError(f"输出路径是{kind}，不会写入：{path}")
    real = os.path.realpath(path)
    if not stat.S_ISREG(mode) or real.startswith("/proc/"):
        # A device, a FIFO, or /dev/stdout and the like (a link into /proc to whatever fd 1 is):
        # the thing itself is written to, never replaced by a file of ours.
        _write_through(path, data)
        return
    _replace(Path(real), data, st)


def _chunks(data: Data) -> Iterable[bytes]:
    if isinstance(data, str):
        return (data.encode("utf-8"),)
    if isinstance(data, bytes):
        return (data,)
    return data


def _write_through(path: Path, data: Data) -> None:
    flags = os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO without a reader (or a socket)
            raise OutputError(f"输出路径是没有读取者的管道，不会等待：{path}") from None
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            for chunk in _chunks(data):
                fh.write(chunk)
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _replace(path: Path, data: Data, existing: os.stat_result | None) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"输出目录不存在：{directory}")
    fd, tmp = _temporary(directory, existing)
    try:
        with os.fdopen(fd, "wb") as fh:
            if existing is not None:
                _keep_mode_and_owner(fh.fileno(), existing)
            for chunk in _chunks(data):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temporary(directory: Path, existing: os.stat_result | None) -> tuple[int, Path]:
    """A new file in ``directory`` with a short name (the target's own name may already be as long
    as the file system allows), created 0666 less the umask as ``>`` would, or 0600 while it
    becomes a copy of an existing file's mode."""
    create_mode = 0o600 if existing is not None else 0o666
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(20):
        tmp = directory / f".gongkai-{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, create_mode), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"无法写入 {directory}：{exc.strerror or exc}") from None
    raise OutputError(f"无法在 {directory} 中建立临时文件")


def _keep_mode_and_owner(fd: int, existing: os.stat_result) -> None:
    with contextlib.suppress(OSError):  # only root may give a file away; a user's own file stays theirs
        os.fchown(fd, existing.st_uid, existing.st_gid)
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))
