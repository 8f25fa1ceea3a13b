"""Input files: only regular files are read, so a FIFO, a device or a socket given by mistake (or
malice) is refused at once instead of blocking forever or reading without end."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

NOT_REGULAR = "不是普通文件（是管道、设备或套接字）"


class NotRegularFileError(OSError):
    """The path names something other than a regular file (a FIFO, a device, a socket)."""


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file.

    Opening with O_NONBLOCK returns at once even for a FIFO with no writer; fstat on the opened
    descriptor (not a stat before it) then decides, so nothing can be swapped in between. A
    directory raises IsADirectoryError as ``open`` would; any other non-regular file raises
    NotRegularFileError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(errno.EINVAL, NOT_REGULAR, str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
