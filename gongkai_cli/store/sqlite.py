"""The SQLite state file: one file per machine or shared folder, the default store.

The only module that imports sqlite3. No sqlite3 object, exception or message leaves it: every
SQLite error becomes a StateError or BusyError with a Chinese message of gongkai's own.

Guarantees: every write is one BEGIN IMMEDIATE transaction (all or nothing, one writer at a time,
waiting up to GONGKAI_BUSY_TIMEOUT seconds); the file is WAL with synchronous=FULL, so a committed
mark survives a crash or power cut; ``application_id`` tells a gongkai file from any other SQLite
file and ``user_version`` carries the schema version, so a foreign, corrupt or newer file is refused
and left untouched; triggers keep ``events`` append-only. Reading never creates or changes the
file, and a file on read-only media is still readable.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar

from ..errors import BusyError, GongkaiError, StateError
from ..model import Event, Mark
from .base import (
    AMEND,
    DONE,
    MISSING,
    MarkChange,
    MarkOutcome,
    MergeResult,
    Store,
    busy_seconds,
    merge_choice,
    outcome_of,
    same_mark,
    taken_over,
    utc_now,
)

_T = TypeVar("_T")
Doing = Literal["open", "read", "write"]

SCHEMA_VERSION = 2
APPLICATION_ID = 0x676B6169  # "gkai": tells a gongkai state file from any other SQLite file

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

# Version 2: amendments and claims. Marks gain the phrase a unit claimed a row under and when and
# by whom the date or evidence last changed. Events gain the actions amend and keep (a decided
# import conflict), the values before the change, the claim and the import choice: the CHECK on
# ``action`` cannot be altered in place, so the table is rebuilt with every row and ``seq`` kept
# (an undo row's removed values are also copied to old_done_on / old_note, where version 2 keeps
# them). The triggers are dropped first and created again: history stays append-only.
_SCHEMA_V2 = """
ALTER TABLE marks ADD COLUMN claimed_under TEXT;  -- the open-ended phrase a unit claimed the row under
ALTER TABLE marks ADD COLUMN changed_at TEXT;     -- when the date or evidence last changed (NULL: never)
ALTER TABLE marks ADD COLUMN changed_by TEXT;
DROP TRIGGER IF EXISTS events_append_only_update;
DROP TRIGGER IF EXISTS events_append_only_delete;
DROP INDEX IF EXISTS events_by_task;
ALTER TABLE events RENAME TO events_v1;
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT    NOT NULL,
    action    TEXT    NOT NULL CHECK (action IN ('done', 'undo', 'amend', 'keep')),
    plan      TEXT    NOT NULL,
    task_id   INTEGER NOT NULL,
    unit      TEXT    NOT NULL,
    done_on   TEXT,
    note      TEXT,
    by        TEXT    NOT NULL,
    source    TEXT    NOT NULL DEFAULT 'cli', -- cli | import
    old_done_on   TEXT,                      -- before an amend / undo / keep
    old_note      TEXT,
    claimed_under TEXT,
    choice        TEXT CHECK (choice IS NULL OR choice IN ('mine', 'theirs', 'newer'))
);
INSERT INTO events (seq, at, action, plan, task_id, unit, done_on, note, by, source, old_done_on, old_note)
SELECT seq, at, action, plan, task_id, unit, done_on, note, by, source,
       CASE action WHEN 'undo' THEN done_on END, CASE action WHEN 'undo' THEN note END
FROM events_v1 ORDER BY seq;
DROP TABLE events_v1;
CREATE INDEX events_by_task ON events (plan, task_id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""

# Each entry upgrades the schema from version (key - 1) to version key, inside one transaction.
MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2}

_MARK_COLUMNS = "plan, task_id, unit, done_on, note, by, marked_at, claimed_under, changed_at, changed_by"
_EVENT_COLUMNS = (
    "seq, at, action, plan, task_id, unit, done_on, note, by, source,"
    " old_done_on, old_note, claimed_under, choice"
)
# A version 1 file is still read (reading never upgrades it): the columns it lacks read as NULL.
_READ_COLUMNS = {
    1: (
        "plan, task_id, unit, done_on, note, by, marked_at, NULL, NULL, NULL",
        "seq, at, action, plan, task_id, unit, done_on, note, by, source, NULL, NULL, NULL, NULL",
    ),
    SCHEMA_VERSION: (_MARK_COLUMNS, _EVENT_COLUMNS),
}


class SQLiteStore(Store):
    """One open state file. Use ``open_sqlite`` (or ``gongkai_cli.store.open_store``) to get one."""

    kind = "sqlite"

    def __init__(
        self, path: Path, conn: sqlite3.Connection | None, writable: bool, version: int = SCHEMA_VERSION
    ) -> None:
        self.path = path
        self._conn = conn  # None: nothing recorded yet (no file, or an empty one) and we only read
        self._writable = writable
        self._closed = False
        self._marks_sql, self._events_sql = _READ_COLUMNS[version]

    @property
    def location(self) -> str:
        return str(self.path)

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "kind": self.kind,
            "location": self.location,
            "exists": self.path.exists(),
            "schema_version": None,
            "plans": 0,
            "marks": 0,
            "events": 0,
            "last_change": None,
        }
        if self._open_connection() is None:
            return info
        # One statement, so one snapshot of the counts.
        row = self._read(
            "SELECT (SELECT user_version FROM pragma_user_version()),"
            " (SELECT count(DISTINCT plan) FROM marks), (SELECT count(*) FROM marks),"
            " (SELECT count(*) FROM events), (SELECT max(at) FROM events)",
            (),
        )[0]
        info.update(zip(("schema_version", "plans", "marks", "events", "last_change"), row, strict=True))
        return info

    # -- reading -----------------------------------------------------------------------------

    def plan_marks(self, plan_identity: str) -> dict[tuple[int, str], Mark]:
        rows = self._read(f"SELECT {self._marks_sql} FROM marks WHERE plan = ?", (plan_identity,))
        return {(r[1], r[2]): _mark(r) for r in rows}

    def marked_pairs(self, plan_identity: str) -> frozenset[tuple[int, str]]:
        rows = self._read("SELECT task_id, unit FROM marks WHERE plan = ?", (plan_identity,))
        return frozenset((r[0], r[1]) for r in rows)

    def events(self, plan_identity: str, task_id: int | None = None, unit: str | None = None) -> list[Event]:
        sql = f"SELECT {self._events_sql} FROM events WHERE plan = ?"
        args: list[object] = [plan_identity]
        if task_id is not None:
            sql += " AND task_id = ?"
            args.append(task_id)
        if unit is not None:
            sql += " AND unit = ?"
            args.append(unit)
        rows = self._read(sql + " ORDER BY seq", tuple(args))
        return [_event_of(r) for r in rows]

    def all_marks(self) -> list[Mark]:
        rows = self._read(f"SELECT {self._marks_sql} FROM marks ORDER BY plan, task_id, unit", ())
        return [_mark(r) for r in rows]

    def _open_connection(self) -> sqlite3.Connection | None:
        if self._closed:  # a closed store must not read as an empty one
            raise StateError(f"状态文件已关闭，不能再读写：{self.path}")
        return self._conn

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        conn = self._open_connection()
        if conn is None:
            return []
        return _guard(self.path, "read", lambda: conn.execute(sql, args).fetchall())

    # -- writing -----------------------------------------------------------------------------

    def add_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark]]:
        def work(conn: sqlite3.Connection) -> tuple[list[Mark], list[Mark]]:
            added: list[Mark] = []
            present: list[Mark] = []
            for mark in marks:
                existing = _existing(conn, mark.plan, mark.task_id, mark.unit)
                if existing is not None:
                    present.append(existing)
                    continue
                _insert(conn, mark, "cli")
                added.append(mark)
            return added, present

        return self._write(work)

    def remove_marks(
        self, plan_identity: str, pairs: Iterable[tuple[int, str]], by: str
    ) -> tuple[list[Mark], list[tuple[int, str]]]:
        def work(conn: sqlite3.Connection) -> tuple[list[Mark], list[tuple[int, str]]]:
            removed: list[Mark] = []
            missing: list[tuple[int, str]] = []
            for task_id, unit in pairs:
                mark = _existing(conn, plan_identity, task_id, unit)
                if mark is None:
                    missing.append((task_id, unit))
                    continue
                conn.execute(
                    "DELETE FROM marks WHERE plan = ? AND task_id = ? AND unit = ?",
                    (plan_identity, task_id, unit),
                )
                _event(conn, "undo", mark, by, "cli", before=mark)
                removed.append(mark)
            return removed, missing

        return self._write(work)

    def import_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark], list[tuple[Mark, Mark]]]:
        result = self.merge_marks(marks, None)
        return result.added, result.same, result.conflicts

    def apply_changes(self, changes: Iterable[MarkChange]) -> list[MarkOutcome]:
        def work(conn: sqlite3.Connection) -> list[MarkOutcome]:
            outcomes = [outcome_of(_existing(conn, c.plan, c.task_id, c.unit), c) for c in changes]
            if any(o.action == MISSING for o in outcomes):
                return outcomes  # nothing written: COMMIT of an empty transaction
            for outcome in outcomes:
                if outcome.action == DONE and outcome.after is not None:
                    _insert(conn, outcome.after, "cli")
                elif outcome.action == AMEND and outcome.before and outcome.after:
                    _replace(conn, outcome.after)
                    _event(conn, AMEND, outcome.after, outcome.after.changed_by or outcome.after.by,
                           "cli", before=outcome.before)  # fmt: skip
            return outcomes

        return self._write(work)

    def merge_marks(self, marks: Iterable[Mark], prefer: str | None) -> MergeResult:
        def work(conn: sqlite3.Connection) -> MergeResult:
            result = MergeResult([], [], [], [], [])
            for mark in marks:
                ours = _existing(conn, mark.plan, mark.task_id, mark.unit)
                if ours is None:
                    _insert(conn, mark, "import")
                    result.added.append(mark)
                    continue
                if same_mark(ours, mark):
                    result.same.append(ours)
                    continue
                winner = merge_choice(ours, mark, prefer)
                if winner is None:
                    result.conflicts.append((ours, mark))
                elif winner == "theirs":
                    after = taken_over(ours, mark)
                    _replace(conn, after)
                    _event(conn, AMEND, after, after.changed_by or after.by, "import", ours, prefer)
                    result.replaced.append((ours, mark))
                else:
                    if not _kept_already(conn, mark):
                        _event(conn, "keep", mark, mark.changed_by or mark.by, "import", ours, prefer)
                    result.kept.append((ours, mark))
            return result

        return self._write(work)

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """BEGIN IMMEDIATE ... COMMIT around ``work``: all or nothing, and one writer at a time."""
        conn = self._open_connection()
        if conn is None or not self._writable:
            raise StateError(f"状态文件以只读方式打开：{self.path}")

        def transaction() -> _T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:  # an error, Ctrl-C, or a failed COMMIT: leave nothing behind
                _rollback(conn)
                raise
            return result

        return _guard(self.path, "write", transaction)

    def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            conn, self._conn = self._conn, None
            _guard(self.path, "read", conn.close)


def _existing(conn: sqlite3.Connection, plan: str, task_id: int, unit: str) -> Mark | None:
    row = conn.execute(
        f"SELECT {_MARK_COLUMNS} FROM marks WHERE plan = ? AND task_id = ? AND unit = ?",
        (plan, task_id, unit),
    ).fetchone()
    return None if row is None else _mark(row)


def _insert(conn: sqlite3.Connection, mark: Mark, source: str) -> None:
    conn.execute(f"INSERT INTO marks ({_MARK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _values(mark))
    _event(conn, DONE, mark, mark.by, source)


def _replace(conn: sqlite3.Connection, mark: Mark) -> None:
    """Overwrite the pair's mark (the history keeps the old one in the event written with it)."""
    conn.execute(
        "UPDATE marks SET done_on = ?, note = ?, by = ?, marked_at = ?, claimed_under = ?,"
        " changed_at = ?, changed_by = ? WHERE plan = ? AND task_id = ? AND unit = ?",
        (*_values(mark)[3:], mark.plan, mark.task_id, mark.unit),
    )


def _values(mark: Mark) -> tuple[object, ...]:
    return (
        mark.plan, mark.task_id, mark.unit, mark.done_on.isoformat(), mark.note, mark.by, mark.marked_at,
        mark.claimed_under, mark.changed_at, mark.changed_by,
    )  # fmt: skip


def _kept_already(conn: sqlite3.Connection, theirs: Mark) -> bool:
    """Whether the pair's last event already records keeping ours against this same version."""
    row = conn.execute(
        "SELECT action, done_on, note, by FROM events WHERE plan = ? AND task_id = ? AND unit = ?"
        " ORDER BY seq DESC LIMIT 1",
        (theirs.plan, theirs.task_id, theirs.unit),
    ).fetchone()
    return row is not None and tuple(row) == (
        "keep",
        theirs.done_on.isoformat(),
        theirs.note,
        theirs.changed_by or theirs.by,
    )


def _event(
    conn: sqlite3.Connection,
    action: str,
    mark: Mark,
    by: str,
    source: str,
    before: Mark | None = None,
    choice: str | None = None,
) -> None:
    conn.execute(
        f"INSERT INTO events ({_EVENT_COLUMNS.split(', ', 1)[1]}) VALUES ({', '.join('?' * 13)})",
        (
            utc_now(),
            action,
            mark.plan,
            mark.task_id,
            mark.unit,
            mark.done_on.isoformat(),
            mark.note,
            by,
            source,
            before.done_on.isoformat() if before else None,
            before.note if before else None,
            mark.claimed_under,
            choice,
        ),
    )


def _event_of(r: tuple[Any, ...]) -> Event:
    return Event(
        r[0], r[1], r[2], r[3], r[4], r[5], _date(r[6]) if r[6] else None, r[7], r[8], r[9],
        _date(r[10]) if r[10] else None, r[11], r[12], r[13],
    )  # fmt: skip


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite has already rolled back (it does on some I/O errors); the first error is the news


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value))


def _mark(row: tuple[Any, ...]) -> Mark:
    return Mark(
        plan=str(row[0]),
        task_id=int(row[1]),
        unit=str(row[2]),
        done_on=_date(row[3]),
        note=None if row[4] is None else str(row[4]),
        by=str(row[5]),
        marked_at=str(row[6]),
        claimed_under=None if row[7] is None else str(row[7]),
        changed_at=None if row[8] is None else str(row[8]),
        changed_by=None if row[9] is None else str(row[9]),
    )


# ---------------------------------------------------------------------------------------------
# SQLite's errors, in gongkai's words

# Primary result codes (https://www.sqlite.org/rescode.html); the extended code's low byte.
_ERROR, _PERM, _BUSY, _LOCKED, _NOMEM, _READONLY, _INTERRUPT, _IOERR, _CORRUPT = 1, 3, 5, 6, 7, 8, 9, 10, 11
_FULL, _CANTOPEN, _PROTOCOL, _SCHEMA, _TOOBIG, _CONSTRAINT, _MISMATCH, _AUTH, _NOTADB = (
    13, 14, 15, 17, 18, 19, 20, 23, 26,
)  # fmt: skip

# Before Python 3.11 exceptions carry no code; these phrases of SQLite's messages stand in for it.
_PHRASES = (
    ("locked", _BUSY),
    ("busy", _BUSY),
    ("readonly", _READONLY),
    ("read-only", _READONLY),
    ("unable to open", _CANTOPEN),
    ("disk is full", _FULL),
    ("i/o", _IOERR),
    ("malformed", _CORRUPT),
    ("not a database", _NOTADB),
    ("constraint", _CONSTRAINT),
    ("append-only", _CONSTRAINT),
    ("no such", _ERROR),
)


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    return next((code for phrase, code in _PHRASES if phrase in text), None)


def _translate(exc: sqlite3.Error, path: Path, doing: Doing) -> GongkaiError:
    """A Chinese message for an SQLite error; SQLite's own (English) text is never shown."""
    code = _primary_code(exc)
    if code in (_BUSY, _LOCKED, _PROTOCOL):
        return BusyError(f"状态文件正被其他进程写入，等待 {busy_seconds():g} 秒后放弃：{path}")
    if code == _READONLY:
        return StateError(f"状态文件是只读的，无法写入：{path}")
    if code == _CANTOPEN:
        return StateError(f"无法打开状态文件：{path}（目录不存在或没有权限）")
    if code in (_PERM, _AUTH):
        return StateError(f"没有权限读写状态文件：{path}")
    if code == _FULL or (code == _IOERR and doing == "write"):
        return StateError(f"写入状态文件失败（磁盘已满或 I/O 错误）：{path}")
    if code == _IOERR:
        return StateError(f"读取状态文件时发生 I/O 错误（磁盘或文件系统故障）：{path}")
    if code in (_CORRUPT, _NOTADB):
        if doing == "open":
            return StateError(f"状态文件已损坏或不是 SQLite 数据库：{path}，未做任何改动")
        if doing == "write":
            return StateError(f"状态文件已损坏，无法写入：{path}（本次未做任何改动）")
        return StateError(f"状态文件已损坏，无法读取：{path}")
    if code == _NOMEM:
        return StateError(f"内存不足，无法读写状态文件：{path}")
    if code == _INTERRUPT:
        return StateError(f"读写状态文件被中断：{path}")
    if code == _TOOBIG:
        return StateError(f"要写入状态文件的内容过大：{path}")
    if code in (_ERROR, _SCHEMA, _CONSTRAINT, _MISMATCH):
        return StateError(f"状态文件的内容与 gongkai 的格式不符（可能被别的程序改动过）：{path}")
    shown = f"（SQLite 错误码 {code}）" if code is not None else ""
    return StateError(f"状态文件出错，无法使用{shown}：{path}")


def _guard(path: Path, doing: Doing, work: Callable[[], _T]) -> _T:
    """Run ``work``, turning an SQLite error into gongkai's own."""
    try:
        return work()
    except sqlite3.Error as exc:
        failure = _translate(exc, path, doing)
    # Raised outside the except clause so that the sqlite3 exception is not even its __context__.
    raise failure


# ---------------------------------------------------------------------------------------------
# Opening


def open_sqlite(path: Path, write: bool) -> SQLiteStore:
    """Open the state file. Reading never creates or changes it; writing creates it when missing.

    A file that is not a gongkai state file, is corrupt, or was written by a newer gongkai is refused
    and left untouched.
    """
    if path.is_dir():
        raise StateError(f"状态文件路径是一个目录：{path}")
    exists = path.exists()
    if not exists and not write:
        return SQLiteStore(path, None, writable=False)
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
        conn, version = _connect(path, write, immutable=False)
    except StateError:
        if write or _writable(path):
            raise
        # A read-only place (a CD, a read-only mount) cannot hold SQLite's shared-memory file;
        # nobody can be writing there, so the file can be read as immutable.
        conn, version = _connect(path, write, immutable=True)
    if not version:  # an empty file and we only read: nothing recorded yet
        _guard(path, "open", conn.close)
        return SQLiteStore(path, None, writable=False)
    return SQLiteStore(path, conn, writable=write, version=version)


def _writable(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect(path: Path, write: bool, immutable: bool) -> tuple[sqlite3.Connection, int]:
    timeout = busy_seconds()

    def connect() -> sqlite3.Connection:
        if write:
            return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        return sqlite3.connect(uri, timeout=timeout, isolation_level=None, uri=True)

    conn = _guard(path, "open", connect)
    try:
        version = _prepare(conn, path, write)
    except BaseException:
        _guard(path, "open", conn.close)
        raise
    return conn, version


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite at all before SQLite sees it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StateError(f"无法读取状态文件 {path}：{exc.strerror or exc}") from None
    if head and head != b"SQLite format 3\x00":
        raise StateError(f"{path} 不是 gongkai 的状态文件（不是 SQLite 数据库），未做任何改动")


def _prepare(conn: sqlite3.Connection, path: Path, write: bool) -> int:
    """Check what the file is and bring its schema up to date when writing. Returns the schema
    version to read it as; 0: an empty file opened to read (nothing recorded yet)."""

    def header() -> tuple[int, int, int]:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_seconds() * 1000)}")
        # One statement, so one snapshot: another process may be creating the file right now.
        app_id, version, tables = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id()),"
            " (SELECT user_version FROM pragma_user_version()),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        return int(app_id), int(version), int(tables)

    app_id, version, tables = _guard(path, "open", header)
    if app_id != APPLICATION_ID and (tables or app_id):
        raise StateError(f"{path} 是别的程序的 SQLite 数据库，不是 gongkai 的状态文件，未做任何改动")
    if version > SCHEMA_VERSION:
        raise StateError(
            f"状态文件 {path} 的格式版本是 {version}，比本程序支持的 {SCHEMA_VERSION} 新；请升级 gongkai"
        )
    if version == SCHEMA_VERSION:
        if write:
            _guard(path, "open", lambda: conn.execute("PRAGMA synchronous = FULL"))
        return version
    if not write:
        if app_id == 0 and not tables:  # an empty file: nothing recorded yet
            return 0
        if version in _READ_COLUMNS:  # an older file reads as it is; the next write upgrades it
            return version
        raise StateError(
            f"状态文件 {path} 的格式版本 {version} 较旧，运行任一写入命令（如 gongkai done）即可升级"
        )
    _guard(path, "write", lambda: _migrate(conn, version))
    return SCHEMA_VERSION


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    try:
        if version == 0:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once, when the file is new
        conn.execute("BEGIN IMMEDIATE")
        current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        for target in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[target]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    conn.execute("PRAGMA synchronous = FULL")


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
