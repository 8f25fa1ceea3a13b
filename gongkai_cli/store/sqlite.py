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

import contextlib
import datetime as dt
import errno
import os
import sqlite3
import stat
import struct
import time
from collections.abc import Callable, Iterable
from itertools import repeat
from pathlib import Path
from typing import Any, Literal, TypeVar

from ..errors import BusyError, GongkaiError, StateError, os_reason
from ..inputs import open_regular
from ..model import Completions, Event, Mark
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
        "NULL",
    ),
    SCHEMA_VERSION: (_MARK_COLUMNS, _EVENT_COLUMNS, "claimed_under"),
}


class SQLiteStore(Store):
    """One open state file. Use ``open_sqlite`` (or ``gongkai_cli.store.open_store``) to get one."""

    kind = "sqlite"

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection | None,
        writable: bool,
        version: int = SCHEMA_VERSION,
        reading: _Reading | None = None,
    ) -> None:
        self.path = path
        self._conn = conn  # None: nothing recorded yet (no file, or an empty one) and we only read
        self._writable = writable
        self._closed = False
        self._reading = reading  # how a read-only store reads without leaving anything behind
        self._marks_sql, self._events_sql, self._claimed_sql = _READ_COLUMNS[version]

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
            tuple,
        )[0]
        info.update(zip(("schema_version", "plans", "marks", "events", "last_change"), row, strict=True))
        return info

    # -- reading -----------------------------------------------------------------------------

    def plan_marks(self, plan_identity: str) -> dict[tuple[int, str], Mark]:
        marks = self._read(f"SELECT {self._marks_sql} FROM marks WHERE plan = ?", (plan_identity,), _mark)
        return {(m.task_id, m.unit): m for m in marks}

    def plan_completions(self, plan_identity: str) -> Completions:
        args = (plan_identity,)
        # First SQLite picks out the claims and any row whose values are not what gongkai writes
        # (of another type, or a day not 10 characters long), each then checked in full like
        # ``_mark``: such a row is refused here as in every other read ...
        claimed = self._claimed_sql
        claims = self._read(
            f"SELECT task_id, unit, done_on, {claimed} FROM marks WHERE plan = ? AND ({claimed} IS NOT NULL"
            " OR typeof(task_id) != 'integer' OR typeof(unit) != 'text' OR typeof(done_on) != 'text'"
            " OR length(done_on) != 10)",
            args,
            _claim,
        )
        # ... so that every mark can then be read with no Python call or object per mark (100,000
        # at 10,000 rows): one row per unit, its task ids and days each joined into one text.
        days = _Days()
        done_on = self._read_all(
            "SELECT unit, group_concat(task_id), group_concat(done_on) FROM marks WHERE plan = ?"
            " GROUP BY unit",
            args,
            lambda rows: _days_by_pair(rows, days),
        )
        return Completions(done_on, claims)

    def marked_pairs(self, plan_identity: str) -> frozenset[tuple[int, str]]:
        rows = self._read("SELECT task_id, unit FROM marks WHERE plan = ?", (plan_identity,), _pair)
        return frozenset(rows)

    def events(self, plan_identity: str, task_id: int | None = None, unit: str | None = None) -> list[Event]:
        sql = f"SELECT {self._events_sql} FROM events WHERE plan = ?"
        args: list[object] = [plan_identity]
        if task_id is not None:
            if not _fits(task_id):
                return []  # no such row can have been recorded
            sql += " AND task_id = ?"
            args.append(task_id)
        if unit is not None:
            sql += " AND unit = ?"
            args.append(unit)
        return self._read(sql + " ORDER BY seq", tuple(args), _event_of)

    def all_marks(self) -> list[Mark]:
        return self._read(f"SELECT {self._marks_sql} FROM marks ORDER BY plan, task_id, unit", (), _mark)

    def _open_connection(self) -> sqlite3.Connection | None:
        if self._closed:  # a closed store must not read as an empty one
            raise StateError(f"状态文件已关闭，不能再读写：{self.path}")
        return self._conn

    def _read(self, sql: str, args: tuple[object, ...], convert: Callable[[tuple[Any, ...]], _T]) -> list[_T]:
        """The rows of a query, each through ``convert``."""
        return self._read_all(sql, args, lambda rows: [convert(row) for row in rows])

    def _read_all(
        self, sql: str, args: tuple[object, ...], build: Callable[[Iterable[tuple[Any, ...]]], _T]
    ) -> _T:
        """What ``build`` makes of a query's rows (of none, when nothing is recorded yet)."""
        conn = self._open_connection()
        if conn is None:
            return build(())
        reading = self._reading
        if reading is None:
            return _guard(self.path, "read", lambda: build(conn.execute(sql, args)))
        while True:
            # Through the write-ahead log once one exists; the file alone while there is none.
            self._conn = now = reading.current()
            try:
                rows = _guard(self.path, "read", lambda: build(now.execute(sql, args)))  # noqa: B023
            except StateError:
                if not reading.log_appeared():
                    raise
                continue  # read alone, the file changed under us (a checkpoint): read it again
            if not reading.log_appeared():
                return rows
            # A writer began while we read the file alone: read again through its log.

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
        conn, self._conn = self._conn, None
        if self._reading is not None:
            reading, self._reading = self._reading, None
            reading.close()
        elif conn is not None:
            _guard(self.path, "read", conn.close)


def _existing(conn: sqlite3.Connection, plan: str, task_id: int, unit: str) -> Mark | None:
    if not _fits(task_id):
        raise _TooLarge(task_id)
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


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite has already rolled back (it does on some I/O errors); the first error is the news


# -- rows back into records: a row a damaged or altered file holds is refused, never half-read ----


class _BadRow(Exception):
    """A row that is not what gongkai writes: the table and column, for the message."""


class _TooLarge(Exception):
    """A task id beyond the 64-bit integers SQLite keeps."""


def _int(value: object, where: str) -> int:
    if type(value) is not int:
        raise _BadRow(where)
    return value


def _text(value: object, where: str) -> str:
    if type(value) is not str:
        raise _BadRow(where)
    return value


def _optional(value: object, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _date(value: object, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_text(value, where))
    except ValueError:
        raise _BadRow(where) from None


def _optional_date(value: object, where: str) -> dt.date | None:
    return None if value is None else _date(value, where)


def _pair(row: tuple[Any, ...]) -> tuple[int, str]:
    return _int(row[0], "marks.task_id"), _text(row[1], "marks.unit")


_DAYS: dict[str, dt.date] = {}  # done_on text -> day: 100,000 marks fall on a few hundred days


def _mark(row: tuple[Any, ...]) -> Mark:
    """A marks row as a Mark. The usual row (every value of its column's type, a day seen before)
    is built in one step; any other goes through every check, which also remembers its day."""
    plan, task_id, unit, done_on, note, by, marked_at, claimed, changed_at, changed_by = row
    day = _DAYS.get(done_on) if type(done_on) is str else None
    if (
        day is None
        or type(plan) is not str
        or type(task_id) is not int
        or type(unit) is not str
        or type(by) is not str
        or type(marked_at) is not str
        or (note is not None and type(note) is not str)
        or (claimed is not None and type(claimed) is not str)
        or (changed_at is not None and type(changed_at) is not str)
        or (changed_by is not None and type(changed_by) is not str)
    ):
        mark = _checked_mark(row)
        if len(_DAYS) < 4096:
            _DAYS[done_on] = mark.done_on
        return mark
    return _new_tuple(Mark, (plan, task_id, unit, day, note, by, marked_at, claimed, changed_at, changed_by))


_new_tuple = tuple.__new__


def _claim(row: tuple[Any, ...]) -> tuple[int, str, dt.date]:
    """A claim as (task id, phrase, day), every value checked: ``plan_completions``' second pass."""
    task_id, _, day = (
        _int(row[0], "marks.task_id"),
        _text(row[1], "marks.unit"),
        _date(row[2], "marks.done_on"),
    )
    return task_id, _text(row[3], "marks.claimed_under"), day


def _days_by_pair(rows: Iterable[tuple[Any, ...]], days: _Days) -> dict[tuple[int, str], dt.date]:
    """(task id, unit) -> day from rows of (unit, "id,id,...", "day,day,..."): the two lists of a
    unit are aggregated over its rows in the same order. Task ids were checked to be integers, so
    lists of unequal length can only come from a day with a comma in it."""
    out: dict[tuple[int, str], dt.date] = {}
    for unit, ids, texts in rows:
        task_ids, on = ids.split(","), texts.split(",")
        if len(task_ids) != len(on):
            raise _BadRow("marks.done_on")
        pairs = zip(map(int, task_ids), repeat(unit), strict=False)  # repeat() never ends
        out.update(zip(pairs, map(days.__getitem__, on), strict=True))
    return out


class _Days(dict[object, dt.date]):
    """marks.done_on -> the day, each value checked once: a value that is not YYYY-MM-DD text
    is refused (``_BadRow``)."""

    def __missing__(self, value: object) -> dt.date:
        day = self[value] = _date(value, "marks.done_on")
        return day


def _checked_mark(row: tuple[Any, ...]) -> Mark:
    return Mark(
        plan=_text(row[0], "marks.plan"),
        task_id=_int(row[1], "marks.task_id"),
        unit=_text(row[2], "marks.unit"),
        done_on=_date(row[3], "marks.done_on"),
        note=_optional(row[4], "marks.note"),
        by=_text(row[5], "marks.by"),
        marked_at=_text(row[6], "marks.marked_at"),
        claimed_under=_optional(row[7], "marks.claimed_under"),
        changed_at=_optional(row[8], "marks.changed_at"),
        changed_by=_optional(row[9], "marks.changed_by"),
    )


def _event_of(r: tuple[Any, ...]) -> Event:
    return Event(
        _int(r[0], "events.seq"), _text(r[1], "events.at"), _text(r[2], "events.action"),
        _text(r[3], "events.plan"), _int(r[4], "events.task_id"), _text(r[5], "events.unit"),
        _optional_date(r[6], "events.done_on"), _optional(r[7], "events.note"), _text(r[8], "events.by"),
        _text(r[9], "events.source"), _optional_date(r[10], "events.old_done_on"),
        _optional(r[11], "events.old_note"), _optional(r[12], "events.claimed_under"),
        _optional(r[13], "events.choice"),
    )  # fmt: skip


# SQLite keeps integers in 64 bits; a larger task id cannot have been recorded, nor be.
_INT64_MAX = 2**63 - 1


def _fits(number: int) -> bool:
    return -_INT64_MAX - 1 <= number <= _INT64_MAX


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
    except _BadRow as exc:
        unchanged = "，本次未做任何改动" if doing == "write" else ""
        failure = StateError(
            f"状态文件中有不是 gongkai 写入的记录（{exc} 列的值无效），"
            f"可能已损坏或被别的程序改动过{unchanged}：{path}"
        )
    except _TooLarge as exc:
        failure = StateError(
            f"任务编号 {exc} 超出状态文件能记录的范围（最大 {_INT64_MAX}），未做任何改动：{path}"
        )
    # Raised outside the except clause so that the sqlite3 exception is not even its __context__.
    raise failure


# ---------------------------------------------------------------------------------------------
# Opening


def open_sqlite(path: Path, write: bool) -> SQLiteStore:
    """Open the state file. Reading never creates or changes anything; writing creates the file
    when missing (private: 0600, in a directory created 0700).

    A file that is not a gongkai state file, is corrupt, or was written by a newer gongkai is refused
    and left untouched.
    """
    if path.is_dir():
        raise StateError(f"状态文件路径是一个目录：{path}")
    return _open_writer(path) if write else _open_reader(path)


def _open_writer(path: Path) -> SQLiteStore:
    if not path.exists():
        _make_directory(path.parent)
        if not _writable(path):
            raise StateError(f"状态文件所在位置不可写入（只读的目录或文件系统）：{path}")
        _create(path)
    _recover_interrupted(path)
    _check_header(path)
    if not _writable(path):
        raise StateError(f"状态文件所在位置不可写入（只读的目录或文件系统）：{path}")
    for _attempt in range(2):
        if _size(path) == 0:  # an empty file (made by hand, or emptied by SQLite's recovery)
            _replace_empty(path)
        conn, version = _connect(path, write=True)
        if version:
            return SQLiteStore(path, conn, writable=True, version=version)
        _guard(path, "open", conn.close)  # SQLite rolled back an interrupted creation: build anew
    raise StateError(f"无法初始化状态文件：{path}")


def _open_reader(path: Path) -> SQLiteStore:
    if not path.exists():
        return SQLiteStore(path, None, writable=False)
    _recover_interrupted(path)  # before the header: an interrupted write may have left it half-made
    _check_header(path)
    if _size(path) == 0:  # nothing recorded yet
        return SQLiteStore(path, None, writable=False)
    reading = _Reading(path)
    try:
        version = _prepare(reading.current(), path, write=False)
    except BaseException:
        reading.close()
        raise
    if not version:  # an empty database: nothing recorded yet
        reading.close()
        return SQLiteStore(path, None, writable=False)
    return SQLiteStore(path, reading.current(), writable=False, version=version, reading=reading)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise StateError(f"无法读取状态文件 {path}：{os_reason(exc)}") from None


def _writable(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect(path: Path, write: bool) -> tuple[sqlite3.Connection, int]:
    """A read-write connection and the schema version to use it as (0: an empty file to build)."""
    timeout = busy_seconds()
    conn = _guard(path, "open", lambda: sqlite3.connect(str(path), timeout=timeout, isolation_level=None))
    try:
        version = _prepare(conn, path, write)
    except BaseException:
        _guard(path, "open", conn.close)
        raise
    return conn, version


# -- reading without leaving anything behind ------------------------------------------------------

# SQLite's lock bytes in the database file (os.h): a SHARED lock is a read lock on these 510 bytes.
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510


class _Reading:
    """How a read-only store reads, creating nothing beside the file.

    Every connection to a WAL database holds SQLite's SHARED lock for as long as it is attached, and
    a writer that closes last needs the EXCLUSIVE lock to checkpoint its write-ahead log (-wal) into
    the file and delete the log and its index (-shm); while anyone holds SHARED, both stay
    (https://www.sqlite.org/walformat.html, 2.3). We take the same lock first, then:

    - when a log exists, it cannot vanish: we attach read-only through it (mode=ro), and SQLite
      opens the existing -wal and -shm (an index we may not write, it reads into private memory);
    - when none exists, no writer is attached and every commit is in the file: we read the file
      alone (immutable=1, which opens nothing beside it). A writer starting meanwhile writes a new
      log, which our lock keeps from being folded back into the file (but for an automatic
      checkpoint of a log grown past 1000 pages); so once a log appears we read through it, and
      read again what we were reading when it appeared.

    A plain read-only connection creates the -wal and -shm itself when they are missing and, being
    read-only, can never delete them: owned by whoever read, they locked other users out of
    writing (issue 12).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = _shared_lock(path)
        self._alone = not _log_exists(path)
        self._old: list[sqlite3.Connection] = []
        try:
            self._conn = self._attach()
        except BaseException:
            self._unlock()
            raise

    def _attach(self) -> sqlite3.Connection:
        if self._alone:
            return _guard(self.path, "open", lambda: _read_only(self.path, "?immutable=1"))
        if not _await_index(self.path) and _writable(self.path):
            # A log without its index: a writer killed while closing (SQLite deletes the index
            # before the log) or while starting. Whoever may write lets SQLite rebuild the index,
            # as any write command would; others are told who can.
            _guard(self.path, "open", lambda: _rebuild_index(self.path))
            if not _log_exists(self.path):  # folded away too: every commit is in the file
                self._alone = True
                return _guard(self.path, "open", lambda: _read_only(self.path, "?immutable=1"))
        if not os.path.lexists(f"{self.path}-shm"):
            raise StateError(
                f"状态文件旁有预写日志 {self.path.name}-wal 却没有它的索引 {self.path.name}-shm；"
                f"由能写入它的用户运行任一写入命令（如 gongkai done）即可恢复：{self.path}"
            )
        try:
            return _guard(self.path, "open", lambda: _read_only(self.path, "?mode=ro"))
        except StateError as exc:
            if not _writable(self.path) and not os.access(f"{self.path}-wal", os.R_OK):
                raise StateError(
                    f"无法读取状态文件旁的预写日志 {self.path.name}-wal（没有读取权限）：{self.path}"
                ) from None
            raise exc from None

    def current(self) -> sqlite3.Connection:
        """The connection to read with now: through the log once one has appeared."""
        if self.log_appeared():
            self._alone = False
            self._old.append(self._conn)
            self._conn = self._attach()
        return self._conn

    def log_appeared(self) -> bool:
        """Whether a writer has started since we began reading the file alone."""
        return self._alone and _log_exists(self.path)

    def close(self) -> None:
        try:
            for conn in [self._conn, *reversed(self._old)]:  # the newest first: see _shared_lock
                _guard(self.path, "read", conn.close)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            fd, self._lock = self._lock, None
            os.close(fd)


def _rebuild_index(path: Path) -> None:
    """Open the file read-write and read it: SQLite recovers the log into a new index (-shm), and
    folds both away on closing when no one else is attached."""
    conn = sqlite3.connect(str(path), timeout=busy_seconds(), isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        conn.close()


def _read_only(path: Path, query: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path.resolve().as_uri() + query, timeout=busy_seconds(), isolation_level=None, uri=True
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_seconds() * 1000)}")
    return conn


def _log_exists(path: Path) -> bool:
    """Whether a write-ahead log with something in it is beside the file. An empty one holds no
    commit (SQLite writes the log's header with the first): a writer just starting, or one killed
    after making the log and before its index (-shm), which left readers refused until someone wrote."""
    try:
        return os.lstat(f"{path}-wal").st_size > 0
    except OSError:
        return False


def _await_index(path: Path) -> bool:
    """Whether the log's index (-shm) exists, waiting a moment for a writer that is just starting
    (it creates the log first, the index an instant later)."""
    deadline = time.monotonic() + min(busy_seconds(), 2.0)
    while not os.path.lexists(f"{path}-shm"):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


def _shared_lock(path: Path) -> int | None:
    """A descriptor holding SQLite's SHARED lock on the file, or None where no lock can be taken
    (Windows, a file system without locks): reading then goes on without it.

    On Linux the lock belongs to the open file description (F_OFD_SETLK), so closing SQLite's own
    descriptors cannot drop it nor closing ours theirs; elsewhere it is a process lock, and the
    connections are closed before it (newest first, so SQLite's locks outlive older descriptors).
    """
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise StateError(f"无法读取状态文件 {path}：{os_reason(exc)}") from None
    deadline = time.monotonic() + busy_seconds()
    while True:
        try:
            if hasattr(fcntl, "F_OFD_SETLK") and struct.calcsize("l") == 8:
                flock = struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, _SHARED_FIRST, _SHARED_SIZE, 0)
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, flock)
            else:
                fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _SHARED_SIZE, _SHARED_FIRST, os.SEEK_SET)
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EINTR):
                os.close(fd)  # no locks here (ENOLCK, EINVAL on some network file systems)
                return None
            if time.monotonic() >= deadline:  # a writer held EXCLUSIVE all along
                os.close(fd)
                raise BusyError(
                    f"状态文件正被其他进程写入，等待 {busy_seconds():g} 秒后放弃：{path}"
                ) from None
            time.sleep(0.005)


def _recover_interrupted(path: Path) -> None:
    """A rollback journal left by a write that was interrupted (by an older gongkai, which built new
    files in place) must be rolled back before the file can be read: SQLite does that on the next
    connection that may write. We make that connection when we may write here; otherwise we say
    what to run."""
    journal = Path(f"{path}-journal")
    try:
        with open_regular(journal) as fh:
            hot = fh.read(1) not in (b"", b"\0")
    except OSError:
        return  # none (or not ours to read): SQLite decides
    if not hot:
        return
    if not _writable(path):
        raise StateError(
            f"状态文件上次写入时被中断，留下了回滚日志 {journal.name}；由能写入它的用户运行任一写入命令"
            f"（如 gongkai done）即可恢复：{path}"
        )

    def roll_back() -> None:
        conn = sqlite3.connect(str(path), timeout=busy_seconds(), isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite rolls back first
        finally:
            conn.close()

    _guard(path, "open", roll_back)


# -- creating a state file: built beside it, then moved into place ---------------------------------

_TEMPORARY = ".gongkai-state-"  # a state file being built; one older than an hour is debris
_COMPANIONS = ("", "-journal", "-wal", "-shm")


def _make_directory(directory: Path) -> None:
    """Create the missing directories, private (0700: the state holds names and notes)."""
    missing: list[Path] = []
    while not directory.exists() and directory.parent != directory:
        missing.append(directory)
        directory = directory.parent
    for one in reversed(missing):
        try:
            os.mkdir(one, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StateError(f"无法创建状态文件所在的目录 {one}：{os_reason(exc)}") from None


def _create(path: Path) -> None:
    """A new state file at ``path``: built complete under a temporary name beside it, then linked
    to its name, so no process ever sees a half-made file there, and a crash leaves none (at worst
    a hidden temporary file, removed by a later creation)."""
    _sweep(path.parent)
    built = _build(path)
    try:
        try:
            os.link(built, path)
        except FileExistsError:
            return  # another process created it first: that one is used
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EACCES, errno.ENOSPC, errno.EROFS, errno.EDQUOT):
                raise
            # A file system without hard links (FAT, some shares): a rename, unless one appeared.
            if os.path.lexists(path):
                return
            os.replace(built, path)
        _sync_directory(path.parent)
    except OSError as exc:
        raise StateError(f"无法创建状态文件 {path}：{os_reason(exc)}") from None
    finally:
        _remove(built)


def _replace_empty(path: Path) -> None:
    """An empty file at ``path`` (made by hand) replaced by a new state file, keeping its mode and
    owner. Writers that find it empty at once take turns; each one checks that it is still the
    same empty file before replacing it."""
    try:
        with open_regular(path) as fh:
            _exclusive(fh.fileno(), path)
            seen, now = os.fstat(fh.fileno()), os.stat(path)
            if (seen.st_dev, seen.st_ino) != (now.st_dev, now.st_ino) or now.st_size:
                return  # another writer has built it already
            built = _build(path)
            try:
                os.chmod(built, stat.S_IMODE(now.st_mode))
                if hasattr(os, "geteuid") and os.geteuid() == 0 and now.st_uid != 0:
                    os.chown(built, now.st_uid, now.st_gid)
                os.replace(built, path)
                _sync_directory(path.parent)
            finally:
                _remove(built)
    except OSError as exc:
        raise StateError(f"无法初始化状态文件 {path}：{os_reason(exc)}") from None


def _build(path: Path) -> Path:
    """A complete, empty state file (0600) beside ``path``, under a temporary name."""
    built = path.with_name(f"{_TEMPORARY}{os.urandom(8).hex()}")
    try:
        os.close(os.open(built, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
    except OSError as exc:
        raise StateError(f"无法创建状态文件 {path}：{os_reason(exc)}") from None
    try:

        def build() -> None:
            conn = sqlite3.connect(str(built), isolation_level=None)
            try:
                _migrate(conn, 0)
            finally:
                conn.close()  # the last connection: the log is folded into the file and deleted

        _guard(path, "write", build)
        fd = os.open(built, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        _remove(built)
        raise StateError(f"无法创建状态文件 {path}：{os_reason(exc)}") from None
    except BaseException:
        _remove(built)
        raise
    return built


def _remove(built: Path) -> None:
    for suffix in _COMPANIONS:
        with contextlib.suppress(OSError):
            os.unlink(f"{built}{suffix}")


def _sweep(directory: Path) -> None:
    """Remove what a creation killed an hour ago or more left behind."""
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(_TEMPORARY)]
        old = time.time() - 3600
        for entry in entries:
            if entry.stat(follow_symlinks=False).st_mtime < old:
                os.unlink(entry.path)
    except OSError:
        pass


def _sync_directory(directory: Path) -> None:
    """Make a new name in ``directory`` durable (where directories can be opened: not Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exclusive(fd: int, path: Path) -> None:
    """An exclusive flock on ``fd`` (released when it closes), waiting up to the busy timeout."""
    try:
        import fcntl
    except ImportError:
        return
    deadline = time.monotonic() + busy_seconds()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EINTR):
                return
            if time.monotonic() >= deadline:
                raise BusyError(
                    f"状态文件正被其他进程初始化，等待 {busy_seconds():g} 秒后放弃：{path}"
                ) from None
            time.sleep(0.005)


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite at all before SQLite sees it."""
    try:
        with open_regular(path) as fh:  # a FIFO or a device is refused, never waited on
            head = fh.read(16)
    except OSError as exc:
        raise StateError(f"无法读取状态文件 {path}：{os_reason(exc)}") from None
    if head and head != b"SQLite format 3\x00":
        raise StateError(f"{path} 不是 gongkai 的状态文件（不是 SQLite 数据库），未做任何改动")


def _prepare(conn: sqlite3.Connection, path: Path, write: bool) -> int:
    """Check what the file is and bring its schema up to date when writing. Returns the schema
    version to use it as; 0: an empty file (reading: nothing recorded yet; writing: to be built)."""

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
    if version == 0 and not tables and _size(path) == 0:
        return 0  # an empty file: built anew beside it and moved into place (_open_writer)
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
