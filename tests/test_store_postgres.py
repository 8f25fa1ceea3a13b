"""What only the shared PostgreSQL store guarantees, against a real server, logged in as unit roles.

The superuser bypasses row-level security, so every security test here writes as a liaison's or a
coordinator's login role and first checks that the login is not a superuser. The store behaviour both
backends share is tested in tests/test_store.py (its ``backend`` fixture runs it against PostgreSQL).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gongkai_cli.errors import DeniedError, StateError
from gongkai_cli.model import Mark
from gongkai_cli.queries import responsible_units
from gongkai_cli.store import open_store, shown_target
from gongkai_cli.store.base import utc_now

from .helpers.common import IDENTITY, ROOT, PgServer, gongkai, marker_command

JIAOTI, WEIJIAN, COORD = "gk_jiaoti", "gk_weijian", "gk_coord"


class District:
    """A database set up the way a DBA would: ``state init`` as the superuser, login roles, grants."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.dbname = server.create_database()
        self.admin = server.target(self.dbname)
        r = gongkai("state", "init", "--state", self.admin)
        assert r.returncode == 0, r.stderr

    def login(self, role: str, *, units: list[str] = (), coordinator: bool = False) -> str:  # type: ignore[assignment]
        """Create (once per server) the login role, grant it, and return its state target."""
        self.server.create_login(role)
        args = ["--coordinator"] if coordinator else [a for u in units for a in ("--unit", u)]
        r = gongkai("state", "grant", role, *args, "--state", self.admin)
        assert r.returncode == 0, r.stderr
        return self.server.target(self.dbname, role)

    def reader(self, role: str) -> str:
        """A login that may read everything and write nothing (a member of gongkai_user only)."""
        self.server.create_login(role)
        self.rows(f"GRANT gongkai_user TO {role}")
        return self.server.target(self.dbname, role)

    def connect(self, role: str) -> Any:
        """A psycopg connection logged in as ``role`` (not a superuser: checked)."""
        import psycopg

        conn = psycopg.connect(self.server.conninfo(self.dbname, user=role), autocommit=True)
        su = conn.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user")
        assert su.fetchone() == (False,), f"{role} bypasses row-level security: the test would prove nothing"
        return conn

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.server.sql(sql, self.dbname)


@pytest.fixture(autouse=True)
def _drop_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's databases are dropped at its end."""
    yield
    if "pg_server" in request.fixturenames:
        request.getfixturevalue("pg_server").drop_created()


@pytest.fixture
def district(pg_server: PgServer) -> District:
    return District(pg_server)


def cli(target: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return gongkai(*args, env={"GONGKAI_STATE": target, **env})


# -- choosing the backend ----------------------------------------------------------------------


def test_sqlite_mode_never_imports_psycopg(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os, sys\n"
        "end = os._exit  # the console script ends the process so, without atexit handlers\n"
        "os._exit = lambda code: (sys.stderr.write('PSYCOPG=%s\\n' % ('psycopg' in sys.modules)),"
        " sys.stderr.flush(), end(code))\n"
        "from gongkai_cli.launch import main\n"
        "sys.argv = ['gongkai', *sys.argv[1:]]\n"
        "main()\n"
    )
    for args in (["done", "7"], ["status"], ["log", "-f", "json"], ["marks", "export"]):
        r = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "GONGKAI_STATE": str(tmp_path / "s.sqlite3")},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert r.stderr.strip().endswith("PSYCOPG=False"), (args, r.stderr)


def test_psycopg_prints_nothing_of_its_own() -> None:
    # psycopg logs what it ignores (a rollback cut short by Ctrl-C: "error ignored in rollback ...");
    # with no handler, Python would print that English line beside gongkai's own
    pytest.importorskip("psycopg")
    code = (
        "import logging, gongkai_cli.store.postgres\n"
        "logging.getLogger('psycopg').warning('error ignored in rollback of <psycopg.Transaction>')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_state_path_shows_the_address_without_its_password(run) -> None:  # type: ignore[no-untyped-def]
    for given, shown in [
        ("postgresql://li:s3cret@db.example:5432/gongkai?sslmode=verify-full",
         "postgresql://li:***@db.example:5432/gongkai?sslmode=verify-full"),
        ("postgres://db.example/gongkai?password=s3cret&sslmode=verify-full",
         "postgres://db.example/gongkai?password=***&sslmode=verify-full"),
        ("service=gongkai password='a b'", "service=gongkai password=***"),
        ("service=gongkai", "service=gongkai"),
    ]:  # fmt: skip
        r = run("state", "path", "--state", given)
        assert r.exit_code == 0 and r.stdout == shown + "\n" and "s3cret" not in r.output, r.output
        assert shown_target(given) == shown


def test_a_server_that_is_not_there_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    nowhere = f"postgresql://li:s3cret@/gongkai?host={tmp_path}&port=1"
    for args in (["status"], ["done", "7"], ["log"], ["state", "init"]):
        r = cli(nowhere, *args)
        assert r.returncode == 4, r.stderr
        assert r.stderr.startswith("错误：无法连接数据库") and r.stderr.count("\n") == 1, r.stderr
        assert "s3cret" not in r.stderr and "Traceback" not in r.stderr


def test_a_refused_login_or_a_missing_database_is_one_line(pg_server: PgServer, tmp_path: Path) -> None:
    pg_server.create_login("gk_pw", "right")
    (tmp_path / "pgpass").write_text(f"127.0.0.1:{pg_server.port}:*:gk_pw:wrong\n", "utf-8")
    (tmp_path / "pgpass").chmod(0o600)
    tcp = f"postgresql://gk_pw@127.0.0.1:{pg_server.port}/postgres?sslmode=disable"
    r = gongkai("status", env={"GONGKAI_STATE": tcp, "PGPASSFILE": str(tmp_path / "pgpass")})
    assert r.returncode == 4 and r.stderr.startswith("错误：数据库拒绝登录") and r.stderr.count("\n") == 1, (
        r.stderr
    )
    r = cli(pg_server.target("gk_no_such_database"), "status")
    assert r.returncode == 4 and r.stderr.startswith("错误：数据库不存在") and r.stderr.count("\n") == 1, (
        r.stderr
    )
    assert "wrong" not in r.stderr


def test_state_init_refuses_an_sqlite_file(run) -> None:  # type: ignore[no-untyped-def]
    r = run("state", "init")
    assert r.exit_code == 4 and "只用于 PostgreSQL" in r.stderr


# -- the schema ------------------------------------------------------------------------------


def test_init_is_idempotent_and_the_printed_sql_is_the_same_schema(pg_server: PgServer, run) -> None:  # type: ignore[no-untyped-def]
    district = District(pg_server)
    again = gongkai("state", "init", "--state", district.admin)
    assert again.returncode == 0 and "已是最新" in again.stderr, again.stderr
    assert "1356 个任务–单位对" in again.stderr
    # A DBA runs the printed script with psql on an empty database instead.
    script = run("state", "init", "--print-sql")
    assert script.exit_code == 0
    other = pg_server.create_database()
    psql = subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", pg_server.conninfo(other)],
        input=script.stdout, capture_output=True, text=True,
    )  # fmt: skip
    assert psql.returncode == 0, psql.stderr

    def shape(dbname: str) -> list[tuple[Any, ...]]:
        return pg_server.sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'gongkai' ORDER BY 1, 2",
            dbname,
        )

    assert shape(other) == shape(district.dbname) and len(shape(other)) > 30
    count = "SELECT count(*) FROM gongkai.pairs"
    assert pg_server.sql(count, other) == pg_server.sql(count, district.dbname) == [(1356,)]
    owners = pg_server.sql(
        "SELECT DISTINCT tableowner, r.rolcanlogin FROM pg_tables t"
        " JOIN pg_roles r ON r.rolname = t.tableowner WHERE schemaname = 'gongkai'",
        other,
    )
    assert owners == [("gongkai_owner", False)]  # owned by a role nobody logs in as
    r = gongkai("state", "init", "--state", pg_server.target(other))
    assert r.returncode == 0 and "已是最新" in r.stderr


# -- who may write what, enforced by the database --------------------------------------------


def test_a_liaison_marks_its_own_unit_and_is_refused_another(district: District) -> None:
    jiaoti = district.login(JIAOTI, units=["区教体局"])
    weijian = district.login(WEIJIAN, units=["区卫健局"])
    assert cli(jiaoti, "done", "7").returncode == 0  # 7 is 区教体局's alone
    r = cli(jiaoti, "done", "12", "--unit", "区卫健局")
    assert r.returncode == 8 and r.stderr == "错误：区教体局 的账号不能为 区卫健局 标记\n", r.stderr
    assert cli(weijian, "done", "12", "--unit", "区卫健局").returncode == 0
    r = cli(jiaoti, "undo", "12", "--unit", "区卫健局")
    assert r.returncode == 8 and "区教体局 的账号不能为 区卫健局 撤销标记" in r.stderr, r.stderr
    r = cli(jiaoti, "done", "12", "--unit", "区卫健局", "--note", "改一下")
    assert r.returncode == 8, r.stderr
    # several units at once: all or nothing
    r = cli(jiaoti, "done", "12", "--unit", "区教体局,区卫健局", "--date", "2023-11-20")
    assert r.returncode == 8
    assert district.rows("SELECT task_id, unit, db_user FROM gongkai.marks ORDER BY 1, 2") == [
        (7, "区教体局", JIAOTI),
        (12, "区卫健局", WEIJIAN),
    ]
    log = json.loads(cli(jiaoti, "log", "-f", "json").stdout)
    assert [(e["action"], e["unit"], e["db_user"]) for e in log] == [
        ("done", "区教体局", JIAOTI),
        ("done", "区卫健局", WEIJIAN),
    ]
    # reading is for everyone
    rows = {t["id"]: t for t in json.loads(cli(jiaoti, "tasks", "--section", "二", "-f", "json").stdout)}
    assert rows[12]["done_units"] == ["区卫健局"]


def test_the_database_itself_refuses_what_the_cli_would_not_send(district: District) -> None:
    district.login(JIAOTI, units=["区教体局"])
    district.login(WEIJIAN, units=["区卫健局"])
    import psycopg

    with district.connect(WEIJIAN) as conn:
        conn.execute(
            "INSERT INTO gongkai.marks (plan, task_id, unit, done_on, by, marked_at)"
            " VALUES (%s, 12, '区卫健局', '2023-11-20', '王', 'x')",
            (IDENTITY,),
        )
    with district.connect(JIAOTI) as conn:
        insert = (
            "INSERT INTO gongkai.marks (plan, task_id, unit, done_on, by, marked_at, db_user)"
            " VALUES (%s, %s, %s, '2023-11-20', '张', 'x', %s)"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert, (IDENTITY, 11, "区卫健局", JIAOTI))
        # undoing another unit's mark: row-level security hides the row, nothing is deleted
        gone = conn.execute("DELETE FROM gongkai.marks WHERE unit = '区卫健局'")
        assert gone.rowcount == 0
        assert conn.execute("UPDATE gongkai.marks SET note = 'x' WHERE unit = '区卫健局'").rowcount == 0
        # db_user cannot be forged: the database writes the real login
        assert conn.execute(insert + " RETURNING db_user", (IDENTITY, 7, "区教体局", COORD)).fetchone() == (
            JIAOTI,
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # moving our mark to their unit
            conn.execute("UPDATE gongkai.marks SET unit = '区卫健局' WHERE task_id = 7")
        for statement in (
            "UPDATE gongkai.events SET note = 'forged'",
            "DELETE FROM gongkai.events",
            "TRUNCATE gongkai.events",
            "INSERT INTO gongkai.events (action, plan, task_id, unit, by) VALUES ('done', 'p', 1, 'u', 'x')",
            "UPDATE gongkai.pairs SET unit = '区教体局'",
            "DELETE FROM gongkai.pairs",
            "INSERT INTO gongkai.accounts (role, unit, coordinator) VALUES (session_user, NULL, true)",
            "UPDATE gongkai.accounts SET unit = '区卫健局'",
            "DROP TABLE gongkai.events",
            "ALTER TABLE gongkai.marks DISABLE ROW LEVEL SECURITY",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert district.rows("SELECT task_id, unit, db_user FROM gongkai.marks ORDER BY 1") == [
        (7, "区教体局", JIAOTI),
        (12, "区卫健局", WEIJIAN),
    ]
    assert district.rows("SELECT action, unit, db_user FROM gongkai.events ORDER BY seq") == [
        ("done", "区卫健局", WEIJIAN),
        ("done", "区教体局", JIAOTI),
    ]
    assert district.rows("SELECT count(*) FROM gongkai.pairs") == [(1356,)]
    # History is append-only even for the superuser.
    for statement in ("UPDATE gongkai.events SET note = 'x'", "DELETE FROM gongkai.events",
                      "TRUNCATE gongkai.events"):  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            district.rows(statement)


def test_the_insert_trigger_holds_without_row_level_security(district: District) -> None:
    """openGauss's RLS does not cover INSERT: the BEFORE INSERT trigger alone must refuse."""
    district.login(JIAOTI, units=["区教体局"])
    district.rows("ALTER TABLE gongkai.marks NO FORCE ROW LEVEL SECURITY")
    district.rows("ALTER TABLE gongkai.marks DISABLE ROW LEVEL SECURITY")
    import psycopg

    with district.connect(JIAOTI) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        conn.execute(
            "INSERT INTO gongkai.marks (plan, task_id, unit, done_on, by, marked_at)"
            " VALUES (%s, 11, '区卫健局', '2023-11-20', '张', 'x')",
            (IDENTITY,),
        )
    assert "may not write marks of 区卫健局" in str(caught.value)
    assert district.rows("SELECT count(*) FROM gongkai.marks") == [(0,)]


def test_a_coordinator_marks_and_undoes_for_anyone(district: District) -> None:
    coord = district.login(COORD, coordinator=True)
    assert cli(coord, "done", "12", "--all-units", "--date", "2023-11-20").returncode == 0
    assert cli(coord, "undo", "12", "--unit", "区卫健局").returncode == 0
    assert district.rows("SELECT unit, db_user FROM gongkai.marks ORDER BY unit") == [
        ("区发改局", COORD),
        ("区教体局", COORD),
        ("国网任城供电公司", COORD),
    ]
    reader = district.reader("gk_nobody")  # may read, may not write
    rows = {t["id"]: t for t in json.loads(cli(reader, "tasks", "--section", "二", "-f", "json").stdout)}
    assert rows[12]["status"] == "partial"
    r = cli(reader, "done", "7")
    assert r.returncode == 8 and "gk_nobody" in r.stderr and "state grant" in r.stderr, r.stderr


def test_a_login_without_a_grant_is_told_what_to_ask_for(district: District) -> None:
    district.server.create_login("gk_stranger")
    target = district.server.target(district.dbname, "gk_stranger")
    r = cli(target, "done", "7")
    assert r.returncode != 0 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    with pytest.raises((DeniedError, StateError)), open_store(target, write=True) as store:
        store.add_marks(
            [Mark(IDENTITY, 7, "区教体局", __import__("datetime").date(2023, 11, 1), None, "x", utc_now())]
        )
    assert district.rows("SELECT count(*) FROM gongkai.marks") == [(0,)]


def test_a_liaison_cannot_create_the_schema(pg_server: PgServer) -> None:
    dbname = pg_server.create_database()
    pg_server.create_login(JIAOTI)
    r = cli(pg_server.target(dbname, JIAOTI), "done", "7")
    assert r.returncode == 4 and "state init" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    r = gongkai("state", "init", "--state", pg_server.target(dbname, JIAOTI))
    assert r.returncode == 8 and "超级用户" in r.stderr and "--print-sql" in r.stderr, r.stderr
    assert pg_server.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'gongkai'", dbname) == [(0,)]


# -- many liaisons at once ---------------------------------------------------------------------


def unit_pairs(plan, directory, count: int, per_unit: int) -> dict[str, list[tuple[int, str]]]:  # type: ignore[no-untyped-def]
    by_unit: dict[str, list[tuple[int, str]]] = {}
    for task in plan.tasks:
        for unit in responsible_units(directory, task):
            by_unit.setdefault(unit, []).append((task.id, unit))
    chosen = [u for u, pairs in by_unit.items() if len(pairs) >= per_unit][:count]
    assert len(chosen) == count
    return {u: by_unit[u][:per_unit] for u in chosen}


def readers(target: str, count: int) -> list[subprocess.Popen[str]]:
    loop = (
        "import subprocess, sys, time\n"
        "end = time.time() + 60\n"
        "while time.time() < end:\n"
        "    r = subprocess.run([sys.executable, '-m', 'gongkai_cli', 'tasks', '--status', 'done',"
        " '-f', 'json'], capture_output=True, text=True)\n"
        "    if r.returncode != 0:\n"
        "        print('FAIL', r.returncode, r.stderr, flush=True); sys.exit(1)\n"
        "    print('ok', flush=True)\n"
    )
    env = {**os.environ, "GONGKAI_STATE": target}
    return [
        subprocess.Popen([sys.executable, "-c", loop], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for _ in range(count)
    ]


def test_sixteen_liaisons_each_as_its_own_role_with_four_readers(district: District, plan, directory) -> None:  # type: ignore[no-untyped-def]
    work = unit_pairs(plan, directory, 16, 8)
    targets = {unit: district.login(f"gk_liaison_{i}", units=[unit]) for i, unit in enumerate(work)}
    polling = readers(district.reader("gk_reader"), 4)
    for reader in polling:
        assert reader.stdout is not None and reader.stdout.readline().startswith("ok")
    env = {**os.environ, "GONGKAI_BUSY_TIMEOUT": "30"}
    writers = [
        subprocess.Popen(marker_command(targets[u], pairs), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, cwd=ROOT)
        for u, pairs in work.items()
    ]  # fmt: skip
    outputs = [w.communicate(timeout=120) for w in writers]
    for reader in polling:
        assert reader.stdout is not None and reader.stdout.readline().startswith("ok")
        reader.terminate()
    polled = [r.communicate(timeout=30)[0] for r in polling]
    assert [w.returncode for w in writers] == [0] * 16, [o[1] for o in outputs]
    assert all("FAIL" not in text for text in polled), polled
    expected = {(t, u, f"gk_liaison_{i}") for i, (u, pairs) in enumerate(work.items()) for t, _ in pairs}
    assert set(district.rows("SELECT task_id, unit, db_user FROM gongkai.marks")) == expected
    events = district.rows("SELECT task_id, unit, db_user FROM gongkai.events WHERE action = 'done'")
    assert len(events) == 128 and set(events) == expected


def test_sixteen_coordinators_racing_on_the_same_pairs_give_one_mark_each(
    district: District, plan, directory
) -> None:  # type: ignore[no-untyped-def]
    pairs = [p for pairs in unit_pairs(plan, directory, 4, 4).values() for p in pairs]
    targets = [district.login(f"gk_coord_{i}", coordinator=True) for i in range(16)]
    env = {**os.environ, "GONGKAI_BUSY_TIMEOUT": "30"}
    procs = []
    for i, target in enumerate(targets):
        mine = pairs[:]
        random.Random(i).shuffle(mine)
        procs.append(subprocess.Popen(marker_command(target, mine), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT))  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 16, [o[1] for o in outputs]
    assert district.rows("SELECT count(*), count(DISTINCT (task_id, unit)) FROM gongkai.marks") == [(16, 16)]
    assert district.rows(
        "SELECT count(*), count(DISTINCT (task_id, unit)) FROM gongkai.events WHERE action = 'done'"
    ) == [(16, 16)]


class PausedList(list):  # type: ignore[type-arg]
    """A list whose first pass waits at ``barrier`` after its first item (later passes do not)."""

    def __init__(self, items: list[Mark], barrier: Any) -> None:
        super().__init__(items)
        self.barrier, self.first = barrier, True

    def __iter__(self) -> Iterator[Mark]:
        for i, item in enumerate(list.__iter__(self)):
            if i == 1 and self.first:
                self.first = False
                self.barrier.wait(timeout=30)
            yield item


def test_writers_of_the_same_pairs_in_opposite_orders_both_succeed(district: District) -> None:
    """Each locks its first pair, then wants the other's: the server aborts one (a deadlock), and it
    runs again once the other has committed."""
    import datetime as dt
    import threading

    target = district.login(COORD, coordinator=True)
    barrier = threading.Barrier(2)

    def marks(order: list[int], by: str) -> PausedList:
        day = dt.date(2023, 11, 1)
        return PausedList([Mark(IDENTITY, t, "区教体局", day, None, by, utc_now()) for t in order], barrier)

    results: dict[str, Any] = {}

    def write(name: str, order: list[int]) -> None:
        try:
            with open_store(target, write=True) as store:
                results[name] = store.add_marks(marks(order, name))
        except Exception as exc:  # reported below
            results[name] = exc

    threads = [threading.Thread(target=write, args=a) for a in (("甲", [7, 8]), ("乙", [8, 7]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(r, Exception) for r in results.values()), results
    added = sorted(m.task_id for r in results.values() for m in r[0])
    present = sorted(m.task_id for r in results.values() for m in r[1])
    assert (added, present) == ([7, 8], [7, 8])  # each pair added by one writer, found by the other
    assert district.rows("SELECT count(*) FROM gongkai.marks") == [(2,)]
    assert district.rows("SELECT count(*) FROM gongkai.events") == [(2,)]


# -- the server going away -------------------------------------------------------------------


@pytest.fixture
def own_server(pg_server: PgServer) -> Iterator[PgServer]:
    if pg_server.data_dir is None:
        pytest.skip("the server of GONGKAI_TEST_PG is not ours to stop")
    yield pg_server
    if pg_server.pg_ctl("status").returncode != 0:
        pg_server.restart()


def test_a_server_stopped_mid_command_leaves_nothing_half_written(
    own_server: PgServer, plan, directory
) -> None:  # type: ignore[no-untyped-def]
    district = District(own_server)
    coord = district.login(COORD, coordinator=True)
    assert cli(coord, "done", "7").returncode == 0
    # Another writer holds pair 8; `done 12 8` writes 12, then waits for 8 when the server stops.
    holder = subprocess.Popen(marker_command(district.admin, [(8, "区教体局")], hold=60),
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        waiting = subprocess.Popen(
            [sys.executable, "-m", "gongkai_cli", "done", "12", "8", "--unit", "区教体局"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "GONGKAI_STATE": coord, "GONGKAI_BUSY_TIMEOUT": "60"},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not district.rows(
            f"SELECT 1 FROM pg_stat_activity WHERE usename = '{COORD}' AND wait_event_type = 'Lock'"
        ):
            time.sleep(0.05)
        own_server.stop("fast")
        _, err = waiting.communicate(timeout=60)
    finally:
        holder.kill()
        holder.wait()
        if own_server.pg_ctl("status").returncode != 0:
            own_server.restart()
    assert waiting.returncode == 4, err
    assert (
        err.startswith("错误：与数据库的连接中断") and err.count("\n") == 1 and "本次未做任何改动" in err
    ), err
    assert district.rows("SELECT task_id, unit FROM gongkai.marks") == [(7, "区教体局")]
    assert district.rows("SELECT task_id FROM gongkai.events") == [(7,)]


# -- the walk-through of docs/postgres.md, run as written against the test server ---------------


def doc_blocks(path: Path) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block, in order."""
    import re

    found = re.findall(r"^```(\w*)\n(.*?)^```", path.read_text("utf-8"), flags=re.M | re.S)
    return [(lang, text) for lang, text in found]


def test_the_postgres_walk_through_runs_as_written(pg_server: PgServer, tmp_path: Path) -> None:
    import re
    import shutil

    from .helpers.common import installed_gongkai

    blocks = doc_blocks(ROOT / "docs" / "postgres.md")
    langs = [lang for lang, _ in blocks]
    assert langs == ["sh", "sh", "sh", "sh", "sh", "ini", "text", "bat", "sh", "sh"], langs
    for role in ("li_jiaoti", "zhang_coord"):  # a server given by GONGKAI_TEST_PG may have run this before
        pg_server.sql("DROP DATABASE IF EXISTS gongkai WITH (FORCE)")
        pg_server.sql(f"DROP ROLE IF EXISTS {role}")
    bin_dir = str(Path(installed_gongkai()).parent)
    psql = shutil.which("psql")
    assert psql, "psql is needed to run the DBA's part"
    dba = {
        **os.environ,
        "PATH": os.pathsep.join([bin_dir, str(Path(psql).parent), os.environ.get("PATH", "")]),
        "PGHOST": pg_server.socket_dir,
        "PGPORT": pg_server.port,
        "PGUSER": pg_server.admin.get("user", "postgres"),
    }
    dba.pop("GONGKAI_STATE", None)

    def shell(text: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        lines = [line for line in text.splitlines() if not line.startswith("pip ")]
        r = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(lines)], capture_output=True,
                           text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip
        assert r.returncode == 0, (text, r.stdout, r.stderr)
        return r

    for _, text in blocks[:5]:  # pip, create db and roles, --print-sql + psql, state init, grants
        r = shell(text, dba)
    assert "已授权：账号 zhang_coord 可为任何单位标记（协调人）" in r.stderr
    assert pg_server.sql("SELECT count(*) FROM gongkai.pairs", "gongkai") == [(1356,)]

    # A liaison's PC: the service file and pgpass as written, pointing at the test server's TCP port,
    # TLS verified against the test server's own CA (a server given by GONGKAI_TEST_PG may have none).
    service = blocks[5][1].replace("host=db.rencheng.example", "host=127.0.0.1")
    service = service.replace("port=5432", f"port={pg_server.port}")
    if pg_server.root_cert is not None:
        service = service.replace("sslrootcert=C:\\gongkai\\root.crt", f"sslrootcert={pg_server.root_cert}")
    else:
        service = service.replace("sslmode=verify-full", "sslmode=disable")
        service = "\n".join(line for line in service.splitlines() if not line.startswith("sslrootcert"))
    coord = re.sub(r"^\[gongkai\]", "[gongkai-coord]", service).replace("user=li_jiaoti", "user=zhang_coord")
    (tmp_path / "pg_service.conf").write_text(f"{service}\n\n{coord}\n", "utf-8")
    pgpass = blocks[6][1].replace("db.rencheng.example:5432", f"127.0.0.1:{pg_server.port}")
    pgpass += f"127.0.0.1:{pg_server.port}:gongkai:zhang_coord:协调人的密码\n"
    (tmp_path / "pgpass.conf").write_text(pgpass, "utf-8")
    (tmp_path / "pgpass.conf").chmod(0o600)
    pc = {k: v for k, v in dba.items() if not k.startswith("PG")}
    pc |= {"PGSERVICEFILE": str(tmp_path / "pg_service.conf"), "PGPASSFILE": str(tmp_path / "pgpass.conf")}
    commands = []
    for line in blocks[7][1].splitlines():  # Windows' setx NAME VALUE: the variable for later commands
        if line.startswith("setx "):
            _, name, value = line.split(" ", 2)
            pc[name] = value
        else:
            commands.append(line)
    r = shell("\n".join(commands), pc)
    assert "已标记完成" in r.stderr and "任务 7：区教体局" in r.stderr, r.stderr
    refused = subprocess.run([installed_gongkai(), "done", "12", "--unit", "区卫健局"], capture_output=True,
                             text=True, env=pc, cwd=tmp_path)  # fmt: skip
    assert refused.returncode == 8 and refused.stderr == "错误：区教体局 的账号不能为 区卫健局 标记\n"
    shown = subprocess.run([installed_gongkai(), "state", "path"], capture_output=True, text=True, env=pc)
    assert shown.stdout == "service=gongkai\n"
    if pg_server.root_cert is not None:  # a wrong CA: the server is not who it says, nothing is sent
        wrong = tmp_path / "wrong.crt"
        wrong.write_bytes(pg_server.root_cert.with_name("server.crt").read_bytes())
        wrong_service = service.replace(str(pg_server.root_cert), str(wrong))
        (tmp_path / "wrong_service.conf").write_text(wrong_service + "\n", "utf-8")
        bad = {**pc, "PGSERVICEFILE": str(tmp_path / "wrong_service.conf")}
        r = subprocess.run([installed_gongkai(), "status"], capture_output=True, text=True, env=bad)
        assert r.returncode == 4 and r.stderr.startswith("错误：无法与数据库建立安全连接"), r.stderr
    assert pg_server.sql("SELECT task_id, unit, note, db_user FROM gongkai.marks", "gongkai") == [
        (7, "区教体局", "任教字〔2023〕5号", "li_jiaoti")
    ]
    if pg_server.root_cert is not None:  # the liaison's connection was TLS, verified (verify-full)
        r = shell("psql -Atc 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' service=gongkai", pc)
        assert r.stdout.strip() == "t"

    # The coordinator merges a PC's old SQLite records, then backs up by exporting.
    old_pc = {**pc, "GONGKAI_STATE": str(tmp_path / "old.sqlite3")}
    shell("gongkai done 8 --date 2023-11-20\ngongkai marks export -o 教体局.json", old_pc)
    r = shell(blocks[8][1], pc)
    assert "导入 1 条" in r.stderr, r.stderr
    shell(blocks[9][1], pc)
    backup = json.loads((tmp_path / "备份.json").read_text("utf-8"))
    assert [(m["task_id"], m["unit"]) for m in backup["marks"]] == [(7, "区教体局"), (8, "区教体局")]
    assert pg_server.sql("SELECT task_id, source, db_user FROM gongkai.events ORDER BY seq", "gongkai") == [
        (7, "cli", "li_jiaoti"),
        (8, "import", "zhang_coord"),
    ]
