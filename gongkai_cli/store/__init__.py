"""Where completion marks are kept: choosing the state location and opening the store behind it.

``open_store`` picks the backend from the target: a file path is an SQLite state file. A backend's
module is imported only when a target needs it. Nothing here imports the CLI, the plan or output.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..dirs import user_data_dir
from ..errors import StateError
from .base import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    PREFER_VALUES,
    MarkChange,
    MarkOutcome,
    MergeResult,
    Store,
    export_document,
    mark_record,
    parse_export,
    read_export,
    utc_now,
)

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "PREFER_VALUES",
    "STATE_ENV",
    "MarkChange",
    "MarkOutcome",
    "MergeResult",
    "Store",
    "default_state_path",
    "export_document",
    "mark_record",
    "open_store",
    "parse_export",
    "read_export",
    "state_path",
    "utc_now",
]

STATE_ENV = "GONGKAI_STATE"

# A database address rather than a file path. ``Path`` folds "//" into "/", so both spellings count.
_DATABASE_URL = re.compile(r"(postgres|postgresql):/", re.IGNORECASE)


def default_state_path() -> Path:
    """The platform's user data directory."""
    return user_data_dir() / "state.sqlite3"


def state_path(option: str | None) -> Path:
    """``--state``, else ``GONGKAI_STATE``, else the platform's user data directory."""
    chosen = option or os.environ.get(STATE_ENV)
    return Path(chosen).expanduser() if chosen else default_state_path()


def open_store(target: str | os.PathLike[str], write: bool) -> Store:
    """Open the store at ``target``. Reading never creates anything; writing creates the store when
    it is missing. Every failure is a StateError or BusyError with a Chinese message."""
    text = os.fspath(target)
    if _DATABASE_URL.match(text):
        # The PostgreSQL store comes in a later version, as store/postgres.py, imported only here.
        raise StateError(
            f"暂不支持数据库地址作为状态位置：{text.split(':', 1)[0]}:…（目前只支持 SQLite 状态文件）"
        )
    from .sqlite import open_sqlite

    return open_sqlite(Path(text), write)
