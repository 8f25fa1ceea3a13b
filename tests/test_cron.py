"""docs/cron-overdue.sh, the cron example the README shows, run as written by bash against the
installed command: quiet when nothing is overdue, the list when something is, and a gongkai error
reported as an error (its own exit code), never as "overdue"."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers.common import ROOT, installed_gongkai

SCRIPT = ROOT / "docs" / "cron-overdue.sh"


def cron(*args: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    env = {**os.environ, "PATH": f"{Path(installed_gongkai()).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [bash, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_nothing_overdue_is_silent_so_cron_sends_nothing() -> None:
    r = cron("--as-of", "2023-01-01")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_overdue_tasks_are_listed_with_exit_1() -> None:
    # Task 7 (区教体局, “双减”信息公开) is due 11月底前 in the published table.
    r = cron("--as-of", "2023-12-01", "--unit", "区教体局")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("有逾期未完成的任务：")
    assert "| 区教体局 | 7 |" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--plan", "/nonexistent/plan.yaml"), 3),  # the plan cannot be read
        (("--unit", "没有这个单位"), 2),  # a typing mistake in the crontab line
    ],
)
def test_an_error_is_reported_as_an_error_not_as_overdue(args: tuple[str, ...], code: int) -> None:
    r = cron(*args)
    assert r.returncode == code
    assert r.stdout == ""  # nothing that reads like an overdue list
    lines = r.stderr.splitlines()
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith("错误：")  # gongkai's own line
    assert lines[1] == f"逾期检查没能完成（gongkai 退出码 {code}），不代表有逾期，请按上面的错误信息处理。"


def test_a_broken_state_file_is_an_error_too(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"not a database at all")
    r = cron("--state", str(state))
    assert r.returncode == 4
    assert r.stdout == ""
    assert "不代表有逾期" in r.stderr


def test_the_readme_shows_the_script_as_it_is() -> None:
    """The README's cron block is the script's own code, line for line (the tests above run it)."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "--check" in b)
    code = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    script = SCRIPT.read_text(encoding="utf-8").splitlines()
    assert len(code) >= 8
    start = script.index(code[0])
    assert script[start : start + len(code)] == code
