"""Shared fixtures: every test runs with its own state location and no colour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gongkai_cli.cli import app
from gongkai_cli.plan import default_plan_path, load_plan
from gongkai_cli.units import Directory

from .helpers.common import VENDORED_SOURCE, PgServer, pg_server_or_skip


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's plan choice or installed plans, or touches the user's state."""
    monkeypatch.delenv("GONGKAI_PLAN", raising=False)
    monkeypatch.delenv("GONGKAI_UNIT", raising=False)
    monkeypatch.setenv("GONGKAI_STATE", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GONGKAI_PLANS", str(tmp_path / "plans"))  # no installed plans unless a test adds some
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")


class Run:
    """In-process runs of the command line through Typer's own test runner."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.runner.invoke(app, list(args), env=env)

    def json(self, *args: str) -> Any:
        r = self(*args, "--format", "json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)


@pytest.fixture
def run() -> Run:
    return Run()


@pytest.fixture(scope="session")
def plan() -> Any:
    return load_plan(default_plan_path())


@pytest.fixture(scope="session")
def directory(plan: Any) -> Directory:
    return Directory(plan)


@pytest.fixture(scope="session")
def source_text() -> str:
    return VENDORED_SOURCE.read_text(encoding="utf-8")


@pytest.fixture
def read_only_mount(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real read-only file system (root ignores permission bits, so chmod proves nothing)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        pytest.skip("needs root on Linux to mount a read-only tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip("mount is not permitted here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A PostgreSQL server for the whole session: GONGKAI_TEST_PG's, else a throwaway one started
    here (stopped at the end), else a skip with the reason; in CI (CI set) a failure instead."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="gk-pg-"))  # short: a unix socket path is limited to 107 bytes
    import shutil

    found = pg_server_or_skip(base)
    if isinstance(found, str):
        shutil.rmtree(base, ignore_errors=True)
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {found}")
        pytest.skip(found)
    server: PgServer = found
    try:
        yield server
    finally:
        if server.data_dir is not None:
            server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
