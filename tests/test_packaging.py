"""Packaging: data/tasks.yaml is the one copy of the built-in plan, and a wheel carries it unchanged
to where an installed gongkai finds it (the editable case is the test environment itself: see
test_cli.py's run of the installed entry point from another directory)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .helpers.common import BUILT_IN_PLAN, ROOT, rows_where

NOT_SOURCE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".hypothesis", "*_cache", "artifacts"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built by pip from a copy of the source tree (so the build leaves the tree alone)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    [built] = (work / "dist").glob("gongkai-*.whl")
    return built


def test_the_repository_holds_one_copy_of_the_built_in_plan() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "--", "*tasks.yaml"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.split()
    assert tracked == ["data/tasks.yaml"]


def test_the_wheel_carries_the_plan_unchanged(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert z.read("gongkai_cli/data/tasks.yaml") == BUILT_IN_PLAN.read_bytes()
    assert [n for n in names if n.endswith(".yaml")] == ["gongkai_cli/data/tasks.yaml"]
    assert {f"gongkai_cli/plan/{m}.py" for m in ("__init__", "read", "validate", "write", "cache")} <= set(
        names
    )


def test_an_installed_wheel_finds_its_plan_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    # The installed copy first on the path; the dependencies come from the test environment.
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "import gongkai_cli.plan as p; print(p.__file__); print(p.default_plan_path())"
    where = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    module, plan = where.stdout.split("\n")[:2]
    assert Path(module).is_relative_to(site) and Path(plan) == site / "gongkai_cli" / "data" / "tasks.yaml"
    r = subprocess.run(
        [sys.executable, "-m", "gongkai_cli", "tasks", "--unit", "区教体局", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    expected = rows_where(lambda row: "区教体局" in row.units or "区政府各部门单位" in row.units)
    assert [row["id"] for row in json.loads(r.stdout)] == expected
