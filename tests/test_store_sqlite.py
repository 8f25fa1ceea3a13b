"""What the SQLite state file guarantees on disk, inspected with sqlite3 itself, and that none of
SQLite's own (English) words or exceptions reach gongkai's users."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from gongkai_cli.errors import BusyError, GongkaiError, StateError
from gongkai_cli.model import Mark
from gongkai_cli.store import open_store, utc_now
from gongkai_cli.store.sqlite import APPLICATION_ID, SCHEMA_VERSION

from .helpers.common import IDENTITY, ROOT, marker_command

# The only Latin words gongkai's state messages may contain (besides the path).
OWN_WORDS = {"gongkai", "SQLite", "I", "O", "done"}


@pytest.fixture
def state() -> Path:
    return Path(os.environ["GONGKAI_STATE"])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def companions(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def sql(path: Path, statement: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return list(conn.execute(statement))


def marks_in(path: Path) -> set[tuple[int, str]]:
    return {
        (int(str(r[0])), str(r[1]))
        for r in sql(path, f"SELECT task_id, unit FROM marks WHERE plan = '{IDENTITY}'")
    }


def assert_gongkai_s_own(error: GongkaiError, path: Path) -> None:
    """A Chinese message of gongkai's own, with no SQLite text and no sqlite3 exception attached."""
    text = str(error).replace(str(path), "")
    assert set(re.findall(r"[A-Za-z]+", text)) <= OWN_WORDS, text
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert error.__cause__ is None and error.__context__ is None, repr(error.__context__)


def some_marks(count: int) -> list[Mark]:
    return [
        Mark(IDENTITY, i, f"单位{i:04d}" + "某" * 40, dt.date(2023, 11, 1), "证据" * 20, "张三", utc_now())
        for i in range(1, count + 1)
    ]


# -- what a new file is -------------------------------------------------------------------------


def test_a_new_file_is_marked_as_gongkai_s_and_written_ahead(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    assert sql(state, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert sql(state, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert sql(state, "PRAGMA journal_mode") == [("wal",)]
    assert {r[0] for r in sql(state, "SELECT name FROM sqlite_master WHERE type = 'trigger'")} == {
        "events_append_only_update",
        "events_append_only_delete",
    }
    assert marks_in(state) == {(7, "区教体局")}


def test_history_is_append_only(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sql(state, "DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sql(state, "UPDATE events SET note = 'x'")
    assert len(sql(state, "SELECT * FROM events")) == 1


def test_empty_file_is_initialised_on_first_write(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    state.write_bytes(b"")
    assert run.json("tasks", "--status", "done") == []
    assert state.read_bytes() == b""  # reading left it alone
    assert run("done", "7").exit_code == 0
    assert sql(state, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert sql(state, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


# -- files that are not ours, or not well ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("text", b"this is my shopping list\n"),
        ("corrupt", b"SQLite format 3\x00" + b"\xff" * 4000),
        ("yaml", b"schema: 1\n"),
    ],
)
def test_foreign_or_corrupt_state_is_refused_and_untouched(
    run, state: Path, name: str, content: bytes
) -> None:  # type: ignore[no-untyped-def]
    state.write_bytes(content)
    before = digest(state)
    for args in (("done", "7"), ("tasks", "--status", "done"), ("log",), ("marks", "export")):
        r = run(*args)
        assert r.exit_code == 4, (args, r.output)
        assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1
    assert digest(state) == before
    assert companions(state) == [state.name]


def test_another_programs_database_is_refused_and_left_byte_for_byte(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(state)) as conn, conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('李四')")
    before = digest(state)
    for args in (("done", "7"), ("log",), ("tasks", "--status", "done")):
        r = run(*args)
        assert r.exit_code == 4 and "别的程序" in r.stderr, (args, r.output)
    assert digest(state) == before
    assert companions(state) == [state.name]


def test_newer_schema_is_refused(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    sql(state, "PRAGMA user_version = 99")
    before = digest(state)
    for args in (("done", "8"), ("tasks", "--status", "done")):
        r = run(*args)
        assert r.exit_code == 4 and "99" in r.stderr and "升级" in r.stderr, r.stderr
    assert digest(state) == before
    assert marks_in(state) == {(7, "区教体局")}


def test_state_in_a_place_that_cannot_exist(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    r = run("done", "7", "--state", str(blocker / "state.sqlite3"))
    assert r.exit_code == 4 and r.stderr.startswith("错误：")
    r = run("done", "7", "--state", str(tmp_path))
    assert r.exit_code == 4 and "目录" in r.stderr


def test_read_only_file_system(run, state: Path, read_only_mount: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    copy = read_only_mount / "state.sqlite3"
    copy.write_bytes(state.read_bytes())
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    r = run("done", "8", "--state", str(copy))
    assert r.exit_code == 4 and "不可写入" in r.stderr
    r = run("done", "8", "--state", str(read_only_mount / "new.sqlite3"))
    assert r.exit_code == 4 and "不可写入" in r.stderr
    with pytest.raises(StateError) as caught:
        open_store(copy, write=True)
    assert_gongkai_s_own(caught.value, copy)
    # Read as immutable: SQLite cannot create its shared-memory file there, and nobody writes there.
    done = run.json("tasks", "--status", "done", "--state", str(copy))
    assert [t["id"] for t in done] == [7]
    assert [e["task_id"] for e in run.json("log", "--state", str(copy))] == [7]


# -- SQLite's errors in gongkai's words ---------------------------------------------------------


def garbled(path: Path) -> None:
    """A gongkai file whose pages after the first (the header and the schema) are overwritten."""
    with open_store(path, write=True) as store:
        store.add_marks(some_marks(300))
    assert companions(path) == [path.name]  # the last close folded the WAL back into the file
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xab" * (len(data) - page)
    path.write_bytes(bytes(data))


def tables_dropped(path: Path) -> None:
    """gongkai's application_id and schema version, but someone dropped the tables."""
    with open_store(path, write=True):
        pass
    sql(path, "DROP TABLE marks")


def not_a_database(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)


def another_programs(path: Path) -> None:
    sql(path, "CREATE TABLE contacts (name TEXT)")


def newer(path: Path) -> None:
    with open_store(path, write=True):
        pass
    sql(path, "PRAGMA user_version = 99")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (not_a_database, "已损坏"),
        (garbled, "已损坏"),
        (tables_dropped, "格式不符"),
        (another_programs, "别的程序"),
        (newer, "升级"),
    ],
)
@pytest.mark.parametrize("write", [False, True])
def test_errors_are_told_in_gongkai_s_words(state: Path, make, words: str, write: bool) -> None:  # type: ignore[no-untyped-def]
    make(state)
    # Opening may fail already, or the first use.
    with pytest.raises(StateError) as caught, open_store(state, write=write) as store:
        if write:
            store.add_marks(some_marks(1))
        else:
            store.marked_pairs(IDENTITY)
            store.events(IDENTITY)
    assert words in str(caught.value), caught.value
    assert_gongkai_s_own(caught.value, state)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("task_id", "'七'"),
        ("task_id", "2.5"),
        ("unit", "x'e58cba'"),
        ("done_on", "'11月底前'"),
        ("done_on", "x'00'"),
        ("done_on", "'2023-11-2'"),
        ("done_on", "'2023,11-02'"),
        ("claimed_under", "x'00'"),
    ],
)
def test_a_mark_gongkai_did_not_write_is_refused_not_misread(state: Path, column: str, value: str) -> None:
    with open_store(state, write=True) as store:
        store.add_marks(some_marks(3))
    sql(state, f"UPDATE marks SET {column} = {value} WHERE task_id = 2")
    for read in ("plan_marks", "plan_completions"):
        with pytest.raises(StateError) as caught, open_store(state, write=False) as store:
            getattr(store, read)(IDENTITY)
        assert f"不是 gongkai 写入的记录（marks.{column} 列的值无效）" in str(caught.value)
        assert caught.value.__context__ is None


def test_a_locked_file_is_told_in_gongkai_s_words(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_BUSY_TIMEOUT", "0.2")
    holder = subprocess.Popen(
        marker_command(str(state), [(8, "区教体局")], hold=30), stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with open_store(state, write=True) as store, pytest.raises(BusyError) as caught:
            store.add_marks(some_marks(1))
    finally:
        holder.kill()
        holder.wait()
    assert "0.2" in str(caught.value)
    assert_gongkai_s_own(caught.value, state)
