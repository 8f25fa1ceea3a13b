"""Completion marks through the Store interface, against every backend, with real processes.

The ``backend`` fixture is parametrised by backend name; each test gets its own empty target, set as
GONGKAI_STATE for the commands it runs, and ``make_store`` opens stores on that one target. What only
one backend guarantees on disk is tested in that backend's module (tests/test_store_sqlite.py).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai_cli.errors import BusyError, SourceError, StateError
from gongkai_cli.model import Mark
from gongkai_cli.queries import responsible_units
from gongkai_cli.store import (
    MarkChange,
    Store,
    default_state_path,
    export_document,
    open_store,
    parse_export,
    state_path,
    state_target,
    utc_now,
)

from .helpers.common import IDENTITY, ROOT, SqliteBackend, gongkai, marker_command, state_backend

OTHER_PLAN = "某某政办字〔2024〕1号#2024"
DESCRIBE_KEYS = {"kind", "location", "exists", "schema_version", "plans", "marks", "events", "last_change"}

MakeStore = Callable[..., Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SqliteBackend:
    """An empty store target of one backend, which commands find through GONGKAI_STATE."""
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    chosen = state_backend(request.param, tmp_path, server)
    monkeypatch.setenv("GONGKAI_STATE", chosen.target)
    if server is not None:
        request.addfinalizer(server.drop_created)
    return chosen


@pytest.fixture
def make_store(backend: SqliteBackend) -> Iterator[MakeStore]:
    """Opens stores on the test's one target (``make_store(write=False)`` to read); all are closed
    at the end."""
    opened: list[Store] = []

    def make(write: bool = True) -> Store:
        store = open_store(backend.target, write=write)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def marks_in(backend: SqliteBackend, plan: str = IDENTITY) -> set[tuple[int, str]]:
    with open_store(backend.target, write=False) as store:
        return set(store.marked_pairs(plan))


def actions_in(backend: SqliteBackend) -> list[tuple[str, int, str]]:
    with open_store(backend.target, write=False) as store:
        return [(e.action, e.task_id, e.unit) for e in store.events(IDENTITY)]


def a_mark(
    task_id: int, unit: str, *, plan: str = IDENTITY, note: str | None = None, by: str = "张三"
) -> Mark:
    return Mark(plan, task_id, unit, dt.date(2023, 11, 20), note, by, utc_now())


def all_pairs(plan, directory) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(t.id, u) for t in plan.tasks for u in responsible_units(directory, t)]


# -- where the state lives ------------------------------------------------------------------


def test_state_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state_path(str(tmp_path / "a.db")) == tmp_path / "a.db"
    monkeypatch.setenv("GONGKAI_STATE", str(tmp_path / "b.db"))
    assert state_path(None) == tmp_path / "b.db"
    monkeypatch.delenv("GONGKAI_STATE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_state_path() == tmp_path / "xdg" / "gongkai" / "state.sqlite3"


def test_state_path_command(run) -> None:  # type: ignore[no-untyped-def]
    state = Path(os.environ["GONGKAI_STATE"])
    r = run("state", "path")
    assert r.exit_code == 0 and r.stdout == f"{state}\n"
    assert not state.exists()


@pytest.mark.parametrize("write", [False, True])
def test_a_database_address_is_not_taken_for_a_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    for address in ("postgresql:///gongkai?host=/nonexistent", "postgres://gk:secret@/gk?host=/nonexistent",
                    "service=gongkai_nonexistent"):  # fmt: skip
        monkeypatch.setenv("GONGKAI_STATE", address)
        assert state_target(None) == address  # as typed: a Path would fold its "//"
        with pytest.raises(StateError) as caught:
            open_store(address, write=write)
        assert "secret" not in str(caught.value) and "数据库" in str(caught.value)
    with pytest.raises(StateError, match="被当成了文件路径"):
        open_store(state_path("postgres://db/gongkai"), write=write)
    assert list(tmp_path.iterdir()) == []


def test_opening_a_store_imports_only_its_backend() -> None:
    code = (
        "import sys; from gongkai_cli.store import open_store, export_document, parse_export, utc_now\n"
        "before = 'sqlite3' in sys.modules\n"
        "open_store(sys.argv[1], write=False).close()\n"
        "print(before, 'sqlite3' in sys.modules, 'typer' in sys.modules, 'rich' in sys.modules)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "/nonexistent/state.sqlite3"], capture_output=True, text=True
    )
    assert r.stdout.split() == ["False", "True", "False", "False"], r.stderr


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file of gongkai_cli imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names.update([module] if node.module else (f"{module}.{a.name}" for a in node.names))
    return names


def test_store_package_stands_on_model_and_errors_only() -> None:
    """Nothing in store/ imports the CLI, plan, output, Typer or Rich; only store/sqlite.py imports
    sqlite3."""
    allowed = (
        "gongkai_cli.errors", "gongkai_cli.inputs", "gongkai_cli.model", "gongkai_cli.store",
        "gongkai_cli.dirs",
    )  # fmt: skip
    for path in sorted((ROOT / "gongkai_cli" / "store").glob("*.py")):
        ours = {m for m in imported_modules(path) if m.split(".")[0] == "gongkai_cli"}
        assert all(m.startswith(allowed) for m in ours), (path.name, ours)
        assert not {m.split(".")[0] for m in imported_modules(path)} & {"typer", "rich", "click"}, path.name
    importers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "gongkai_cli").rglob("*.py")
        if "sqlite3" in {m.split(".")[0] for m in imported_modules(path)}
    }
    assert importers == {"gongkai_cli/store/sqlite.py"}


# -- reading never creates anything -------------------------------------------------------------


def test_reading_never_creates_the_store(run, backend: SqliteBackend, make_store: MakeStore) -> None:  # type: ignore[no-untyped-def]
    assert run("tasks", "--status", "done", "-f", "json").stdout == "[]\n"
    assert run("log").exit_code == 0
    assert run("marks", "export").exit_code == 0
    assert run.json("show", "18")["claims"] == []
    store = make_store(write=False)
    assert store.plan_marks(IDENTITY) == {}
    assert store.plan_completions(IDENTITY) == ({}, [])
    assert store.marked_pairs(IDENTITY) == frozenset()
    assert store.events(IDENTITY) == [] and store.events(IDENTITY, 7, "区教体局") == []
    assert store.all_marks() == []
    info = store.describe()
    assert info == {
        "kind": backend.name,
        "location": store.location,
        "exists": False,
        "schema_version": None,
        "plans": 0,
        "marks": 0,
        "events": 0,
        "last_change": None,
    }
    with pytest.raises(StateError, match="只读"):
        store.add_marks([a_mark(7, "区教体局")])
    assert not backend.created()


# -- the interface -----------------------------------------------------------------------------


def test_add_marks_reports_what_was_there_already(make_store: MakeStore) -> None:
    store = make_store()
    first = a_mark(7, "区教体局", note="https://example.org/7")
    assert store.add_marks([first]) == ([first], [])
    later = first._replace(done_on=dt.date(2023, 11, 25), note="另一条", marked_at=utc_now())
    other = a_mark(8, "区教体局")
    assert store.add_marks([later, other]) == ([other], [first])
    assert store.plan_marks(IDENTITY) == {(7, "区教体局"): first, (8, "区教体局"): other}
    assert [(e.action, e.task_id, e.done_on, e.note, e.by, e.source) for e in store.events(IDENTITY)] == [
        ("done", 7, dt.date(2023, 11, 20), "https://example.org/7", "张三", "cli"),
        ("done", 8, dt.date(2023, 11, 20), None, "张三", "cli"),
    ]


def test_remove_marks_keeps_both_events(make_store: MakeStore) -> None:
    store = make_store()
    kept, gone = a_mark(7, "区教体局", note="证据"), a_mark(8, "区教体局")
    store.add_marks([kept, gone])
    removed, missing = store.remove_marks(IDENTITY, [(8, "区教体局"), (9, "区民政局")], "李四")
    assert (removed, missing) == ([gone], [(9, "区民政局")])
    assert store.marked_pairs(IDENTITY) == {(7, "区教体局")}
    undo = store.events(IDENTITY)[-1]
    assert (undo.action, undo.task_id, undo.unit, undo.done_on, undo.note, undo.by, undo.source) == (
        "undo", 8, "区教体局", gone.done_on, None, "李四", "cli",
    )  # fmt: skip
    assert store.remove_marks(IDENTITY, [(8, "区教体局")], "李四") == ([], [(8, "区教体局")])
    assert len(store.events(IDENTITY)) == 3


def test_plans_are_kept_apart_and_events_narrow_down(make_store: MakeStore) -> None:
    store = make_store()
    ours = [a_mark(12, "区教体局"), a_mark(12, "区卫健局"), a_mark(7, "区教体局")]
    theirs = a_mark(12, "区教体局", plan=OTHER_PLAN)
    store.add_marks([*ours, theirs])
    assert store.marked_pairs(IDENTITY) == {(12, "区教体局"), (12, "区卫健局"), (7, "区教体局")}
    assert store.marked_pairs(OTHER_PLAN) == {(12, "区教体局")}
    assert set(store.plan_marks(OTHER_PLAN).values()) == {theirs}
    assert [(e.task_id, e.unit) for e in store.events(IDENTITY, task_id=12)] == [
        (12, "区教体局"),
        (12, "区卫健局"),
    ]
    assert [(e.task_id, e.unit) for e in store.events(IDENTITY, unit="区教体局")] == [
        (12, "区教体局"),
        (7, "区教体局"),
    ]
    assert [e.plan for e in store.events(OTHER_PLAN, 12, "区教体局")] == [OTHER_PLAN]
    seqs = [e.seq for e in store.events(IDENTITY)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert store.all_marks() == sorted([*ours, theirs], key=lambda m: (m.plan, m.task_id, m.unit))


def test_plan_completions_are_the_days_and_claims_of_the_plan_s_marks_as_they_are_now(
    make_store: MakeStore,
) -> None:
    store = make_store()
    store.add_marks([a_mark(7, "区教体局", note="证据"), a_mark(7, "区教体局", plan=OTHER_PLAN)])
    store.apply_changes(
        [
            a_change(8, "区教体局", new_on=dt.date(2023, 11, 2)),
            a_change(18, "区民政局", claimed_under="区政府有关部门单位"),
            a_change(7, "区教体局", done_on=dt.date(2023, 12, 28)),  # an amended day is the one counted
        ]
    )
    store.remove_marks(IDENTITY, [(8, "区教体局")], "李四")  # an undone mark counts no more
    completions = store.plan_completions(IDENTITY)
    assert completions.done_on == {
        (7, "区教体局"): dt.date(2023, 12, 28),
        (18, "区民政局"): dt.date(2023, 11, 30),
    }
    assert completions.claims == [(18, "区政府有关部门单位", dt.date(2023, 11, 30))]
    assert store.plan_completions(OTHER_PLAN) == ({(7, "区教体局"): dt.date(2023, 11, 20)}, [])


def test_describe(backend: SqliteBackend, make_store: MakeStore) -> None:
    store = make_store()
    store.add_marks([a_mark(7, "区教体局"), a_mark(8, "区教体局"), a_mark(1, "区甲局", plan=OTHER_PLAN)])
    store.remove_marks(IDENTITY, [(8, "区教体局")], "李四")
    info = make_store(write=False).describe()
    assert set(info) == DESCRIBE_KEYS
    assert info["kind"] == backend.name and info["location"] == store.location and info["exists"] is True
    assert isinstance(info["schema_version"], int) and info["schema_version"] >= 1
    assert (info["plans"], info["marks"], info["events"]) == (2, 2, 4)
    assert info["last_change"] == store.events(IDENTITY)[-1].at
    if isinstance(backend, SqliteBackend):
        assert store.location == str(backend.path)


@pytest.mark.parametrize("failure", [ValueError("第二条出错"), KeyboardInterrupt()])
def test_every_write_is_all_or_nothing(make_store: MakeStore, failure: BaseException) -> None:
    store = make_store()
    store.add_marks([a_mark(7, "区教体局")])

    def then_fail(items: list[Mark]) -> Iterator[Mark]:
        yield from items  # written inside the transaction before the failure below
        raise failure

    fresh = [a_mark(8, "区教体局"), a_mark(9, "区民政局")]
    with pytest.raises(type(failure)):
        store.add_marks(then_fail(fresh))
    with pytest.raises(type(failure)):
        store.import_marks(then_fail(fresh))

    def pairs_then_fail() -> Iterator[tuple[int, str]]:
        yield (7, "区教体局")
        raise failure

    with pytest.raises(type(failure)):
        store.remove_marks(IDENTITY, pairs_then_fail(), "李四")
    assert store.marked_pairs(IDENTITY) == {(7, "区教体局")}
    assert [e.action for e in store.events(IDENTITY)] == ["done"]
    assert store.add_marks(fresh) == (fresh, [])  # and the store is usable afterwards


def test_import_merges_and_reports_conflicts_without_overwriting(make_store: MakeStore) -> None:
    store = make_store()
    ours = a_mark(7, "区教体局", note="A")
    store.add_marks([ours])
    same = ours._replace(marked_at="2020-01-01T00:00:00+00:00")  # when it was marked does not count
    clash = a_mark(7, "区教体局", note="B")
    new = a_mark(8, "区教体局", by="王五")
    assert store.import_marks([same, new]) == ([new], [ours], [])
    assert store.import_marks([clash]) == ([], [], [(ours, clash)])
    assert store.plan_marks(IDENTITY)[(7, "区教体局")] == ours
    assert [(e.task_id, e.by, e.source) for e in store.events(IDENTITY)] == [
        (7, "张三", "cli"),
        (8, "王五", "import"),
    ]


def a_change(task_id: int, unit: str, **fields: object) -> MarkChange:
    base: dict[str, object] = {
        "by": "李四",
        "at": "2023-12-01T00:00:00+00:00",
        "new_on": dt.date(2023, 11, 30),
    }
    return MarkChange(IDENTITY, task_id, unit, **{**base, **fields})  # type: ignore[arg-type]


def test_apply_changes_marks_amends_and_leaves_alone(make_store: MakeStore) -> None:
    store = make_store()
    ours = a_mark(7, "区教体局", note="A")
    store.add_marks([ours])
    outcomes = store.apply_changes(
        [
            a_change(7, "区教体局", note="B"),  # a new note replaces the old one
            a_change(8, "区教体局"),  # not marked: a new mark dated new_on
            a_change(18, "区教体局", note="认领", claimed_under="区政府有关部门单位"),
        ]
    )
    assert [o.action for o in outcomes] == ["amend", "done", "done"]
    amended = ours._replace(note="B", changed_at="2023-12-01T00:00:00+00:00", changed_by="李四")
    assert (outcomes[0].before, outcomes[0].after) == (ours, amended)
    marks = store.plan_marks(IDENTITY)
    assert (
        marks[(7, "区教体局")] == amended and marks[(7, "区教体局")].version_at == "2023-12-01T00:00:00+00:00"
    )
    assert marks[(8, "区教体局")].done_on == dt.date(2023, 11, 30)
    assert marks[(18, "区教体局")].claimed_under == "区政府有关部门单位"
    events = store.events(IDENTITY)
    assert [(e.action, e.task_id, e.old_note, e.note, e.by, e.claimed_under) for e in events] == [
        ("done", 7, None, "A", "张三", None),
        ("amend", 7, "A", "B", "李四", None),
        ("done", 8, None, None, "李四", None),
        ("done", 18, None, "认领", "李四", "区政府有关部门单位"),
    ]

    again = store.apply_changes([a_change(7, "区教体局", note="B"), a_change(7, "区教体局", new_on=None)])
    assert [o.action for o in again] == ["same", "same"]
    appended = store.apply_changes([a_change(7, "区教体局", note="C", append=True, new_on=None)])
    assert appended[0].after is not None and appended[0].after.note == "B；C"
    dated = store.apply_changes([a_change(7, "区教体局", done_on=dt.date(2023, 11, 21))])
    assert dated[0].after is not None and (dated[0].after.done_on, dated[0].after.note) == (
        dt.date(2023, 11, 21), "B；C",
    )  # fmt: skip
    assert len(store.events(IDENTITY)) == 6


def test_apply_changes_with_a_pair_missing_writes_nothing(make_store: MakeStore) -> None:
    store = make_store()
    store.add_marks([a_mark(7, "区教体局", note="A")])
    outcomes = store.apply_changes(
        [a_change(7, "区教体局", note="B", append=True, new_on=None), a_change(8, "区教体局", new_on=None)]
    )
    assert [o.action for o in outcomes] == ["amend", "missing"]
    assert store.plan_marks(IDENTITY)[(7, "区教体局")].note == "A"
    assert [e.action for e in store.events(IDENTITY)] == ["done"]


def test_merge_marks_decides_conflicts_and_records_each_decision(make_store: MakeStore) -> None:
    store = make_store()
    ours = a_mark(7, "区教体局", note="A")._replace(marked_at="2023-11-20T00:00:00+00:00")
    store.add_marks([ours])
    older = ours._replace(note="B", by="李四", marked_at="2023-11-01T00:00:00+00:00")
    undecided = store.merge_marks([older], None)
    assert (undecided.conflicts, undecided.kept, undecided.replaced) == ([(ours, older)], [], [])
    assert len(store.events(IDENTITY)) == 1  # nothing decided, nothing recorded

    for _ in range(2):  # recorded once, however often the same file is imported
        kept = store.merge_marks([older], "newer")  # ours is newer
        assert (kept.conflicts, kept.kept, kept.replaced) == ([], [(ours, older)], [])
    keep = store.events(IDENTITY)[-1]
    assert (keep.action, keep.note, keep.by, keep.old_note, keep.choice, keep.source) == (
        "keep", "B", "李四", "A", "newer", "import",
    )  # fmt: skip
    assert len(store.events(IDENTITY)) == 2

    taken = store.merge_marks([older], "theirs")
    assert taken.replaced == [(ours, older)]
    assert store.plan_marks(IDENTITY)[(7, "区教体局")] == older
    amend = store.events(IDENTITY)[-1]
    assert (amend.action, amend.note, amend.old_note, amend.choice) == ("amend", "B", "A", "theirs")
    assert store.merge_marks([older], "mine").same == [older]  # theirs now, so the same

    newer = older._replace(note="C", changed_at="2024-01-01T00:00:00+00:00", changed_by="王五")
    assert store.merge_marks([newer], "mine").kept == [(older, newer)]
    assert store.merge_marks([newer], "newer").replaced == [(older, newer)]
    assert store.plan_marks(IDENTITY)[(7, "区教体局")].note == "C"


def test_stores_on_one_target_see_each_others_commits(make_store: MakeStore) -> None:
    writer = make_store()
    writer.add_marks([a_mark(7, "区教体局")])
    reader, other_writer = make_store(write=False), make_store()
    other_writer.add_marks([a_mark(8, "区教体局")])
    assert reader.marked_pairs(IDENTITY) == {(7, "区教体局"), (8, "区教体局")}
    assert writer.add_marks([a_mark(8, "区教体局")])[0] == []


def test_a_store_is_a_context_manager_and_stays_closed(backend: SqliteBackend) -> None:
    with open_store(backend.target, write=True) as store:
        store.add_marks([a_mark(7, "区教体局")])
    store.close()  # closing twice is harmless
    with pytest.raises(StateError, match="已关闭"):
        store.marked_pairs(IDENTITY)  # a closed store must not read as an empty one
    with pytest.raises(StateError, match="已关闭"):
        store.add_marks([a_mark(8, "区教体局")])
    with open_store(backend.target, write=False) as again:
        assert again.marked_pairs(IDENTITY) == {(7, "区教体局")}


# -- done / undo / log through the CLI ---------------------------------------------------------


def test_mark_undo_and_history(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "7", "--note", "https://example.org/7", "--by", "张三", "--date", "2023-11-20")
    assert r.exit_code == 0, r.output
    assert marks_in(backend) == {(7, "区教体局")}
    r = run("undo", "7")
    assert r.exit_code == 0, r.output
    assert marks_in(backend) == set()
    assert actions_in(backend) == [("done", 7, "区教体局"), ("undo", 7, "区教体局")]
    log = run.json("log", "7")
    assert [(e["action"], e["by"], e["done_on"], e["note"]) for e in log] == [
        ("done", "张三", "2023-11-20", "https://example.org/7"),
        ("undo", os.environ.get("USER") or log[1]["by"], "2023-11-20", "https://example.org/7"),
    ]


def test_marking_again_is_not_an_error(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--date", "2023-11-20")
    for again in (("done", "7", "--date", "2023-11-20"), ("done", "7")):
        r = run(*again)
        assert r.exit_code == 0 and "已于 2023-11-20 标记完成" in r.stderr
    assert len(actions_in(backend)) == 1


def test_several_ids_are_one_transaction(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "7", "9", "--unit", "区教体局")  # 9 is 区民政局's alone
    assert r.exit_code == 2 and "任务 9" in r.stderr
    assert marks_in(backend) == set()
    r = run("done", "7,8", "12", "--unit", "教体局")
    assert r.exit_code == 0, r.output
    assert marks_in(backend) == {(7, "区教体局"), (8, "区教体局"), (12, "区教体局")}
    r = run("done", "6-8", "--unit", "区人社局")
    assert r.exit_code == 2 and marks_in(backend) == {(7, "区教体局"), (8, "区教体局"), (12, "区教体局")}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("done", "12"), "4 个责任单位（区教体局、区卫健局、区发改局、国网任城供电公司）"),
        (("done", "7", "--unit", "区卫健局"), "区卫健局 不是任务 7 的责任单位"),
        (("done", "30", "--unit", "区政府各部门单位"), "是统称"),
        (("done", "18", "--unit", "区统计局"), "未知单位"),
        (("done", "18", "--unit", "国网任城供电公司"), "国网任城供电公司 不是任务 18 的责任单位"),
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
def test_refusals(run, backend: SqliteBackend, args: tuple[str, ...], words: str) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
    assert not backend.created()


def test_liaison_sets_the_unit_once(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "12", env={"GONGKAI_UNIT": "教体局"})
    assert r.exit_code == 0, r.output
    assert marks_in(backend) == {(12, "区教体局")}
    r = run("done", "9", env={"GONGKAI_UNIT": "教体局"})
    assert r.exit_code == 2 and "GONGKAI_UNIT" in r.stderr
    r = run("done", "9", env={"GONGKAI_UNIT": "不存在的局"})
    assert r.exit_code == 2 and "GONGKAI_UNIT" in r.stderr


def test_coordinator_marks_every_unit_of_a_group_row(run, backend: SqliteBackend, plan, directory) -> None:  # type: ignore[no-untyped-def]
    r = run("done", "30", "--all-units")
    assert r.exit_code == 0, r.output
    expected = responsible_units(directory, plan.task(30))
    assert len(expected) == 28 + 1 + 15  # departments, the zone, the towns and sub-districts
    assert marks_in(backend) == {(30, u) for u in expected}
    record = run.json("tasks", "--section", "四")[1]
    assert record["id"] == 30 and record["status"] == "done" and record["pending_units"] == []


def test_group_without_known_members_counts_as_one_unit(run, backend: SqliteBackend, plan, directory) -> None:  # type: ignore[no-untyped-def]
    assert responsible_units(directory, plan.task(19)) == ("区农业农村局", "区自然资源局", "各涉农镇(街道)")
    assert run("done", "19", "--unit", "各涉农镇(街道)").exit_code == 0
    assert marks_in(backend) == {(19, "各涉农镇(街道)")}


def test_status_filters_and_progress(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
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


def test_overdue_status_uses_the_as_of_day(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--date", "2023-11-20")
    november = [r["id"] for r in run.json("tasks", "--status", "overdue", "--as-of", "2023-12-01")]
    assert november == [6, 8, 9, 10, 11, 12]  # the 11月底前 rows (6-12) less row 7, which is done
    run("done", "6", "--date", "2023-12-05")  # done after the day asked: still overdue that day
    november = [r["id"] for r in run.json("tasks", "--status", "overdue", "--as-of", "2023-12-01")]
    assert november == [6, 8, 9, 10, 11, 12]
    assert run.json("tasks", "--status", "overdue", "--as-of", "2023-11-30") == []


def test_notes_are_printed_literally(run, backend: SqliteBackend) -> None:  # type: ignore[no-untyped-def]
    note = "[red]加急[/red] <script>alert(1)</script> \x1b[31m"
    assert run("done", "7", "--note", note).exit_code == 0
    r = run("log", env={"COLUMNS": "300"})
    assert "[red]加急[/red]" in r.stdout and "<script>alert(1)</script>" in r.stdout
    assert "\x1b" not in r.stdout and "\\x1b" in r.stdout
    assert run.json("log")[0]["note"] == note


# -- locks, concurrency, crashes (real processes) -----------------------------------------------


def test_busy_writer_waits_then_fails_clearly_while_readers_go_on(
    run, backend: SqliteBackend, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "7").exit_code == 0
    # Another writer holds a transaction that writes row 8; the same pair, so every backend must wait.
    holder = subprocess.Popen(
        marker_command(backend.target, [(8, "区教体局")], hold=30),
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        r = gongkai("done", "8", env={"GONGKAI_BUSY_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
        assert r.returncode == 5, r.stderr
        assert r.stderr.startswith("错误：") and "0.5" in r.stderr and r.stderr.count("\n") == 1
        assert waited >= 0.5  # it did wait before giving up
        reader = gongkai("tasks", "--status", "done", "-f", "json")
        assert reader.returncode == 0, reader.stderr
        assert [t["id"] for t in json.loads(reader.stdout)] == [7]  # the holder's write is not visible
        monkeypatch.setenv("GONGKAI_BUSY_TIMEOUT", "0.2")
        with open_store(backend.target, write=True) as store, pytest.raises(BusyError) as caught:
            store.add_marks([a_mark(8, "区教体局")])
        assert "0.2" in str(caught.value)
    finally:
        holder.kill()  # SIGKILL: the held transaction must vanish with it
        holder.wait()
    assert marks_in(backend) == {(7, "区教体局")}
    assert run("done", "8").exit_code == 0


def test_a_held_write_commits_when_released(backend: SqliteBackend) -> None:
    holder = subprocess.run(
        marker_command(backend.target, [(8, "区教体局"), (9, "区民政局")], hold=0.1),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert holder.stdout.split() == ["holding", "committed"], holder.stderr
    assert marks_in(backend) == {(8, "区教体局"), (9, "区民政局")}


def test_sixteen_writers_with_pollers_lose_nothing(backend: SqliteBackend, plan, directory) -> None:  # type: ignore[no-untyped-def]
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
            marker_command(backend.target, chunk),
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
    assert marks_in(backend) == expected
    assert all(
        o[0].splitlines() == [f"{t}:{u}" for t, u in chunk] for o, chunk in zip(outputs, chunks, strict=True)
    )
    assert all("FAIL" not in text for text in polled), polled


def test_sixteen_cli_writers_at_once(backend: SqliteBackend) -> None:
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
    assert marks_in(backend) == {(task, unit) for task in (30, 31) for unit in units}


def test_sigkill_mid_write_loses_nothing_acknowledged(backend: SqliteBackend, plan, directory) -> None:  # type: ignore[no-untyped-def]
    pairs = all_pairs(plan, directory)
    rng = random.Random(11)
    acknowledged: set[tuple[int, str]] = set()
    cursor = 0
    for _round in range(8):
        batch = pairs[cursor : cursor + 60]
        cursor += 60
        proc = subprocess.Popen(
            marker_command(backend.target, batch), stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            if line.count(":") == 1 and line.endswith(line.split(":", 1)[1]):
                task_id, unit = line.split(":", 1)
                acknowledged.add((int(task_id), unit))
        assert backend.integrity_problems() == []
        with open_store(backend.target, write=False) as store:
            present = set(store.marked_pairs(IDENTITY))
            done_events = {(e.task_id, e.unit) for e in store.events(IDENTITY) if e.action == "done"}
        assert acknowledged <= present
        assert present == done_events  # every mark present has its event; nothing half-written shows
    assert acknowledged, "the writer never got to acknowledge anything; the test proved nothing"


# -- export / import ---------------------------------------------------------------------------


def test_export_import_round_trip_and_idempotence(run, backend: SqliteBackend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--note", "文号：任教字〔2023〕5号", "--date", "2023-11-02")
    run("done", "30", "--all-units", "--date", "2023-12-20")
    dump = tmp_path / "marks.json"
    assert run("marks", "export", "-o", str(dump)).exit_code == 0
    other = backend.fresh()
    r = run("marks", "import", str(dump), "--state", other.target)
    assert r.exit_code == 0 and "导入 45 条" in r.stderr
    assert marks_in(other) == marks_in(backend)
    r = run("marks", "import", str(dump), "--state", other.target)
    assert r.exit_code == 0 and "导入 0 条，45 条已存在且相同" in r.stderr
    first = json.loads(dump.read_text("utf-8"))["marks"]
    again = json.loads(run("marks", "export", "--state", other.target).stdout)["marks"]
    assert first == again


def test_import_reports_conflicts_without_overwriting(run, backend: SqliteBackend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
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
    ("content", "words", "code"),
    [  # 7: the file is not an export; 2: an export, but of another plan or units
        ("not json", "JSON", 7),
        ('{"marks": []}', "format", 7),
        ('{"format": "gongkai-marks", "version": 9, "marks": []}', "版本", 7),
        ('{"format": "gongkai-marks", "version": 1, "marks": [{"plan": 1}]}', "第 1 条", 7),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "' + IDENTITY + '", "task_id": 7,'
            ' "unit": "区教体局", "done_on": "20231120", "note": null, "by": "x",'
            ' "marked_at": "2023-01-01T00:00:00+00:00"}]}',
            "YYYY-MM-DD",
            7,
        ),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "别的计划#2020", "task_id": 1,'
            ' "unit": "区教体局", "done_on": "2023-01-01", "note": null, "by": "x",'
            ' "marked_at": "2023-01-01T00:00:00+00:00"}]}',
            "别的计划",
            2,
        ),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "' + IDENTITY + '", "task_id": 7,'
            ' "unit": "区卫健局", "done_on": "2023-01-01", "note": null, "by": "x",'
            ' "marked_at": "2023-01-01T00:00:00+00:00"}]}',
            "不是任务 7 的责任单位",
            2,
        ),
        (
            '{"format": "gongkai-marks", "version": 1, "marks": [{"plan": "' + IDENTITY + '", "task_id": 18,'
            ' "unit": "国网任城供电公司", "done_on": "2023-01-01", "note": null, "by": "x",'
            ' "marked_at": "2023-01-01T00:00:00+00:00",'
            ' "claimed_under": "区政府有关部门单位"}]}',
            "不能以“区政府有关部门单位”认领任务 18",
            2,
        ),
    ],
)
def test_bad_import_files(
    run, backend: SqliteBackend, tmp_path: Path, content: str, words: str, code: int
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.json"
    path.write_text(content, "utf-8")
    r = run("marks", "import", str(path))
    assert r.exit_code == code and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not backend.created()


def test_parse_export_refuses_a_date_that_is_not_yyyy_mm_dd() -> None:
    record = {
        "plan": IDENTITY,
        "task_id": 7,
        "unit": "区教体局",
        "note": None,
        "by": "x",
        "marked_at": "2023-01-01T00:00:00+00:00",
    }
    for text in ("20231120", "2023-W47-1", "2023-11-31", "２０２３-11-20"):
        doc = {"format": "gongkai-marks", "version": 1, "marks": [{**record, "done_on": text}]}
        with pytest.raises(SourceError, match="YYYY-MM-DD"):
            parse_export(json.dumps(doc), "in.json")


# Any text a person could type, except what JSON cannot carry (lone surrogates).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
A_NAME = ANY_TEXT.filter(str.strip)  # plan, unit and who must not be blank

# A time as utc_now writes it (an import refuses anything else, and times in the future).
A_TIME = st.datetimes(max_value=dt.datetime(2025, 12, 31), timezones=st.just(dt.timezone.utc)).map(
    lambda moment: moment.isoformat(timespec="microseconds")
)
MARKS = st.lists(
    st.builds(
        Mark,
        plan=A_NAME,
        task_id=st.integers(min_value=1, max_value=2**53),
        unit=A_NAME,
        done_on=st.dates(),
        note=st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=40)),
        by=A_NAME,
        marked_at=A_TIME,
        changed_at=st.one_of(st.none(), A_TIME),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(marks=MARKS)
def test_export_then_parse_gives_the_same_marks(marks: list[Mark]) -> None:
    text = json.dumps(export_document(marks), ensure_ascii=False, indent=2)
    assert parse_export(text, "x.json") == marks


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_through_two_stores(backend: SqliteBackend, plan, directory, data) -> None:  # type: ignore[no-untyped-def]
    pairs = data.draw(st.lists(st.sampled_from(all_pairs(plan, directory)), unique=True, max_size=30))
    text, name = ANY_TEXT, A_NAME
    if backend.name == "postgresql":  # PostgreSQL's text cannot hold NUL (a test of its own says so)
        text = st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=40
        )
        name = text.filter(str.strip)
    marks = [
        Mark(
            IDENTITY,
            t,
            u,
            data.draw(st.dates()),
            data.draw(st.one_of(st.none(), text)),
            data.draw(name),
            "2023-01-01T00:00:00+00:00",
        )
        for t, u in pairs
    ]
    with open_store(backend.fresh().target, write=True) as first:
        first.add_marks(marks)
        text = json.dumps(export_document(first.all_marks()), ensure_ascii=False)
    with open_store(backend.fresh().target, write=True) as second:
        added, same, conflicts = second.import_marks(parse_export(text, "x.json"))
        assert (len(added), same, conflicts) == (len(marks), [], [])
        assert second.all_marks() == sorted(marks, key=lambda m: (m.plan, m.task_id, m.unit))
        added, same, conflicts = second.import_marks(parse_export(text, "x.json"))
        assert (added, len(same), conflicts) == ([], len(marks), [])
