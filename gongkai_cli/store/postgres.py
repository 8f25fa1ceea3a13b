"""The PostgreSQL store: one database for a whole district, each liaison logged in as its own role.

The only module that imports psycopg (psycopg 3, the optional extra ``gongkai[postgres]``), and it is
imported only when the state is a database address. No psycopg object, exception or message leaves
it: every error becomes a StateError, BusyError or DeniedError with a Chinese message of our own.

Guarantees, the same as the SQLite store's: every write is one transaction, all or nothing; writers
of the same (task, unit) pair go one at a time (a transaction-scoped advisory lock per pair, waiting
up to GONGKAI_BUSY_TIMEOUT seconds), so racing writers give exactly one mark; reading never creates
anything. What only the database can guarantee (who may write which unit, history written by a
trigger, db_user) is in pg_admin.py's schema; this module checks the same rule first so that a
refusal is a clear sentence, not an RLS error.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

try:
    import psycopg
except ImportError:  # pragma: no cover - exercised by installs without the extra
    psycopg = None  # type: ignore[assignment]
else:
    import logging

    # psycopg reports what it ignores (a rollback cut short by Ctrl-C) through logging, which with no
    # handler configured prints an English line on stderr beside gongkai's own one
    logging.getLogger("psycopg").addHandler(logging.NullHandler())

from ..errors import BusyError, DeniedError, GongkaiError, StateError
from ..model import Completions, Event, Mark
from . import pg_admin
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
)

_T = TypeVar("_T")
Doing = Literal["open", "read", "write"]
S = pg_admin.SCHEMA

_MARK_COLUMNS = "plan, task_id, unit, done_on, note, by, marked_at, claimed_under, changed_at, changed_by"
_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
_EVENT_COLUMNS = (
    f"seq, {_AT}, action, plan, task_id, unit, done_on, note, by, source,"
    " old_done_on, old_note, claimed_under, choice, db_user::text"
)
DEADLOCK_ATTEMPTS = 3
DEFAULT_CONNECT_TIMEOUT = 10  # seconds; libpq waits forever otherwise on a network that drops packets


def hidden_password(target: str) -> str:
    """The target as shown to users: any password replaced by ***."""
    from . import shown_target

    return shown_target(target)


class PostgresStore(Store):
    """One open connection to the district's database. Use ``open_postgres`` to get one."""

    kind = "postgresql"

    def __init__(self, target: str, conn: Any, writable: bool, version: int | None) -> None:
        self.target = target
        self._conn = conn  # None: the schema does not exist yet and we only read
        self._writable = writable
        self._version = version
        self._closed = False
        self._account: tuple[str, bool, list[str]] | None = None  # login, may write all, units

    @property
    def location(self) -> str:
        return hidden_password(self.target)

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "kind": self.kind,
            "location": self.location,
            "exists": False,
            "schema_version": None,
            "plans": 0,
            "marks": 0,
            "events": 0,
            "last_change": None,
        }
        if self._open_connection() is None:
            return info
        row = self._read(
            f"SELECT (SELECT max(version) FROM {S}.schema_version),"
            f" (SELECT count(DISTINCT plan) FROM {S}.marks), (SELECT count(*) FROM {S}.marks),"
            f" (SELECT count(*) FROM {S}.events),"
            f" (SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
            f" FROM {S}.events)",
            (),
        )[0]
        info["exists"] = True
        info.update(zip(("schema_version", "plans", "marks", "events", "last_change"), row, strict=True))
        return info

    # -- reading -----------------------------------------------------------------------------

    def plan_marks(self, plan_identity: str) -> dict[tuple[int, str], Mark]:
        rows = self._read(f"SELECT {_MARK_COLUMNS} FROM {S}.marks WHERE plan = %s", (plan_identity,))
        return {(r[1], r[2]): _mark(r) for r in rows}

    def plan_completions(self, plan_identity: str) -> Completions:
        rows = self._read(
            f"SELECT task_id, unit, done_on, claimed_under FROM {S}.marks WHERE plan = %s", (plan_identity,)
        )
        return Completions(
            {(int(r[0]), r[1]): r[2] for r in rows},
            [(int(r[0]), r[3], r[2]) for r in rows if r[3] is not None],
        )

    def marked_pairs(self, plan_identity: str) -> frozenset[tuple[int, str]]:
        rows = self._read(f"SELECT task_id, unit FROM {S}.marks WHERE plan = %s", (plan_identity,))
        return frozenset((int(r[0]), r[1]) for r in rows)

    def events(self, plan_identity: str, task_id: int | None = None, unit: str | None = None) -> list[Event]:
        sql = f"SELECT {_EVENT_COLUMNS} FROM {S}.events WHERE plan = %s"
        args: list[object] = [plan_identity]
        if task_id is not None:
            sql += " AND task_id = %s"
            args.append(task_id)
        if unit is not None:
            sql += " AND unit = %s"
            args.append(unit)
        return [_event_of(r) for r in self._read(sql + " ORDER BY seq", tuple(args))]

    def all_marks(self) -> list[Mark]:
        rows = self._read(f"SELECT {_MARK_COLUMNS} FROM {S}.marks ORDER BY plan, task_id, unit", ())
        return [_mark(r) for r in rows]

    def _open_connection(self) -> Any:
        if self._closed:
            raise StateError(f"数据库连接已关闭，不能再读写：{self.location}")
        return self._conn

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        conn = self._open_connection()
        if conn is None:
            return []
        return _guard(self.location, "read", lambda: conn.execute(sql, args).fetchall())

    # -- who may write -----------------------------------------------------------------------

    def _may_write(self, cur: Any, unit: str, verb: str) -> None:
        """Refuse, in words, a unit the login may not write (the database would refuse it too)."""
        if self._account is None:
            row = cur.execute(
                f"SELECT session_user::text,"
                f" coalesce((SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles"
                f"           WHERE rolname = session_user), false)"
                f" OR EXISTS (SELECT 1 FROM {S}.accounts WHERE role = session_user AND coordinator),"
                f" coalesce((SELECT array_agg(unit ORDER BY granted_at, unit) FROM {S}.accounts"
                f"           WHERE role = session_user AND unit IS NOT NULL), '{{}}')"
            ).fetchone()
            self._account = (row[0], bool(row[1]), list(row[2]))
        login, everyone, units = self._account
        if everyone or unit in units:
            return
        if not units:
            raise DeniedError(
                f"数据库账号 {login} 既不是哪个单位的联络员，也不是协调人，不能为 {unit} {verb}"
                f"（请管理员运行 gongkai state grant {login} --unit 单位）"
            )
        raise DeniedError(f"{'、'.join(units)} 的账号不能为 {unit} {verb}")

    # -- writing -----------------------------------------------------------------------------

    def add_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark]]:
        def work(cur: Any) -> tuple[list[Mark], list[Mark]]:
            added: list[Mark] = []
            present: list[Mark] = []
            for mark in marks:
                existing = self._locked(cur, mark.plan, mark.task_id, mark.unit)
                if existing is not None:
                    present.append(existing)
                    continue
                self._may_write(cur, mark.unit, "标记")
                _insert(cur, mark)
                added.append(mark)
            return added, present

        return self._write(work, marks)

    def remove_marks(
        self, plan_identity: str, pairs: Iterable[tuple[int, str]], by: str
    ) -> tuple[list[Mark], list[tuple[int, str]]]:
        def work(cur: Any) -> tuple[list[Mark], list[tuple[int, str]]]:
            removed: list[Mark] = []
            missing: list[tuple[int, str]] = []
            for task_id, unit in pairs:
                mark = self._locked(cur, plan_identity, task_id, unit)
                if mark is None:
                    missing.append((task_id, unit))
                    continue
                self._may_write(cur, unit, "撤销标记")
                cur.execute(
                    f"DELETE FROM {S}.marks WHERE plan = %s AND task_id = %s AND unit = %s",
                    (plan_identity, task_id, unit),
                )
                if cur.rowcount != 1:  # row-level security hid it: never a silent "0 rows"
                    raise DeniedError(f"数据库拒绝撤销 {unit} 的标记（任务 {task_id}）：没有权限")
                removed.append(mark)
            return removed, missing

        return self._write(work, pairs, by=by)

    def import_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark], list[tuple[Mark, Mark]]]:
        result = self.merge_marks(marks, None)
        return result.added, result.same, result.conflicts

    def apply_changes(self, changes: Iterable[MarkChange]) -> list[MarkOutcome]:
        def work(cur: Any) -> list[MarkOutcome]:
            outcomes = [outcome_of(self._locked(cur, c.plan, c.task_id, c.unit), c) for c in changes]
            if any(o.action == MISSING for o in outcomes):
                return outcomes  # nothing written
            for outcome in outcomes:
                if outcome.action == DONE and outcome.after is not None:
                    self._may_write(cur, outcome.after.unit, "标记")
                    _insert(cur, outcome.after)
                elif outcome.action == AMEND and outcome.before and outcome.after:
                    self._may_write(cur, outcome.after.unit, "修改标记")
                    _replace(cur, outcome.after)
            return outcomes

        return self._write(work, changes)

    def merge_marks(self, marks: Iterable[Mark], prefer: str | None) -> MergeResult:
        def work(cur: Any) -> MergeResult:
            result = MergeResult([], [], [], [], [])
            for mark in marks:
                ours = self._locked(cur, mark.plan, mark.task_id, mark.unit)
                if ours is None:
                    self._may_write(cur, mark.unit, "标记")
                    _insert(cur, mark)
                    result.added.append(mark)
                    continue
                if same_mark(ours, mark):
                    result.same.append(ours)
                    continue
                winner = merge_choice(ours, mark, prefer)
                if winner is None:
                    result.conflicts.append((ours, mark))
                elif winner == "theirs":
                    self._may_write(cur, mark.unit, "标记")
                    _replace(cur, taken_over(ours, mark))
                    result.replaced.append((ours, mark))
                else:
                    if not _kept_already(cur, mark):
                        self._may_write(cur, mark.unit, "标记")
                        cur.execute(
                            f"SELECT {S}.record_keep(%s, %s, %s, %s, %s, %s, %s, %s)",
                            (mark.plan, mark.task_id, mark.unit, mark.done_on, mark.note,
                             mark.changed_by or mark.by, mark.claimed_under, prefer),
                        )  # fmt: skip
                    result.kept.append((ours, mark))
            return result

        return self._write(work, marks, source="import", choice=prefer)

    def _locked(self, cur: Any, plan: str, task_id: int, unit: str) -> Mark | None:
        """The pair's mark, read after taking the pair's lock (held until the transaction ends).

        Two statements: in READ COMMITTED each statement sees what was committed before it began, so
        the read must start after the wait for the lock is over. A 32-bit hash: two pairs sharing a
        lock only wait for each other.
        """
        cur.execute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(%s))",
                    (f"{plan}\x1f{task_id}\x1f{unit}",))  # fmt: skip
        row = cur.execute(
            f"SELECT {_MARK_COLUMNS} FROM {S}.marks WHERE plan = %s AND task_id = %s AND unit = %s",
            (plan, task_id, unit),
        ).fetchone()
        return None if row is None else _mark(row)

    def _write(
        self,
        work: Callable[[Any], _T],
        items: Iterable[object],
        source: str = "cli",
        choice: str | None = None,
        by: str = "",
    ) -> _T:
        """One transaction around ``work``. Writers of the same pairs in opposite orders can deadlock
        (SQLite has one writer at a time, so it never does): the server aborts one of them, and when
        its ``items`` can be gone through again (a list or tuple), that one runs again from the start.
        """
        conn = self._open_connection()
        if conn is None or not self._writable:
            raise StateError(f"状态以只读方式打开：{self.location}")
        attempts = DEADLOCK_ATTEMPTS if isinstance(items, (list, tuple)) else 1

        def transaction() -> _T:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "SELECT set_config('gongkai.source', %s, true), set_config('gongkai.choice', %s, true),"
                    " set_config('gongkai.by', %s, true)",
                    (source, choice or "", by),
                )
                return work(cur)

        def retried() -> _T:
            for _ in range(attempts - 1):
                try:
                    return transaction()
                except psycopg.errors.DeadlockDetected:
                    continue  # ours was rolled back and the other went on: run ours again
            return transaction()

        return _guard(self.location, "write", retried)

    def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):  # the server is gone already: nothing is left open
                conn.close()


def _insert(cur: Any, mark: Mark) -> None:
    cur.execute(
        f"INSERT INTO {S}.marks ({_MARK_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        _values(mark),
    )


def _replace(cur: Any, mark: Mark) -> None:
    cur.execute(
        f"UPDATE {S}.marks SET done_on = %s, note = %s, by = %s, marked_at = %s, claimed_under = %s,"
        " changed_at = %s, changed_by = %s WHERE plan = %s AND task_id = %s AND unit = %s",
        (*_values(mark)[3:], mark.plan, mark.task_id, mark.unit),
    )
    if cur.rowcount != 1:
        raise DeniedError(f"数据库拒绝修改 {mark.unit} 的标记（任务 {mark.task_id}）：没有权限")


def _values(mark: Mark) -> tuple[object, ...]:
    return (
        mark.plan, mark.task_id, mark.unit, mark.done_on, mark.note, mark.by, mark.marked_at,
        mark.claimed_under, mark.changed_at, mark.changed_by,
    )  # fmt: skip


def _kept_already(cur: Any, theirs: Mark) -> bool:
    row = cur.execute(
        f"SELECT action, done_on, note, by FROM {S}.events WHERE plan = %s AND task_id = %s AND unit = %s"
        " ORDER BY seq DESC LIMIT 1",
        (theirs.plan, theirs.task_id, theirs.unit),
    ).fetchone()
    return row is not None and tuple(row) == (
        "keep",
        theirs.done_on,
        theirs.note,
        theirs.changed_by or theirs.by,
    )


def _mark(row: tuple[Any, ...]) -> Mark:
    return Mark(
        plan=row[0], task_id=int(row[1]), unit=row[2], done_on=row[3], note=row[4], by=row[5],
        marked_at=row[6], claimed_under=row[7], changed_at=row[8], changed_by=row[9],
    )  # fmt: skip


def _event_of(r: tuple[Any, ...]) -> Event:
    return Event(
        int(r[0]),
        r[1],
        r[2],
        r[3],
        int(r[4]),
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        r[14],
    )


# ---------------------------------------------------------------------------------------------
# psycopg's and the server's errors, in gongkai's words


def _translate(exc: Exception, where: str, doing: Doing) -> GongkaiError:
    """A Chinese message for a database error; the server's own (English) text is never shown."""
    text = str(exc)
    low = text.lower()
    state = getattr(exc, "sqlstate", None) or ""
    nothing = "（本次未做任何改动）" if doing == "write" else ""
    if "nul" in low and ("0x00" in low or "nul character" in low or "nul bytes" in low):
        return StateError(f"数据库不能保存含 NUL 字符（\\0）的文字：{where}{nothing}")
    if state == "55P03":
        return BusyError(f"数据正被其他用户写入，等待 {busy_seconds():g} 秒后放弃：{where}")
    if state in ("40P01", "40001"):
        return BusyError(f"与其他用户同时写入同一条记录而冲突，请重试：{where}{nothing}")
    if state == "42501" and doing != "write":
        return DeniedError(
            f"数据库账号没有读取 gongkai 表的权限：{where}（请管理员运行 gongkai state grant）"
        )
    if state == "42501" or "row-level security" in low:
        return DeniedError(f"数据库拒绝了这次写入：当前账号没有这个权限：{where}{nothing}")
    if state.startswith("28") or "password authentication failed" in low or "no password supplied" in low:
        return StateError(f"数据库拒绝登录：{where}（用户名或密码不对；密码放在 pgpass 文件里）")
    if state == "3D000" or ("database" in low and "does not exist" in low):
        return StateError(f"数据库不存在：{where}")
    if "role" in low and "does not exist" in low:
        return StateError(f"数据库中没有这个账号：{where}")
    if "service" in low and ("not found" in low or "service file" in low):
        return StateError(f"pg_service.conf 中找不到这个数据库服务：{where}")
    if "certificate" in low or "ssl" in low:
        return StateError(f"无法与数据库建立安全连接（TLS 证书校验失败或服务器不支持 SSL）：{where}")
    if "invalid" in low and ("uri" in low or "connection option" in low or "conninfo" in low):
        return StateError(f"数据库地址写得不对：{where}")
    if state.startswith("53"):
        return StateError(f"数据库服务器资源不足（磁盘已满或连接数已满）：{where}{nothing}")
    if state in ("42P01", "42703", "42883"):
        return StateError(
            f"数据库中 gongkai 的表不完整或被改动过：{where}（请管理员运行 gongkai state init）"
        )
    if (
        doing == "open"
        or state.startswith("08")
        or state.startswith("57P")
        or isinstance(exc, psycopg.OperationalError)
    ):
        if doing == "open":
            return StateError(f"无法连接数据库：{where}（服务器未启动、地址不对或网络不通）")
        return StateError(f"与数据库的连接中断：{where}{nothing}")
    shown = f"（SQLSTATE {state}）" if state else ""
    return StateError(f"数据库出错{shown}：{where}{nothing}")


def _guard(where: str, doing: Doing, work: Callable[[], _T]) -> _T:
    """Run ``work``, turning a psycopg error into gongkai's own."""
    try:
        return work()
    except psycopg.Error as exc:
        failure = _translate(exc, where, doing)
    raise failure  # outside the except clause: psycopg's exception is not even its __context__


# ---------------------------------------------------------------------------------------------
# Opening and administering


def _connect(target: str, doing: Doing = "open") -> Any:
    if psycopg is None:
        raise StateError("要使用 PostgreSQL 数据库，请先安装：pip install 'gongkai[postgres]'")
    where = hidden_password(target)
    extra: dict[str, Any] = {"application_name": "gongkai"}

    def connect() -> Any:
        given = psycopg.conninfo.conninfo_to_dict(target)
        if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
            extra["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
        return psycopg.connect(target, autocommit=True, **extra)

    return _guard(where, doing, connect)


def _schema_version(conn: Any, where: str) -> int:
    """0 when the database has no gongkai schema yet. Also sets how long a writer waits."""

    def look() -> int:
        row = conn.execute(
            "SELECT set_config('lock_timeout', %s, false), to_regclass(%s)::text",
            (f"{int(busy_seconds() * 1000)}ms", f"{S}.schema_version"),
        ).fetchone()
        if row[1] is None:
            return 0
        return int(conn.execute(pg_admin.VERSION_QUERY).fetchone()[0])

    return _guard(where, "read", look)


def open_postgres(target: str, write: bool) -> PostgresStore:
    """Connect. Reading never creates anything; writing creates the schema when it is missing and
    the login may (a superuser's first write); otherwise a message says to run ``state init``."""
    where = hidden_password(target)
    conn = _connect(target)
    try:
        version = _schema_version(conn, where)
        if version > pg_admin.SCHEMA_VERSION:
            raise StateError(
                f"数据库中 gongkai 表的格式版本是 {version}，比本程序支持的 {pg_admin.SCHEMA_VERSION} 新；"
                "请升级 gongkai"
            )
        if write and version < pg_admin.SCHEMA_VERSION:
            try:
                _init(conn, where, None, ())
            except DeniedError:
                raise StateError(
                    f"数据库中还没有 gongkai 的表（或需要升级）：{where}；"
                    "请数据库管理员先运行 gongkai state init"
                ) from None
            version = pg_admin.SCHEMA_VERSION
    except BaseException:
        conn.close()
        raise
    if not version:
        conn.close()
        return PostgresStore(target, None, writable=False, version=None)
    return PostgresStore(target, conn, writable=write, version=version)


def _init(conn: Any, where: str, identity: str | None, pairs: Iterable[tuple[int, str]]) -> dict[str, Any]:
    """Create or upgrade the schema (one transaction; concurrent inits wait for each other)."""

    def work() -> dict[str, Any]:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gongkai schema'))")
            cur.execute(pg_admin.ROLES_SQL)
            cur.execute(f"SET LOCAL ROLE {pg_admin.OWNER_ROLE}")
            before = 0
            if cur.execute("SELECT to_regclass(%s)::text", (f"{S}.schema_version",)).fetchone()[0]:
                before = int(cur.execute(pg_admin.VERSION_QUERY).fetchone()[0])
            for step in pg_admin.migration_steps(before):
                cur.execute(step)
            if before < pg_admin.SCHEMA_VERSION:
                cur.execute(
                    f"INSERT INTO {S}.schema_version (version) VALUES (%s)", (pg_admin.SCHEMA_VERSION,)
                )
            cur.execute(pg_admin.GRANTS_SQL)
            loaded = None
            if identity is not None:
                wanted = sorted(set(pairs))
                cur.execute(f"DELETE FROM {S}.pairs WHERE plan = %s", (identity,))
                cur.executemany(
                    f"INSERT INTO {S}.pairs (plan, task_id, unit) VALUES (%s, %s, %s)",
                    [(identity, t, u) for t, u in wanted],
                )
                loaded = len(wanted)
            cur.execute("RESET ROLE")
            return {"location": where, "schema_version": pg_admin.SCHEMA_VERSION, "upgraded_from": before,
                    "plan": identity, "pairs": loaded}  # fmt: skip

    return _guard(where, "write", work)


def init_schema(
    target: str, identity: str | None = None, pairs: Iterable[tuple[int, str]] = ()
) -> dict[str, Any]:
    """``gongkai state init``: create or upgrade the schema, grants, and (with a plan) its pairs."""
    where = hidden_password(target)
    conn = _connect(target)
    try:
        return _init(conn, where, identity, pairs)
    except DeniedError:
        raise DeniedError(
            f"建表需要数据库超级用户的账号：{where}；也可以用 gongkai state init --print-sql 输出 SQL，"
            "交给数据库管理员执行"
        ) from None
    finally:
        conn.close()


def grant(target: str, role: str, units: list[str], coordinator: bool) -> dict[str, Any]:
    """``gongkai state grant``: let a login role write its units' marks (or every unit's)."""
    where = hidden_password(target)
    conn = _connect(target)
    try:
        version = _schema_version(conn, where)
        if not version:
            raise StateError(f"数据库中还没有 gongkai 的表：{where}；请先运行 gongkai state init")

        def work() -> dict[str, Any]:
            with conn.transaction(), conn.cursor() as cur:
                found = cur.execute(
                    "SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %s", (role,)
                ).fetchone()
                if found is None:
                    raise StateError(
                        f"数据库中没有账号 {role}；请先由管理员创建：CREATE ROLE {pg_admin.quote_ident(role)}"
                        " LOGIN PASSWORD '…';"
                    )
                cur.execute(f"GRANT {pg_admin.USER_ROLE} TO {pg_admin.quote_ident(role)}")
                rows = [(role, None, True)] if coordinator else [(role, u, False) for u in units]
                for row in rows:
                    cur.execute(
                        f"INSERT INTO {S}.accounts (role, unit, coordinator) VALUES (%s, %s, %s)"
                        " ON CONFLICT DO NOTHING",
                        row,
                    )
                listed = cur.execute(
                    f"SELECT unit, coordinator FROM {S}.accounts WHERE role = %s ORDER BY granted_at, unit",
                    (role,),
                ).fetchall()
                return {
                    "role": role,
                    "coordinator": any(r[1] for r in listed),
                    "units": [r[0] for r in listed if r[0] is not None],
                    "can_login": bool(found[0]),
                }

        return _guard(where, "write", work)
    finally:
        conn.close()
