"""The everyday marking workflow, through the installed ``gongkai`` command as a liaison and a
coordinator use it: amending evidence and dates, adding evidence, several units at once, claiming an
open-ended row, merging another machine's marks, and what the history shows (issue 11)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from .helpers.common import IDENTITY, installed_gongkai


def gk(*args: str, state: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command, with the test's state (or ``state``) and no colour."""
    extra = {"COLUMNS": "200", "NO_COLOR": "1", **env}
    if state is not None:
        extra["GONGKAI_STATE"] = str(state)
    return subprocess.run(
        [installed_gongkai(), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **extra}
    )


def ok(*args: str, state: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    r = gk(*args, state=state, **env)
    assert r.returncode == 0, r.stderr
    return r


def as_json(*args: str, state: Path | None = None) -> Any:
    return json.loads(ok(*args, "-f", "json", state=state).stdout)


def history(task: str | None = None, state: Path | None = None) -> list[dict[str, Any]]:
    return as_json("log", *([task] if task else []), state=state)


def current(task: int, unit: str, state: Path | None = None) -> dict[str, Any]:
    """The row's current mark of ``unit`` as ``show -f json`` gives it."""
    marks = {m["unit"]: m for m in as_json("show", str(task), state=state)["marks"]}
    return marks[unit]


@pytest.fixture
def state() -> Path:
    return Path(os.environ["GONGKAI_STATE"])


# -- 1. a second done records new evidence or a corrected date as an amendment -------------------


def test_a_second_done_with_new_evidence_amends_the_mark() -> None:
    ok("done", "7", "--date", "2023-11-20")
    r = ok("done", "7", "--unit", "区教体局", "--note", "https://www.rencheng.gov.cn/art/123")
    assert "已修改任务 7 · 区教体局" in r.stderr and "佐证材料" in r.stderr, r.stderr
    assert "https://www.rencheng.gov.cn/art/123" in r.stderr
    mark = current(7, "区教体局")
    assert (mark["done_on"], mark["note"]) == ("2023-11-20", "https://www.rencheng.gov.cn/art/123")
    tasks = as_json("tasks", "--unit", "区教体局", "--status", "done")
    assert [(t["id"], t["marks"][0]["note"]) for t in tasks] == [(7, "https://www.rencheng.gov.cn/art/123")]

    r = ok("done", "7", "--date", "2023-11-25")
    assert "完成日期 2023-11-20 → 2023-11-25" in r.stderr, r.stderr
    assert current(7, "区教体局")["done_on"] == "2023-11-25"
    assert current(7, "区教体局")["note"] == "https://www.rencheng.gov.cn/art/123"  # not given: kept

    events = history("7")
    assert [(e["action"], e["old_done_on"], e["done_on"], e["old_note"], e["note"]) for e in events] == [
        ("done", None, "2023-11-20", None, None),
        ("amend", "2023-11-20", "2023-11-20", None, "https://www.rencheng.gov.cn/art/123"),
        ("amend", "2023-11-20", "2023-11-25", "https://www.rencheng.gov.cn/art/123",
         "https://www.rencheng.gov.cn/art/123"),
    ]  # fmt: skip
    table = ok("log", "7").stdout
    assert "2023-11-20 → 2023-11-25" in table and "（无） → https://www.rencheng.gov.cn/art/123" in table

    exported = json.loads(ok("marks", "export").stdout)["marks"]
    assert [(m["done_on"], m["note"]) for m in exported] == [
        ("2023-11-25", "https://www.rencheng.gov.cn/art/123")
    ]


def test_the_same_done_repeated_changes_nothing() -> None:
    ok("done", "7", "--date", "2023-11-20", "--note", "文号：任教字〔2023〕5号")
    for again in (
        ["done", "7"],
        ["done", "7", "--date", "2023-11-20"],
        ["done", "7", "--note", "文号：任教字〔2023〕5号"],
    ):
        r = ok(*again)
        assert "未改动" in r.stderr and "已修改" not in r.stderr, r.stderr
    assert len(history()) == 1


def test_note_adds_evidence_and_keeps_what_was_there() -> None:
    ok("done", "7", "--note", "https://www.rencheng.gov.cn/art/123")
    r = ok("note", "7", "--unit", "教体局", "任教字〔2023〕5号")
    assert "已修改任务 7 · 区教体局" in r.stderr, r.stderr
    assert current(7, "区教体局")["note"] == "https://www.rencheng.gov.cn/art/123；任教字〔2023〕5号"
    ok("note", "7", "任教字〔2023〕5号")  # already there: nothing new
    events = history("7")
    assert [(e["action"], e["old_note"], e["by"] != "") for e in events] == [
        ("done", None, True),
        ("amend", "https://www.rencheng.gov.cn/art/123", True),
    ]


def test_note_on_a_pair_not_marked_writes_nothing(state: Path) -> None:
    ok("done", "14", "--unit", "长沟镇")
    r = gk("note", "14", "--unit", "长沟镇,喻屯镇", "会议纪要")
    assert r.returncode == 2 and "喻屯镇" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert current(14, "长沟镇")["note"] is None  # all or nothing: 长沟镇 got no evidence either
    assert len(history()) == 1
    assert gk("note", "7", "--unit", "区教体局", "  ").returncode == 2


# -- 2. --unit repeated or comma-separated: every unit, in one transaction ---------------------


def test_done_and_undo_take_several_units() -> None:
    r = ok("done", "14", "--unit", "长沟镇", "--unit", "喻屯镇")
    assert "长沟镇、喻屯镇" in r.stderr
    ok("done", "15", "--unit", "长沟镇,喻屯镇", "-u", "区大数据中心")
    done = {(m["task_id"], m["unit"]) for m in json.loads(ok("marks", "export").stdout)["marks"]}
    assert done == {(14, "长沟镇"), (14, "喻屯镇"), (15, "长沟镇"), (15, "喻屯镇"), (15, "区大数据中心")}
    ok("undo", "14", "15", "--unit", "长沟镇，喻屯镇")
    done = {(m["task_id"], m["unit"]) for m in json.loads(ok("marks", "export").stdout)["marks"]}
    assert done == {(15, "区大数据中心")}


def test_several_units_are_all_or_nothing(state: Path) -> None:
    r = gk("done", "14", "--unit", "长沟镇,区卫健局")
    assert r.returncode == 2 and "区卫健局" in r.stderr, r.stderr
    assert not state.exists()
    ok("done", "13", "--unit", "长沟镇")
    r = gk("done", "13", "14", "--unit", "喻屯镇", "--unit", "国网任城供电公司")
    assert r.returncode == 2
    assert [(e["task_id"], e["unit"]) for e in history()] == [(13, "长沟镇")]


# -- 7. a real unit claims an open-ended row -----------------------------------------------------


def test_a_unit_claims_an_open_ended_row(tmp_path: Path) -> None:
    # Row 18: 区商务局、区发改局等区政府有关部门单位、运河经济开发区、各镇(街道)
    r = ok("done", "18", "--unit", "区教体局", "--note", "招商引资推介会通稿", "--date", "2023-12-10")
    assert "以“区政府有关部门单位”认领" in r.stderr, r.stderr
    shown = as_json("show", "18")
    assert shown["placeholders"] == ["区政府有关部门单位"]
    assert [(c["unit"], c["claimed_under"], c["done_on"], c["note"]) for c in shown["claims"]] == [
        ("区教体局", "区政府有关部门单位", "2023-12-10", "招商引资推介会通稿")
    ]
    assert "区教体局 以“区政府有关部门单位”认领，2023-12-10 完成" in ok("show", "18").stdout
    assert [(e["action"], e["unit"], e["claimed_under"]) for e in history("18")] == [
        ("done", "区教体局", "区政府有关部门单位")
    ]
    assert "认领：区政府有关部门单位" in ok("log", "18").stdout

    # The claim travels with an export to another machine.
    dump = tmp_path / "marks.json"
    ok("marks", "export", "-o", str(dump))
    other = tmp_path / "other.sqlite3"
    ok("marks", "import", str(dump), state=other)
    claims = as_json("show", "18", state=other)["claims"]
    assert [(c["unit"], c["claimed_under"]) for c in claims] == [("区教体局", "区政府有关部门单位")]

    ok("undo", "18", "--unit", "区教体局")
    assert as_json("show", "18")["claims"] == []


def test_only_a_unit_the_phrase_may_cover_can_claim() -> None:
    for unit in ("国网任城供电公司", "各镇(街道)"):  # outside the district government; a group
        r = gk("done", "18", "--unit", unit)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert history() == []


# -- 6. merging another machine's marks: conflicts decided, each decision on record --------------


def _conflicting_export(tmp_path: Path, their_note: str, changed_at: str | None) -> Path:
    """Ours: row 7 marked with evidence A. Theirs: the same pair with ``their_note``."""
    ok("done", "7", "--date", "2023-11-20", "--note", "A")
    doc = json.loads(ok("marks", "export").stdout)
    doc["marks"][0].update(
        note=their_note, by="李四", changed_at=changed_at, changed_by="李四" if changed_at else None
    )
    path = tmp_path / "theirs.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path


def test_import_without_prefer_keeps_ours_lists_the_conflict_and_records_nothing(tmp_path: Path) -> None:
    path = _conflicting_export(tmp_path, "B", None)
    r = gk("marks", "import", str(path))
    assert r.returncode == 1 and "冲突：任务 7 · 区教体局" in r.stderr, r.stderr
    assert current(7, "区教体局")["note"] == "A" and len(history()) == 1


def test_import_prefer_theirs_takes_their_evidence(tmp_path: Path) -> None:
    path = _conflicting_export(tmp_path, "B：https://www.rencheng.gov.cn/art/9", None)
    r = ok("marks", "import", str(path), "--prefer", "theirs")
    assert "采用导入文件：任务 7 · 区教体局" in r.stderr, r.stderr
    assert current(7, "区教体局")["note"] == "B：https://www.rencheng.gov.cn/art/9"
    last = history()[-1]
    assert (last["action"], last["source"], last["choice"], last["old_note"], last["note"], last["by"]) == (
        "amend", "import", "theirs", "A", "B：https://www.rencheng.gov.cn/art/9", "李四",
    )  # fmt: skip
    r = ok("marks", "import", str(path))  # now the same: nothing more to decide
    assert "1 条已存在且相同" in r.stderr and len(history()) == 2


def test_import_prefer_mine_keeps_ours_and_records_theirs_once(tmp_path: Path) -> None:
    path = _conflicting_export(tmp_path, "B", None)
    for _ in range(2):
        r = ok("marks", "import", str(path), "--prefer", "mine")
        assert "保留本地：任务 7 · 区教体局" in r.stderr, r.stderr
    assert current(7, "区教体局")["note"] == "A"
    assert [(e["action"], e["note"], e["by"], e["choice"]) for e in history()][1:] == [
        ("keep", "B", "李四", "mine")
    ]


@pytest.mark.parametrize(
    ("their_change", "expected_note", "action"),
    [("2999-01-01T00:00:00+00:00", "B", "amend"), ("2001-01-01T00:00:00+00:00", "A", "keep")],
)
def test_import_prefer_newer_takes_the_later_version(
    tmp_path: Path, their_change: str, expected_note: str, action: str
) -> None:
    path = _conflicting_export(tmp_path, "B", their_change)
    ok("marks", "import", str(path), "--prefer", "newer")
    assert current(7, "区教体局")["note"] == expected_note
    assert (history()[-1]["action"], history()[-1]["choice"]) == (action, "newer")


def test_an_export_written_before_amendments_existed_still_imports() -> None:
    old = {
        "format": "gongkai-marks", "version": 1, "exported_at": "2023-12-01T00:00:00+00:00",
        "marks": [{"plan": IDENTITY, "task_id": 7, "unit": "区教体局", "done_on": "2023-11-20",
                   "note": "文号", "by": "张三", "marked_at": "2023-11-20T02:00:00+00:00"}],
    }  # fmt: skip
    path = Path(os.environ["GONGKAI_STATE"]).parent / "old.json"
    path.write_text(json.dumps(old, ensure_ascii=False), "utf-8")
    assert "导入 1 条" in ok("marks", "import", str(path)).stderr
    assert current(7, "区教体局")["note"] == "文号"


def _xlsx_ledger(tmp_path: Path) -> Path:
    out = tmp_path / "台账.xlsx"
    ok("export", "xlsx", "-o", str(out))
    return out


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "没有这个文件.json", "找不到要导入的文件"),
        (lambda d: d, "是一个目录"),
        (_xlsx_ledger, "Excel"),
        (lambda d: _write(d / "gbk.json", '{"说明": "记事本另存为 ANSI"}'.encode("gbk")), "不是 UTF-8"),
        (lambda d: _write(d / "notes.json", "第7项已完成".encode()), "不是有效的 JSON"),
        (lambda d: _write(d / "other.json", b'{"tasks": []}'), "不是 gongkai 导出的完成记录"),
    ],
)
def test_an_import_file_that_cannot_be_read_exits_7(tmp_path: Path, make: Any, words: str) -> None:
    source_dir = tmp_path / "in"
    source_dir.mkdir()
    path = make(source_dir)
    r = gk("marks", "import", str(path))
    assert r.returncode == 7 and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert "codec" not in r.stderr and "Traceback" not in r.stderr
    assert not Path(os.environ["GONGKAI_STATE"]).exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- 5 (smaller). undo rows have no completion date; an early date is warned about ---------------


def test_log_shows_no_completion_date_on_an_undo_row() -> None:
    ok("done", "7", "--date", "2023-11-20")
    ok("undo", "7")
    lines = [line for line in ok("log").stdout.splitlines() if "撤销" in line]
    assert len(lines) == 1 and "2023-11-20" not in lines[0], lines
    undo = history()[-1]
    assert (undo["action"], undo["old_done_on"]) == ("undo", "2023-11-20")  # what was undone, on record


def test_a_date_long_before_the_plan_is_recorded_with_a_warning() -> None:
    r = ok("done", "7", "--date", "2022-05-01")  # the plan was issued on 2023-07-26
    warnings = [line for line in r.stderr.splitlines() if line.startswith("注意：")]
    assert len(warnings) == 1 and "2022-05-01" in warnings[0], r.stderr
    assert current(7, "区教体局")["done_on"] == "2022-05-01"
    r = ok("done", "8", "--date", "2022-08-01")  # within a year of the issue date: fine
    assert "注意" not in r.stderr


# -- the state file of an earlier version ----------------------------------------------------------

# The schema gongkai 2.0.0.dev0 wrote (user_version 1), as shipped.
SCHEMA_V1 = """
PRAGMA application_id = 1735090537;
CREATE TABLE marks (plan TEXT NOT NULL, task_id INTEGER NOT NULL, unit TEXT NOT NULL,
    done_on TEXT NOT NULL, note TEXT, by TEXT NOT NULL, marked_at TEXT NOT NULL,
    PRIMARY KEY (plan, task_id, unit)) WITHOUT ROWID;
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('done', 'undo')), plan TEXT NOT NULL, task_id INTEGER NOT NULL,
    unit TEXT NOT NULL, done_on TEXT, note TEXT, by TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'cli');
CREATE INDEX events_by_task ON events (plan, task_id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
PRAGMA user_version = 1;
"""


def _version_1_file(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA_V1)
        p = IDENTITY
        conn.executescript(f"""
            INSERT INTO marks VALUES
              ('{p}', 7, '区教体局', '2023-11-20', '文号', '张三', '2023-11-20T02:00:00+00:00');
            INSERT INTO events (at, action, plan, task_id, unit, done_on, note, by) VALUES
              ('2023-11-20T02:00:00+00:00', 'done', '{p}', 8, '区教体局', '2023-11-19', NULL, '张三'),
              ('2023-11-20T02:01:00+00:00', 'undo', '{p}', 8, '区教体局', '2023-11-19', NULL, '张三'),
              ('2023-11-20T02:02:00+00:00', 'done', '{p}', 7, '区教体局', '2023-11-20', '文号', '张三');
        """)  # fmt: skip


def test_a_version_1_state_file_is_read_as_it_is_and_upgraded_on_the_first_write(state: Path) -> None:
    _version_1_file(state)
    before = hashlib.sha256(state.read_bytes()).hexdigest()
    assert [(e["seq"], e["action"], e["old_done_on"]) for e in history()] == [
        (1, "done", None), (2, "undo", None), (3, "done", None),
    ]  # fmt: skip
    assert current(7, "区教体局")["note"] == "文号"
    assert hashlib.sha256(state.read_bytes()).hexdigest() == before  # reading changed nothing

    r = ok("done", "7", "--note", "https://www.rencheng.gov.cn/art/123")
    assert "已修改" in r.stderr
    events = history()
    assert [(e["seq"], e["action"], e["old_done_on"], e["note"]) for e in events] == [
        (1, "done", None, None),
        (2, "undo", "2023-11-19", None),  # the removed date moved to where version 2 keeps it
        (3, "done", None, "文号"),
        (4, "amend", "2023-11-20", "https://www.rencheng.gov.cn/art/123"),
    ]
    with closing(sqlite3.connect(state, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for statement in ("UPDATE events SET note = 'x'", "DELETE FROM events"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "events_v1" not in tables


def test_an_upgrade_that_fails_leaves_the_version_1_file_as_it_was(state: Path) -> None:
    _version_1_file(state)
    with closing(sqlite3.connect(state, isolation_level=None)) as conn:
        conn.execute("ALTER TABLE marks ADD COLUMN changed_at TEXT")  # a column version 2 adds
    r = gk("done", "8")
    assert r.returncode == 4 and r.stderr.count("\n") == 1, r.stderr
    with closing(sqlite3.connect(state, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
        assert conn.execute("SELECT task_id FROM marks").fetchall() == [(7,)]
    assert [e["seq"] for e in history()] == [1, 2, 3]  # still readable


def test_two_writers_upgrading_one_version_1_file_at_once(state: Path) -> None:
    _version_1_file(state)
    procs = [
        subprocess.Popen(
            [installed_gongkai(), "done", "14", "--unit", unit],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for unit in ("长沟镇", "喻屯镇", "李营街道", "南张街道")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0], [p.stderr.read() for p in procs if p.stderr]
    events = history()
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert {e["unit"] for e in events[3:]} == {"长沟镇", "喻屯镇", "李营街道", "南张街道"}
