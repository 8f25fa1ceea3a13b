"""Completion marks against real SQLite files and real processes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from gongkai_cli.store.sqlite import APPLICATION_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai_cli.queries import responsible_units
from gongkai_cli.store import default_state_path, open_store, state_path

from .helpers.common import ROOT

IDENTITY = "济任政办字〔2023〕24号#2023"


def marks_in(path: Path) -> set[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        return {
            (r[0], r[1]) for r in conn.execute("SELECT task_id, unit FROM marks WHERE plan = ?", (IDENTITY,))
        }


def events_in(path: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT action, task_id, unit FROM events ORDER BY seq"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return Path(os.environ["GONGKAI_STATE"])


# -- where the state lives ------------------------------------------------------------------


def test_state_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state_path(str(tmp_path / "a.db")) == tmp_path / "a.db"
    monkeypatch.setenv("GONGKAI_STATE", str(tmp_path / "b.db"))
    assert state_path(None) == tmp_path / "b.db"
    monkeypatch.delenv("GONGKAI_STATE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_state_path() == tmp_path / "xdg" / "gongkai" / "state.sqlite3"


def test_state_path_command(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("state", "path")
    assert r.exit_code == 0 and r.stdout == f"{state}\n"
    assert not state.exists()


def test_reading_never_creates_the_state_file(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("tasks", "--status", "done", "-f", "json").stdout == "[]\n"
    assert run("log").exit_code == 0
    assert run("marks", "export").exit_code == 0
    assert not state.exists()


# -- done / undo / log ------------------------------------------------------------------------


def test_mark_undo_and_history(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "7", "--note", "https://example.org/7", "--by", "张三", "--date", "2023-11-20")
    assert r.exit_code == 0, r.output
    assert marks_in(state) == {(7, "区教体局")}
    r = run("undo", "7")
    assert r.exit_code == 0, r.output
    assert marks_in(state) == set()
    assert events_in(state) == [("done", 7, "区教体局"), ("undo", 7, "区教体局")]
    log = run.json("log", "7")
    assert [(e["action"], e["by"], e["done_on"], e["note"]) for e in log] == [
        ("done", "张三", "2023-11-20", "https://example.org/7"),
        ("undo", os.environ.get("USER") or log[1]["by"], "2023-11-20", "https://example.org/7"),
    ]


def test_history_is_append_only(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7")
    with sqlite3.connect(state) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM events")
    with sqlite3.connect(state) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET note = 'x'")


def test_marking_again_is_not_an_error(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--date", "2023-11-20")
    r = run("done", "7", "--date", "2023-11-25")
    assert r.exit_code == 0 and "已于 2023-11-20 标记完成" in r.stderr
    assert len(events_in(state)) == 1


def test_several_ids_are_one_transaction(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "7", "9", "--unit", "区教体局")  # 9 is 区民政局's alone
    assert r.exit_code == 2 and "任务 9" in r.stderr
    assert not state.exists() or marks_in(state) == set()
    r = run("done", "7,8", "12", "--unit", "教体局")
    assert r.exit_code == 0, r.output
    assert marks_in(state) == {(7, "区教体局"), (8, "区教体局"), (12, "区教体局")}
    r = run("done", "6-8", "--unit", "区人社局")
    assert r.exit_code == 2 and marks_in(state) == {(7, "区教体局"), (8, "区教体局"), (12, "区教体局")}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("done", "12"), "4 个责任单位（区教体局、区卫健局、区发改局、国网任城供电公司）"),
        (("done", "7", "--unit", "区卫健局"), "区卫健局 不是任务 7 的责任单位"),
        (("done", "30", "--unit", "区政府各部门单位"), "是统称"),
        (("done", "18", "--unit", "区统计局"), "未知单位"),
        (("done", "18", "--unit", "区教体局"), "可能相关"),
        (("done", "99"), "99"),
        (("done", "7", "--unit", "区教体局", "--all-units"), "只能选一个"),
        (("done", "7", "--date", "2099-01-01"), "晚于今天"),
        (("done", "7", "--date", "someday"), "someday"),
        (("done", "7", "--note", "  "), "--note"),
        (("done",), "缺少"),
        (("undo", "12"), "4 个责任单位"),
        (("log", "0"), "0"),
    ],
)
def test_refusals(run, state: Path, args: tuple[str, ...], words: str) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
    assert not state.exists() or marks_in(state) == set()


def test_liaison_sets_the_unit_once(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "12", env={"GONGKAI_UNIT": "教体局"})
    assert r.exit_code == 0, r.output
    assert marks_in(state) == {(12, "区教体局")}
    r = run("done", "9", env={"GONGKAI_UNIT": "教体局"})
    assert r.exit_code == 2 and "GONGKAI_UNIT" in r.stderr
    r = run("done", "9", env={"GONGKAI_UNIT": "不存在的局"})
    assert r.exit_code == 2 and "GONGKAI_UNIT" in r.stderr


def test_coordinator_marks_every_unit_of_a_group_row(run, state: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "30", "--all-units")
    assert r.exit_code == 0, r.output
    expected = responsible_units(directory, plan.task(30))
    assert len(expected) == 28 + 1 + 15  # departments, the zone, the towns and sub-districts
    assert marks_in(state) == {(30, u) for u in expected}
    record = run.json("tasks", "--section", "四")[1]
    assert record["id"] == 30 and record["status"] == "done" and record["pending_units"] == []


def test_group_without_known_members_counts_as_one_unit(run, state: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    assert responsible_units(directory, plan.task(19)) == ("区农业农村局", "区自然资源局", "各涉农镇(街道)")
    assert run("done", "19", "--unit", "各涉农镇(街道)").exit_code == 0
    assert marks_in(state) == {(19, "各涉农镇(街道)")}


def test_status_filters_and_progress(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "12", "--unit", "区教体局")
    run("done", "7")
    rows = {r["id"]: r for r in run.json("tasks", "--section", "二")}
    assert rows[7]["status"] == "done" and rows[12]["status"] == "partial" and rows[6]["status"] == "open"
    assert rows[12]["done_units"] == ["区教体局"]
    assert rows[12]["pending_units"] == ["区卫健局", "区发改局", "国网任城供电公司"]
    assert [r["id"] for r in run.json("tasks", "--status", "partial")] == [12]
    assert 7 in [r["id"] for r in run.json("tasks", "--status", "done")]
    assert 12 not in [r["id"] for r in run.json("tasks", "--status", "done")]
    # With --unit, the status is the unit's own part: 区教体局 has finished its part of row 12.
    mine = run.json("tasks", "--unit", "区教体局", "--status", "done")
    assert [r["id"] for r in mine] == [7, 12] and all(r["unit_done"] for r in mine)
    theirs = run.json("tasks", "--unit", "区卫健局", "--status", "open", "--section", "二")
    assert [r["id"] for r in theirs] == [11, 12]
    r = run("tasks", "--unit", "区教体局", "--status", "partial")
    assert r.exit_code == 2


def test_overdue_status_uses_the_as_of_day(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7")
    november = [r["id"] for r in run.json("tasks", "--status", "overdue", "--as-of", "2023-12-01")]
    assert november == [6, 8, 9, 10, 11, 12]  # the 11月底前 rows (6-12) less row 7, which is done
    assert run.json("tasks", "--status", "overdue", "--as-of", "2023-11-30") == []


def test_notes_are_printed_literally(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    note = "[red]加急[/red] <script>alert(1)</script> \x1b[31m"
    assert run("done", "7", "--note", note).exit_code == 0
    r = run("log", env={"COLUMNS": "300"})
    assert "[red]加急[/red]" in r.stdout and "<script>alert(1)</script>" in r.stdout
    assert "\x1b" not in r.stdout and "\\x1b" in r.stdout
    assert run.json("log")[0]["note"] == note


# -- bad state files ----------------------------------------------------------------------------


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
    assert sorted(p.name for p in state.parent.iterdir() if p.name.startswith(state.name)) == [state.name]


def test_another_programs_database_is_refused(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(state) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('李四')")
    before = digest(state)
    r = run("done", "7")
    assert r.exit_code == 4 and "别的程序" in r.stderr
    assert digest(state) == before


def test_newer_schema_is_refused(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    with sqlite3.connect(state) as conn:
        conn.execute("PRAGMA user_version = 99")
    r = run("done", "8")
    assert r.exit_code == 4 and "99" in r.stderr and "升级" in r.stderr
    assert marks_in(state) == {(7, "区教体局")}


def test_empty_file_is_initialised_on_first_write(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    state.write_bytes(b"")
    assert run.json("tasks", "--status", "done") == []
    assert run("done", "7").exit_code == 0
    with sqlite3.connect(state) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


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
    done = run.json("tasks", "--status", "done", "--state", str(copy))
    assert [t["id"] for t in done] == [7]
    assert [e["task_id"] for e in run.json("log", "--state", str(copy))] == [7]


# -- locks, concurrency, crashes (real processes) -----------------------------------------------

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def gongkai(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongkai_cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def test_busy_writer_waits_then_fails_clearly_while_readers_go_on(run, state: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(state), "8"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = gongkai("done", "8", env={"GONGKAI_BUSY_TIMEOUT": "0.5"})
        assert r.returncode == 5, r.stderr
        assert r.stderr.startswith("错误：") and "0.5" in r.stderr
        reader = gongkai("tasks", "--status", "done", "-f", "json")
        assert reader.returncode == 0, reader.stderr
        assert [t["id"] for t in json.loads(reader.stdout)] == [7]
    finally:
        holder.kill()
        holder.wait()
    assert marks_in(state) == {(7, "区教体局")}


def all_pairs(plan, directory) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(t.id, u) for t in plan.tasks for u in responsible_units(directory, t)]


def test_sixteen_writers_with_pollers_lose_nothing(state: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    pairs = all_pairs(plan, directory)
    random.Random(7).shuffle(pairs)
    chunks = [pairs[i::16][:12] for i in range(16)]
    env = {**os.environ, "GONGKAI_BUSY_TIMEOUT": "30"}
    pollers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import subprocess, sys, time\n"
                "end = time.time() + 60\n"
                "while time.time() < end:\n"
                "    r = subprocess.run([sys.executable, '-m', 'gongkai_cli', 'tasks', '--status', 'done',"
                " '-f', 'json'], capture_output=True, text=True)\n"
                "    if r.returncode != 0:\n"
                "        print('FAIL', r.returncode, r.stderr, flush=True); sys.exit(1)\n"
                "    print('ok', flush=True)\n",
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    for poller in pollers:  # both are polling before the first writer starts
        assert poller.stdout is not None and poller.stdout.readline().startswith("ok")
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.marker", str(state), *(f"{t}:{u}" for t, u in chunk)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for chunk in chunks
    ]
    outputs = [w.communicate(timeout=120) for w in writers]
    for poller in pollers:  # one more poll each, begun while or after the writers ran
        assert poller.stdout is not None and poller.stdout.readline().startswith("ok")
        poller.terminate()
    polled = [p.communicate(timeout=30)[0] for p in pollers]
    assert all(w.returncode == 0 for w in writers), [
        (w.returncode, o[1]) for w, o in zip(writers, outputs, strict=True)
    ]
    expected = {pair for chunk in chunks for pair in chunk}
    assert len(expected) == 16 * 12
    assert marks_in(state) == expected
    assert all(
        o[0].splitlines() == [f"{t}:{u}" for t, u in chunk] for o, chunk in zip(outputs, chunks, strict=True)
    )
    assert all("FAIL" not in text for text in polled), polled


def test_sixteen_cli_writers_at_once(state: Path) -> None:
    units = ["区发改局", "区教体局", "区科技局", "区工信局", "区民政局", "区司法局", "区财政局", "区人社局"]
    env = {**os.environ, "GONGKAI_BUSY_TIMEOUT": "30"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gongkai_cli", "done", str(task), "--unit", unit],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for task in (30, 31)
        for unit in units
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert marks_in(state) == {(task, unit) for task in (30, 31) for unit in units}


def test_sigkill_mid_write_loses_nothing_acknowledged(state: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    pairs = all_pairs(plan, directory)
    rng = random.Random(11)
    acknowledged: set[tuple[int, str]] = set()
    cursor = 0
    for _round in range(8):
        batch = pairs[cursor : cursor + 60]
        cursor += 60
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.marker", str(state), *(f"{t}:{u}" for t, u in batch)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            if line.count(":") == 1 and line.endswith(line.split(":", 1)[1]):
                task_id, unit = line.split(":", 1)
                acknowledged.add((int(task_id), unit))
        with sqlite3.connect(state) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = marks_in(state)
        assert acknowledged <= present
        # every mark present has its event, and nothing half-written is visible
        with sqlite3.connect(state) as conn:
            done_events = {
                (r[0], r[1]) for r in conn.execute("SELECT task_id, unit FROM events WHERE action='done'")
            }
        assert present == done_events
    assert acknowledged, "the writer never got to acknowledge anything; the test proved nothing"


# -- export / import ---------------------------------------------------------------------------


def test_export_import_round_trip_and_idempotence(run, state: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--note", "文号：任教字〔2023〕5号", "--date", "2023-11-02")
    run("done", "30", "--all-units", "--date", "2023-12-20")
    dump = tmp_path / "marks.json"
    assert run("marks", "export", "-o", str(dump)).exit_code == 0
    other = tmp_path / "other.sqlite3"
    r = run("marks", "import", str(dump), "--state", str(other))
    assert r.exit_code == 0 and "导入 45 条" in r.stderr
    assert marks_in(other) == marks_in(state)
    r = run("marks", "import", str(dump), "--state", str(other))
    assert r.exit_code == 0 and "导入 0 条，45 条已存在且相同" in r.stderr
    first = json.loads(dump.read_text("utf-8"))["marks"]
    again = json.loads(run("marks", "export", "--state", str(other)).stdout)["marks"]
    assert first == again


def test_import_reports_conflicts_without_overwriting(run, state: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--note", "A", "--date", "2023-11-02")
    dump = tmp_path / "marks.json"
    run("marks", "export", "-o", str(dump))
    doc = json.loads(dump.read_text("utf-8"))
    doc["marks"][0]["note"] = "B"
    dump.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    r = run("marks", "import", str(dump))
    assert r.exit_code == 1 and "冲突" in r.stderr
    assert run.json("log")[-1]["note"] == "A" and len(run.json("log")) == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "JSON"),
        ('{"marks": []}', "format"),
        ('{"format": "gongkai-marks", "version": 9, "marks": []}', "版本"),
        ('{"format": "gongkai-marks", "version": 1, "marks": [{"plan": 1}]}', "第 1 条"),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "别的计划#2020", "task_id": 1,'
            ' "unit": "区教体局", "done_on": "2023-01-01", "note": null, "by": "x", "marked_at": "x"}]}',
            "别的计划",
        ),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "' + IDENTITY + '", "task_id": 7,'
            ' "unit": "区卫健局", "done_on": "2023-01-01", "note": null, "by": "x", "marked_at": "x"}]}',
            "不是任务 7 的责任单位",
        ),
    ],
)
def test_bad_import_files(run, state: Path, tmp_path: Path, content: str, words: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.json"
    path.write_text(content, "utf-8")
    r = run("marks", "import", str(path))
    assert r.exit_code == 2 and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not state.exists() or marks_in(state) == set()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_property(tmp_path: Path, plan, directory, data) -> None:  # type: ignore[no-untyped-def]
    from gongkai_cli.model import Mark
    from gongkai_cli.store import export_document, parse_export

    pairs = data.draw(st.lists(st.sampled_from(all_pairs(plan, directory)), unique=True, max_size=30))
    notes = st.one_of(st.none(), st.text(min_size=1, max_size=40))
    marks = [
        Mark(
            IDENTITY,
            t,
            u,
            data.draw(st.dates()),
            data.draw(notes),
            data.draw(st.text(min_size=1, max_size=10).filter(str.strip)),
            "2023-01-01T00:00:00+00:00",
        )
        for t, u in pairs
    ]
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    first = open_store(case / "a.sqlite3", write=True)
    first.add_marks(marks)
    text = json.dumps(export_document(first.all_marks()), ensure_ascii=False)
    first.close()
    second = open_store(case / "b.sqlite3", write=True)
    added, same, conflicts = second.import_marks(parse_export(text, "x.json"))
    assert (len(added), same, conflicts) == (len(marks), [], [])
    assert second.all_marks() == sorted(marks, key=lambda m: (m.plan, m.task_id, m.unit))
    added, same, conflicts = second.import_marks(parse_export(text, "x.json"))
    assert (added, len(same), conflicts) == ([], len(marks), [])
    second.close()
