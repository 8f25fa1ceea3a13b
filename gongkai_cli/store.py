"""Completion marks: where the state file lives, transactions, and the append-only history.

The state file is a SQLite database. Marks are keyed by the plan's identity (文号 + year), the task id
and the responsible unit, so one file holds several plans and editing a plan's wording never orphans
a mark. Every change is one transaction (all or nothing) and is also written to ``events``, which
triggers keep append-only. Commands that only read open the file read-only and never create it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import BusyError, StateError, UsageError
from .model import Event, Mark

STATE_ENV = "GONGKAI_STATE"
BUSY_ENV = "GONGKAI_BUSY_TIMEOUT"
SCHEMA_VERSION = 1
APPLICATION_ID = 0x676B6169  # "gkai": tells a gongkai state file from any other SQLite file
DEFAULT_BUSY_SECONDS = 10.0

_SCHEMA_V1 = """
CREATE TABLE marks (
    plan      TEXT    NOT NULL,              -- plan identity: 文号#year
    task_id   INTEGER NOT NULL,
    unit      TEXT    NOT NULL,              -- responsible unit (or a group that counts as one)
    done_on   TEXT    NOT NULL,              -- YYYY-MM-DD, when the work was finished
    note      TEXT,                          -- evidence: a link, a document number
    by        TEXT    NOT NULL,              -- who marked it
    marked_at TEXT    NOT NULL,              -- when it was marked, UTC ISO 8601
    PRIMARY KEY (plan, task_id, unit)
) WITHOUT ROWID;
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT    NOT NULL,              -- UTC ISO 8601
    action    TEXT    NOT NULL CHECK (action IN ('done', 'undo')),
    plan      TEXT    NOT NULL,
    task_id   INTEGER NOT NULL,
    unit      TEXT    NOT NULL,
    done_on   TEXT,
    note      TEXT,
    by        TEXT    NOT NULL,
    source    TEXT    NOT NULL DEFAULT 'cli' -- cli | import
);
CREATE INDEX events_by_task ON events (plan, task_id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""

# Each entry upgrades the schema from version (key - 1) to version key, inside one transaction.
MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1}


def default_state_path() -> Path:
    """The platform's user data directory."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "gongkai" / "state.sqlite3"


def state_path(option: str | None) -> Path:
    """``--state``, else ``GONGKAI_STATE``, else the platform's user data directory."""
    chosen = option or os.environ.get(STATE_ENV)
    return Path(chosen).expanduser() if chosen else default_state_path()


def busy_seconds() -> float:
    raw = os.environ.get(BUSY_ENV)
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_BUSY_SECONDS
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class Store:
    """One open state file. Use ``open_store`` to get one."""

    def __init__(self, path: Path, conn: sqlite3.Connection | None) -> None:
        self.path = path
        self._conn = conn  # None: the file does not exist yet and we only read

    # -- reading -----------------------------------------------------------------------------

    def plan_marks(self, plan: str) -> dict[tuple[int, str], Mark]:
        """Every mark of the plan with its date, note and who (for ledgers and exports)."""
        if self._conn is None:
            return {}
        rows = self._query(
            "SELECT plan, task_id, unit, done_on, note, by, marked_at FROM marks WHERE plan = ?", (plan,)
        )
        return {(r[1], r[2]): _mark(r) for r in rows}

    def marked_pairs(self, plan: str) -> frozenset[tuple[int, str]]:
        """(task id, unit) of every mark of the plan: all that status and filters need, read fast."""
        if self._conn is None:
            return frozenset()
        try:
            return frozenset(self._conn.execute("SELECT task_id, unit FROM marks WHERE plan = ?", (plan,)))
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from None
        except sqlite3.DatabaseError as exc:
            raise StateError(f"状态文件已损坏，无法读取：{self.path}（{exc}）") from None

    def events(self, plan: str, task_id: int | None = None, unit: str | None = None) -> list[Event]:
        if self._conn is None:
            return []
        sql = "SELECT seq, at, action, plan, task_id, unit, done_on, note, by, source FROM events"
        sql += " WHERE plan = ?"
        args: list[object] = [plan]
        if task_id is not None:
            sql += " AND task_id = ?"
            args.append(task_id)
        if unit is not None:
            sql += " AND unit = ?"
            args.append(unit)
        rows = self._query(sql + " ORDER BY seq", tuple(args))
        return [
            Event(r[0], r[1], r[2], r[3], r[4], r[5], _date(r[6]) if r[6] else None, r[7], r[8], r[9])
            for r in rows
        ]

    def all_marks(self) -> list[Mark]:
        if self._conn is None:
            return []
        rows = self._query(
            "SELECT plan, task_id, unit, done_on, note, by, marked_at FROM marks"
            " ORDER BY plan, task_id, unit",
            (),
        )
        return [_mark(r) for r in rows]

    def _query(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        assert self._conn is not None
        try:
            return list(self._conn.execute(sql, args))
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from None
        except sqlite3.DatabaseError as exc:
            raise StateError(f"状态文件已损坏，无法读取：{self.path}（{exc}）") from None

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: all or nothing, and one writer at a time."""
        conn = self._conn
        if conn is None:
            raise StateError(f"状态文件以只读方式打开：{self.path}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from None
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        try:
            conn.commit()
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise _translate(exc, self.path) from None

    def add_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark]]:
        """Insert marks that are not there yet, with their events, in one transaction.

        Returns (added, already present as they were).
        """
        added: list[Mark] = []
        present: list[Mark] = []
        with self.transaction() as conn:
            for mark in marks:
                existing = _existing(conn, mark.plan, mark.task_id, mark.unit)
                if existing is not None:
                    present.append(existing)
                    continue
                _insert(conn, mark, "cli")
                added.append(mark)
        return added, present

    def remove_marks(
        self, plan: str, pairs: Iterable[tuple[int, str]], by: str
    ) -> tuple[list[Mark], list[tuple[int, str]]]:
        """Delete marks (the history keeps both events). Returns (removed, were not marked)."""
        removed: list[Mark] = []
        missing: list[tuple[int, str]] = []
        with self.transaction() as conn:
            for task_id, unit in pairs:
                mark = _existing(conn, plan, task_id, unit)
                if mark is None:
                    missing.append((task_id, unit))
                    continue
                conn.execute(
                    "DELETE FROM marks WHERE plan = ? AND task_id = ? AND unit = ?", (plan, task_id, unit)
                )
                _event(conn, "undo", plan, task_id, unit, mark.done_on, mark.note, by, "cli")
                removed.append(mark)
        return removed, missing

    def import_marks(self, marks: list[Mark]) -> tuple[list[Mark], list[Mark], list[tuple[Mark, Mark]]]:
        """Merge marks in one transaction: (added, identical already, conflicts left as they were)."""
        added: list[Mark] = []
        same: list[Mark] = []
        conflicts: list[tuple[Mark, Mark]] = []
        with self.transaction() as conn:
            for mark in marks:
                ours = _existing(conn, mark.plan, mark.task_id, mark.unit)
                if ours is None:
                    _insert(conn, mark, "import")
                    added.append(mark)
                elif (ours.done_on, ours.note, ours.by) == (mark.done_on, mark.note, mark.by):
                    same.append(ours)
                else:
                    conflicts.append((ours, mark))
        return added, same, conflicts

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _existing(conn: sqlite3.Connection, plan: str, task_id: int, unit: str) -> Mark | None:
    row = conn.execute(
        "SELECT plan, task_id, unit, done_on, note, by, marked_at FROM marks"
        " WHERE plan = ? AND task_id = ? AND unit = ?",
        (plan, task_id, unit),
    ).fetchone()
    return None if row is None else _mark(row)


def _insert(conn: sqlite3.Connection, mark: Mark, source: str) -> None:
    conn.execute(
        "INSERT INTO marks (plan, task_id, unit, done_on, note, by, marked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (mark.plan, mark.task_id, mark.unit, mark.done_on.isoformat(), mark.note, mark.by, mark.marked_at),
    )
    _event(conn, "done", mark.plan, mark.task_id, mark.unit, mark.done_on, mark.note, mark.by, source)


def _event(
    conn: sqlite3.Connection,
    action: str,
    plan: str,
    task_id: int,
    unit: str,
    done_on: dt.date | None,
    note: str | None,
    by: str,
    source: str,
) -> None:
    conn.execute(
        "INSERT INTO events (at, action, plan, task_id, unit, done_on, note, by, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), action, plan, task_id, unit, done_on.isoformat() if done_on else None, note, by, source),
    )


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value))


def _mark(row: tuple[object, ...]) -> Mark:
    return Mark(
        plan=str(row[0]),
        task_id=int(row[1]),  # type: ignore[call-overload]
        unit=str(row[2]),
        done_on=_date(row[3]),
        note=None if row[4] is None else str(row[4]),
        by=str(row[5]),
        marked_at=str(row[6]),
    )


def _translate(exc: sqlite3.OperationalError, path: Path) -> Exception:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return BusyError(f"状态文件正被其他进程写入，等待 {busy_seconds():g} 秒后放弃：{path}")
    if "readonly" in text or "read-only" in text:
        return StateError(f"状态文件是只读的，无法写入：{path}")
    if "unable to open" in text:
        return StateError(f"无法打开状态文件：{path}（目录不存在或没有权限）")
    if "disk" in text and ("full" in text or "I/O" in text):
        return StateError(f"写入状态文件失败（磁盘已满或 I/O 错误）：{path}")
    return StateError(f"状态文件出错：{path}（{text}）")


# ---------------------------------------------------------------------------------------------
# Opening


def open_store(path: Path, write: bool) -> Store:
    """Open the state file. Reading never creates or changes it; writing creates it when missing.

    A file that is not a gongkai state file, is corrupt, or was written by a newer gongkai is refused
    and left untouched.
    """
    if path.is_dir():
        raise StateError(f"状态文件路径是一个目录：{path}")
    exists = path.exists()
    if not exists and not write:
        return Store(path, None)
    if exists:
        _check_header(path)
    elif not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"无法创建状态文件所在的目录 {path.parent}：{exc.strerror or exc}") from None
    if write and not _writable(path):
        raise StateError(f"状态文件所在位置不可写入（只读的目录或文件系统）：{path}")
    try:
        conn, ready = _connect(path, write, immutable=False)
    except StateError:
        if write or _writable(path):
            raise
        # A read-only place (a CD, a read-only mount) cannot hold SQLite's shared-memory file;
        # nobody can be writing there, so the file can be read as immutable.
        conn, ready = _connect(path, write, immutable=True)
    if not ready:  # an empty file and we only read: nothing recorded yet
        conn.close()
        return Store(path, None)
    return Store(path, conn)


def _writable(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect(path: Path, write: bool, immutable: bool) -> tuple[sqlite3.Connection, bool]:
    timeout = busy_seconds()
    try:
        if write:
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        else:
            uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
            conn = sqlite3.connect(uri, timeout=timeout, isolation_level=None, uri=True)
    except sqlite3.OperationalError as exc:
        raise _translate(exc, path) from None
    try:
        ready = _prepare(conn, path, write)
    except BaseException:
        conn.close()
        raise
    return conn, ready


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite at all before SQLite sees it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StateError(f"无法读取状态文件 {path}：{exc.strerror or exc}") from None
    if head and head != b"SQLite format 3\x00":
        raise StateError(f"{path} 不是 gongkai 的状态文件（不是 SQLite 数据库），未做任何改动")


def _prepare(conn: sqlite3.Connection, path: Path, write: bool) -> bool:
    """Check what the file is and bring its schema up to date when writing; False: empty, read-only."""
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_seconds() * 1000)}")
        # One statement, so one snapshot: another process may be creating the file right now.
        app_id, version, tables = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id()),"
            " (SELECT user_version FROM pragma_user_version()),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
    except sqlite3.OperationalError as exc:
        raise _translate(exc, path) from None
    except sqlite3.DatabaseError as exc:
        raise StateError(f"状态文件已损坏或不是 SQLite 数据库：{path}（{exc}），未做任何改动") from None
    if app_id != APPLICATION_ID and (tables or app_id):
        raise StateError(f"{path} 是别的程序的 SQLite 数据库，不是 gongkai 的状态文件，未做任何改动")
    if version > SCHEMA_VERSION:
        raise StateError(
            f"状态文件 {path} 的格式版本是 {version}，比本程序支持的 {SCHEMA_VERSION} 新；请升级 gongkai"
        )
    if version == SCHEMA_VERSION:
        if write:
            conn.execute("PRAGMA synchronous = FULL")
        return True
    if not write:
        if app_id == 0 and not tables:  # an empty file: nothing recorded yet
            return False
        raise StateError(
            f"状态文件 {path} 的格式版本 {version} 较旧，运行任一写入命令（如 gongkai done）即可升级"
        )
    _migrate(conn, path, version)
    return True


def _migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    try:
        if version == 0:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        for target in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[target]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise _translate(exc, path) from None


def _statements(script: str) -> list[str]:
    """Split a schema script into statements (triggers contain ';' inside BEGIN ... END)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        if not code.strip():
            continue
        buf += code + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


# ---------------------------------------------------------------------------------------------
# Export and import (JSON), to back up, move or merge marks between machines

EXPORT_FORMAT = "gongkai-marks"
EXPORT_VERSION = 1


def mark_record(mark: Mark) -> dict[str, object]:
    return {
        "plan": mark.plan,
        "task_id": mark.task_id,
        "unit": mark.unit,
        "done_on": mark.done_on.isoformat(),
        "note": mark.note,
        "by": mark.by,
        "marked_at": mark.marked_at,
    }


def export_document(marks: list[Mark]) -> dict[str, object]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_now(),
        "marks": [mark_record(m) for m in marks],
    }


def parse_export(text: str, where: str) -> list[Mark]:
    """An export file -> marks, or a StateError naming the first problem and its place."""
    import json

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}:{exc.lineno}: 不是有效的 JSON（{exc.msg}）") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UsageError(f'{where}: 不是 gongkai 导出的完成记录（缺少 "format": "{EXPORT_FORMAT}"）')
    version = doc.get("version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise UsageError(f"{where}: 导出文件的版本 {version!r} 不受支持（本程序支持 {EXPORT_VERSION}）")
    records = doc.get("marks")
    if not isinstance(records, list):
        raise UsageError(f'{where}: "marks" 应是一个列表')
    marks: list[Mark] = []
    for i, rec in enumerate(records, 1):
        try:
            marks.append(_mark_from_record(rec))
        except (TypeError, ValueError, KeyError) as exc:
            raise UsageError(f"{where}: 第 {i} 条记录无效（{exc}）") from None
    return marks


def _mark_from_record(rec: object) -> Mark:
    if not isinstance(rec, dict):
        raise TypeError("应是一个对象")
    for key, kind in (("plan", str), ("unit", str), ("by", str), ("marked_at", str), ("done_on", str)):
        if not isinstance(rec.get(key), kind) or not rec[key].strip():
            raise ValueError(f"字段 {key} 应是非空文本")
    task_id = rec.get("task_id")
    if not isinstance(task_id, int) or isinstance(task_id, bool) or task_id <= 0:
        raise ValueError("字段 task_id 应是正整数")
    note = rec.get("note")
    if note is not None and not isinstance(note, str):
        raise ValueError("字段 note 应是文本或 null")
    try:
        done_on = dt.date.fromisoformat(rec["done_on"])
    except ValueError:
        raise ValueError(f"done_on 不是 YYYY-MM-DD 日期：{rec['done_on']!r}") from None
    return Mark(rec["plan"], task_id, rec["unit"], done_on, note, rec["by"], rec["marked_at"])
