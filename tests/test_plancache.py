"""The parsed-plan cache: used when the file is unchanged, never stale, never in the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gongkai_cli.errors import PlanError
from gongkai_cli.plan import default_plan_path, load_plan

from .helpers.common import MINIMAL


def cache_files() -> list[Path]:
    return sorted(Path(os.environ["GONGKAI_CACHE"]).glob("*.pickle"))


def test_second_load_comes_from_the_cache(tmp_path: Path) -> None:
    first = load_plan(default_plan_path())
    assert len(cache_files()) == 1
    second = load_plan(default_plan_path())
    assert second.tasks == first.tasks and second.units == first.units and second.groups == first.groups


def test_an_edit_is_never_served_stale(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(MINIMAL, "utf-8")
    assert load_plan(path).tasks[0].requirement == "做好甲事。"
    path.write_text(MINIMAL.replace("做好甲事。", "做好丙事。"), "utf-8")
    assert load_plan(path).tasks[0].requirement == "做好丙事。"
    path.write_text(MINIMAL.replace("units: [区甲局]", "units: [区丙局]"), "utf-8")
    with pytest.raises(PlanError):
        load_plan(path)


def test_the_cached_plan_reports_the_path_it_was_loaded_from(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(MINIMAL, "utf-8")
    b.write_text(MINIMAL, "utf-8")
    load_plan(a)
    assert load_plan(b).path == str(b)


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    load_plan(default_plan_path())
    for entry in cache_files():
        entry.write_bytes(b"not a pickle")
    assert len(load_plan(default_plan_path()).tasks) == 59


def test_cache_can_be_off_or_unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_CACHE", "off")
    assert len(load_plan(default_plan_path()).tasks) == 59
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GONGKAI_CACHE", str(blocker / "cache"))
    assert len(load_plan(default_plan_path()).tasks) == 59


def test_invalid_plans_are_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(MINIMAL.replace("units: [区甲局]", "units: [区丙局]"), "utf-8")
    with pytest.raises(PlanError):
        load_plan(path)
    assert cache_files() == []
