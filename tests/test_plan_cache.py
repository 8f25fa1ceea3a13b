"""The plan cache: JSON data in a private directory. A hit is proven in a second process that never
imports PyYAML; an edited file is never served stale; an entry or directory that someone else could
have written, or that is not exactly what gongkai writes, is ignored and the file parsed instead."""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path
from typing import Any

import pytest

from gongkai_cli.errors import PlanError
from gongkai_cli.plan import cache, load_plan, read_bytes

from .helpers.common import BUILT_IN_PLAN, MINIMAL, run_python, synth_plan, write

# Loads a plan in a fresh interpreter and says whether PyYAML was needed (it is imported only to
# parse a file), then what was loaded (the dump imports PyYAML itself, so it comes second).
PROBE = """
import json, sys
from gongkai_cli.plan import load_plan
plan = load_plan(sys.argv[1] if len(sys.argv) > 1 else None)
parsed = "yaml" in sys.modules
from gongkai_cli.plan import dump_plan
print(json.dumps({"parsed": parsed, "path": plan.path, "first": plan.tasks[0].requirement,
                  "dump": dump_plan(plan)}, ensure_ascii=False))
"""

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root can give a file to another user (os.chown to nobody)"
)


def probe(path: Path | None = None, cache_dir: Path | str | None = None) -> dict[str, Any]:
    env = dict(os.environ)  # GONGKAI_CACHE is the test's own directory (conftest.py)
    if cache_dir is not None:
        env["GONGKAI_CACHE"] = str(cache_dir)
    r = run_python(PROBE, *([str(path)] if path else []), env=env)
    assert r.returncode == 0, r.stderr
    result: dict[str, Any] = json.loads(r.stdout)
    return result


def cache_dir() -> Path:
    return Path(os.environ["GONGKAI_CACHE"])


def entries(directory: Path | None = None) -> list[Path]:
    return sorted((directory or cache_dir()).glob("*.json"))


def nobody() -> int:
    return pwd.getpwnam("nobody").pw_uid


# ---------------------------------------------------------------------------------------------
# Hits, misses and edits, in real processes


@pytest.mark.parametrize("kind", ["built-in", "synthetic"])
def test_a_second_process_is_served_from_the_cache(tmp_path: Path, kind: str) -> None:
    path = None if kind == "built-in" else synth_plan(tmp_path / "synth", tasks=1000, units=200)
    before = entries() if cache_dir().exists() else []  # synth.py itself loads the built-in plan
    first = probe(path)
    assert first["parsed"]
    [entry] = [e for e in entries() if e not in before]
    assert stat.S_IMODE(cache_dir().stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert isinstance(json.loads(entry.read_text(encoding="utf-8")), dict)  # data, not code
    second = probe(path)
    assert not second["parsed"], "the second process parsed the YAML: no cache hit"
    assert second["dump"] == first["dump"] and second["path"] == first["path"]
    assert entries() == sorted([*before, entry])


def test_an_edit_is_never_served_stale(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert probe(path)["first"] == "做好甲事。"
    before = path.stat()
    path.write_text(MINIMAL.replace("做好甲事。", "做好丙事。"), "utf-8")  # same size in bytes
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same time stamp
    assert path.stat().st_size == before.st_size
    edited = probe(path)
    assert edited["parsed"] and edited["first"] == "做好丙事。"
    assert probe(path)["first"] == "做好丙事。"
    path.write_text(MINIMAL.replace("units: [区甲局]", "units: [区丙局]"), "utf-8")
    r = run_python(PROBE, str(path))
    assert r.returncode != 0 and "区丙局" in r.stderr and "PlanError" in r.stderr


def test_the_same_bytes_elsewhere_report_their_own_path(tmp_path: Path) -> None:
    a, b = write(tmp_path, MINIMAL, "a.yaml"), write(tmp_path, MINIMAL, "b.yaml")
    assert probe(a)["parsed"]
    from_b = probe(b)
    assert not from_b["parsed"] and from_b["path"] == str(b)


def test_invalid_plans_are_not_cached(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("units: [区甲局]", "units: [区丙局]"))
    with pytest.raises(PlanError):
        load_plan(path)
    assert not cache_dir().exists() or entries() == []


def test_the_cache_can_be_off(tmp_path: Path) -> None:
    assert probe(cache_dir="off")["parsed"]
    assert probe(cache_dir="off")["parsed"]
    assert not cache_dir().exists()


def test_a_cache_directory_is_created_private(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "plans"
    probe(cache_dir=nested)
    assert stat.S_IMODE(nested.stat().st_mode) == 0o700
    assert not probe(cache_dir=nested)["parsed"]


def test_an_unwritable_cache_is_no_obstacle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GONGKAI_CACHE", str(blocker / "cache"))
    assert len(load_plan().tasks) == 59
    assert len(load_plan().tasks) == 59


# ---------------------------------------------------------------------------------------------
# Entries and directories gongkai must not trust


def tampered_entry() -> Path:
    """The genuine entry for the built-in plan, its first requirement rewritten: a cache hit is
    then visible in the plan itself."""
    probe()
    [entry] = entries()
    doc = json.loads(entry.read_text(encoding="utf-8"))
    doc["tasks"][0][4] = "篡改的要求"
    entry.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return entry


def test_the_tampering_used_below_does_reach_the_plan_when_the_entry_is_trusted() -> None:
    """The control for the tests below: the same planted entry, owned by this user in a private
    directory, is served, so each refusal below is the cache refusing, not a missed plant."""
    tampered_entry()
    served = probe()
    assert not served["parsed"] and served["first"] == "篡改的要求"


@needs_root
def test_an_entry_owned_by_someone_else_is_ignored() -> None:
    entry = tampered_entry()
    os.chown(entry, nobody(), -1)
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"


def test_an_entry_others_can_write_is_ignored() -> None:
    entry = tampered_entry()
    entry.chmod(0o666)
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"


@needs_root
def test_a_directory_owned_by_someone_else_is_neither_read_nor_written() -> None:
    entry = tampered_entry()
    os.chown(cache_dir(), nobody(), -1)
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"
    entry.unlink()
    assert probe()["parsed"] and entries() == []


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777], ids=oct)
def test_a_directory_others_can_write_is_neither_read_nor_written(tmp_path: Path, mode: int) -> None:
    entry = tampered_entry()
    cache_dir().chmod(mode)
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"
    entry.unlink()
    assert probe()["parsed"] and probe()["parsed"]
    assert entries() == []


def test_a_world_writable_gongkai_cache_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert probe(cache_dir=shared)["parsed"]
    assert probe(cache_dir=shared)["parsed"]
    assert entries(shared) == []


def test_a_symlinked_entry_is_ignored(tmp_path: Path) -> None:
    entry = tampered_entry()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"


def test_a_fifo_in_place_of_an_entry_does_not_hang() -> None:
    entry = tampered_entry()
    entry.unlink()
    os.mkfifo(entry, 0o600)
    assert probe()["parsed"]  # run_python's timeout would fail a hang


def test_a_malformed_entry_is_ignored_in_a_real_process() -> None:
    entry = tampered_entry()
    entry.write_text(entry.read_text(encoding="utf-8")[:-10], encoding="utf-8")
    result = probe()
    assert result["parsed"] and result["first"] != "篡改的要求"


def mutations() -> list[tuple[str, Any]]:
    """Ways an entry can differ from what gongkai writes; each applied to the genuine document."""

    def top(**changes: Any) -> Any:
        return lambda d: {**d, **changes}

    def drop(key: str) -> Any:
        return lambda d: {k: v for k, v in d.items() if k != key}

    def task(index: int, value: Any) -> Any:
        def change(d: dict[str, Any]) -> dict[str, Any]:
            row = list(d["tasks"][0])
            row[index] = value
            return {**d, "tasks": [row, *d["tasks"][1:]]}

        return change

    return [
        ("extra key", top(extra=1)),
        ("missing key", drop("groups")),
        ("other format", top(format=cache.FORMAT + 1)),
        ("format as bool", top(format=True)),
        ("other key", top(key="0" * 64)),
        ("top is a list", lambda d: list(d.items())),
        ("id as text", task(0, "1")),
        ("id as bool", task(0, True)),
        ("id as float", task(0, 1.0)),
        ("units not a list", task(3, "区政府办公室")),
        ("a unit as a number", task(3, [1])),
        ("requirement as null", task(4, None)),
        ("impossible date", task(6, "2023-13-01")),
        ("date in another spelling", task(6, "20231231")),
        ("date as a number", task(6, 20231231)),
        ("short row", lambda d: {**d, "tasks": [d["tasks"][0][:7], *d["tasks"][1:]]}),
        ("long row", lambda d: {**d, "tasks": [[*d["tasks"][0], 0], *d["tasks"][1:]]}),
        ("tasks not a list", top(tasks={})),
        ("meta issued as a number", lambda d: {**d, "meta": [*d["meta"][:3], 5, *d["meta"][4:]]}),
        ("group open as 1", lambda d: {**d, "groups": [[*g[:2], 1, *g[3:]] for g in d["groups"]]}),
        ("unit as a mapping", lambda d: {**d, "units": [{"name": "x"}]}),
    ]


@pytest.mark.parametrize(("name", "mutate"), mutations(), ids=[m[0] for m in mutations()])
def test_an_entry_of_the_wrong_shape_is_ignored(name: str, mutate: Any) -> None:
    """In process, through the cache's own reader, against real files it wrote."""
    data = read_bytes(BUILT_IN_PLAN)
    load_plan(BUILT_IN_PLAN)
    [entry] = entries()
    genuine = json.loads(entry.read_text(encoding="utf-8"))
    assert cache.get(data, "x") == load_plan(BUILT_IN_PLAN)  # the untouched entry is served
    entry.write_text(json.dumps(mutate(genuine), ensure_ascii=False), encoding="utf-8")
    assert cache.get(data, "x") is None
    assert load_plan(BUILT_IN_PLAN).tasks[0].id == 1  # and loading parses instead


@pytest.mark.parametrize(
    "content", [b"", b"not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b"null", b'"text"']
)
def test_an_entry_that_is_not_the_json_written_is_ignored(content: bytes) -> None:
    data = read_bytes(BUILT_IN_PLAN)
    load_plan(BUILT_IN_PLAN)
    [entry] = entries()
    entry.write_bytes(content)
    assert cache.get(data, "x") is None
    assert len(load_plan(BUILT_IN_PLAN).tasks) == 59
