"""Where completion marks are kept: choosing the state location and opening the store behind it.

``open_store`` picks the backend from the target: a file path is an SQLite state file; a libpq
address (``postgresql://…``, ``postgres://…`` or ``service=NAME``) is the shared PostgreSQL store. A
backend's module (and sqlite3 or psycopg) is imported only when a target needs it. Nothing here
imports the CLI, the plan or output.
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
    "grant_database",
    "init_database",
    "is_database",
    "mark_record",
    "open_store",
    "parse_export",
    "read_export",
    "schema_sql",
    "shown_target",
    "state_path",
    "state_target",
    "utc_now",
]

STATE_ENV = "GONGKAI_STATE"

# A database address rather than a file path: a libpq URI, or a keyword connection string naming a
# service (pg_service.conf) or a host. ``Path`` folds "//" into "/", so both spellings count.
_DATABASE_URL = re.compile(r"(postgres|postgresql):/", re.IGNORECASE)
_DATABASE_KEYWORDS = re.compile(r"\s*(service|host|dbname)\s*=", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(://[^/?#@:]*:)([^/?#@]*)(@)")
_PARAM_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)


def is_database(target: str | os.PathLike[str]) -> bool:
    """Whether the state target is a PostgreSQL address rather than an SQLite file."""
    text = os.fspath(target)
    return bool(_DATABASE_URL.match(text) or _DATABASE_KEYWORDS.match(text))


def shown_target(target: str) -> str:
    """The target as shown to users: any password in it replaced by ***."""
    return _PARAM_PASSWORD.sub(r"\1***", _URI_PASSWORD.sub(r"\1***\3", target))


def default_state_path() -> Path:
    """The platform's user data directory."""
    return user_data_dir() / "state.sqlite3"


def state_path(option: str | None) -> Path:
    """``--state``, else ``GONGKAI_STATE``, else the platform's user data directory."""
    chosen = option or os.environ.get(STATE_ENV)
    return Path(chosen).expanduser() if chosen else default_state_path()


def state_target(option: str | None) -> str | Path:
    """Like ``state_path``, but a database address stays the text it was (a Path would fold its
    "//")."""
    chosen = option or os.environ.get(STATE_ENV)
    if chosen and is_database(chosen):
        return chosen.strip()
    return state_path(option)


def open_store(target: str | os.PathLike[str], write: bool) -> Store:
    """Open the store at ``target``. Reading never creates anything; writing creates the store when
    it is missing. Every failure is a StateError, BusyError or DeniedError with a Chinese message."""
    text = os.fspath(target)
    if is_database(text):
        if isinstance(target, Path):  # "postgresql:///db" became "postgresql:/db": not recoverable
            raise StateError(f"数据库地址被当成了文件路径：{shown_target(text)}（请原样传入地址文本）")
        from .postgres import open_postgres

        return open_postgres(text, write)
    from .sqlite import open_sqlite

    return open_sqlite(Path(text), write)


def _database(target: str | os.PathLike[str], command: str) -> str:
    text = os.fspath(target)
    if not is_database(text) or isinstance(target, Path):
        raise StateError(
            f"gongkai state {command} 只用于 PostgreSQL 数据库（--state postgresql://… 或 service=名称）；"
            "SQLite 状态文件在第一次标记时自动创建"
        )
    return text


def init_database(
    target: str | os.PathLike[str], identity: str | None, pairs: list[tuple[int, str]]
) -> dict[str, object]:
    """Create or upgrade the PostgreSQL schema; with a plan identity, load its reference pairs."""
    from .postgres import init_schema

    return init_schema(_database(target, "init"), identity, pairs)


def grant_database(
    target: str | os.PathLike[str], role: str, units: list[str], coordinator: bool
) -> dict[str, object]:
    """Map a database login to units (or make it a coordinator)."""
    from .postgres import grant

    return grant(_database(target, "grant"), role, units, coordinator)


def schema_sql(identity: str | None = None, pairs: list[tuple[int, str]] | None = None) -> str:
    """The SQL ``state init`` runs, for a DBA to run with psql (no connection, no psycopg)."""
    from .pg_admin import full_script

    return full_script(identity, pairs or [])
