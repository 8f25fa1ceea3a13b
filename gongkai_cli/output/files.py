"""Output files: written beside the target and renamed over it, never left half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import OutputError


def write_atomically(path: Path, data: str | bytes | Iterable[bytes]) -> None:
    """Write a temporary file beside ``path``, then rename it over: never a half-written file.
    ``data`` may come in chunks (a large calendar is never held whole)."""
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
