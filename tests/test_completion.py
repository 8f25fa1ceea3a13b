"""Shell completion through the installed command: the protocol the shells speak (bash, zsh, fish,
PowerShell), the scripts --show-completion prints and --install-completion installs, and Tab pressed
in real interactive bash, zsh and fish sessions (tmux), as a user would.

Expected values come from the published table, never from gongkai: task 5's requirement starts
强化政策集成供给, the 2023 plan has 59 rows and 14 工作任务, 区教体局 is a unit and 教体局 its short form.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .helpers.common import MINIMAL, installed_gongkai, write

COMMANDS = {"tasks", "show", "done", "undo", "log", "status", "overdue", "due", "export", "units"}
COMMANDS |= {"validate", "schema", "state", "marks", "note", "import", "plans"}


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing: .ci/run installs it")
        pytest.skip(f"{program} is not installed here")
    return found


def shell_env(home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(installed_gongkai()).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("XDG_CONFIG_HOME", None)
    if home is not None:
        env["HOME"] = str(home)
    return env


def complete_bash(line: str, env: dict[str, str] | None = None) -> list[str]:
    """What the installed command answers bash for ``line`` (the cursor at its end)."""
    words = line.split(" ")
    r = subprocess.run(
        [installed_gongkai()],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            **(env or {}),
            "_GONGKAI_COMPLETE": "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return [line for line in r.stdout.splitlines() if line]


IDS_FROM_1 = ["1", *(str(n) for n in range(10, 20))]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("gongkai tasks -f ", ["table", "json", "csv", "tsv", "md"]),
        ("gongkai export ", ["xlsx", "csv", "ics", "html", "md", "docx"]),
        ("gongkai status --by ", ["unit", "section", "part"]),
        ("gongkai tasks --status o", ["open", "overdue", "on_time", "ongoing"]),
        ("gongkai show 1", IDS_FROM_1),
        ("gongkai done 1", IDS_FROM_1),
        ("gongkai log 1", IDS_FROM_1),
        ("gongkai tasks --section 1", ["1", "10", "11", "12", "13", "14"]),
        ("gongkai tasks --part ", ["1", "2", "3", "4"]),
        ("gongkai marks ", ["export", "import"]),
    ],
)
def test_values_offered(line: str, expected: list[str]) -> None:
    assert complete_bash(line) == expected


def test_commands_and_options_offered() -> None:
    assert set(complete_bash("gongkai ")) == COMMANDS
    assert {"--install-completion", "--show-completion", "--version"} <= set(complete_bash("gongkai --"))
    assert set(complete_bash("gongkai tasks --s")) == {"--section", "--search", "--status", "--state"}
    for command in ("show", "done", "undo", "note", "log"):  # each takes task ids
        assert {"7", "59"} <= set(complete_bash(f"gongkai {command} ")), command
    # installing completion is the root's option only, not repeated by every command or group
    for line in (
        "gongkai state --",
        "gongkai marks --",
        "gongkai plans --",
        "gongkai done --",
        "gongkai export --",
    ):
        assert not {"--install-completion", "--show-completion"} & set(complete_bash(line)), line


def test_unit_names_and_aliases_offered() -> None:
    units = complete_bash("gongkai tasks --unit 区教")
    assert "区教体局" in units
    assert all(u.startswith("区教") for u in units)
    assert complete_bash("gongkai done 7 --unit 教体") == ["教体局"]
    assert "长沟镇" in complete_bash("gongkai overdue -u 长")
    everything = complete_bash("gongkai tasks --unit ")
    assert len(everything) > 50 and len(set(everything)) == len(everything)


def test_units_come_from_the_plan_on_the_line(tmp_path: Path) -> None:
    plan = write(tmp_path, MINIMAL)
    assert complete_bash(f"gongkai tasks --plan {plan} --unit 区") == ["区甲局", "区乙局"]
    assert complete_bash(f"gongkai show --plan {plan} ") == ["1", "2"]
    assert complete_bash("gongkai show ", env={"GONGKAI_PLAN": str(plan)}) == ["1", "2"]


def test_a_broken_plan_offers_nothing_and_says_nothing(tmp_path: Path) -> None:
    plan = write(tmp_path, "tasks: [\n")
    assert complete_bash(f"gongkai tasks --plan {plan} --unit ") == []
    assert complete_bash("gongkai tasks --unit ", env={"GONGKAI_PLAN": str(tmp_path / "none.yaml")}) == []


def run_protocol(shell: str, line: str, **extra: str) -> str:
    r = subprocess.run(
        [installed_gongkai()],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "_GONGKAI_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line, **extra},
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_zsh_fish_and_powershell_get_the_requirement_beside_the_id() -> None:
    assert '"5":"强化政策集成供给' in run_protocol("zsh", "gongkai show 5")
    fish = run_protocol("fish", "gongkai show 5", _TYPER_COMPLETE_FISH_ACTION="get-args").splitlines()
    assert any(line.startswith("5\t强化政策集成供给") for line in fish), fish
    ps = run_protocol("powershell", "gongkai show 5", _TYPER_COMPLETE_WORD_TO_COMPLETE="5").splitlines()
    assert any(line.startswith("5:::强化政策集成供给") for line in ps), ps
    assert {line.split(":::")[0] for line in ps} == {"5", *(str(n) for n in range(50, 60))}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script_for_the_calling_shell(shell: str) -> None:
    need(shell)
    # `; true` keeps the shell alive as gongkai's parent, which is how the shell is detected.
    r = subprocess.run(
        [shell, "-c", "gongkai --show-completion; true"],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env(),
    )
    assert r.returncode == 0, r.stderr
    assert f"_GONGKAI_COMPLETE=complete_{shell}" in r.stdout
    assert r.stderr == ""


def test_an_unknown_shell_is_one_line() -> None:
    r = subprocess.run(
        ["sh", "-c", "gongkai --show-completion; echo rc=$?"],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env(),
    )
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法识别当前的 shell"), r.stderr
    assert r.stdout == "rc=2\n"


def test_bash_script_from_show_completion_completes_in_bash() -> None:
    """The printed script, sourced by bash, fills COMPREPLY through the installed command."""
    bash = need("bash")
    script = r"""
eval "$(gongkai --show-completion)"
fn=$(complete -p gongkai | awk '{print $(NF-1)}')
COMP_WORDS=(gongkai tasks --unit 区教体); COMP_CWORD=3
"$fn" gongkai
printf '%s\n' "${COMPREPLY[@]}"
"""
    r = subprocess.run([bash, "-c", script], capture_output=True, text=True, timeout=60, env=shell_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["区教体局"]


# -- Tab pressed in real interactive shells -----------------------------------------------------


def install(shell: str, home: Path) -> None:
    r = subprocess.run(
        [shell, "-c", "gongkai --install-completion; true"],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env(home),
    )
    assert r.returncode == 0, r.stderr
    assert f"已为 {shell} 安装命令补全" in r.stderr, r.stderr


def press_tab(shell: str, home: Path, typed: str, expected: str) -> str:
    """Start ``shell`` interactively in tmux with ``home`` as HOME, type ``typed``, press Tab and
    return the screen once ``expected`` is on it (or after 45 s)."""
    tmux = need("tmux")
    server = f"gongkai-test-{os.getpid()}-{shell}"
    env = shell_env(home)
    env["TERM"] = "xterm"
    base = [tmux, "-L", server]
    subprocess.run([*base, "-u", "new-session", "-d", "-x", "200", "-y", "50", shell], env=env, check=True)
    screen = ""
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not screen.strip():  # wait for the prompt
            time.sleep(0.3)
            screen = subprocess.run([*base, "capture-pane", "-p"], capture_output=True, text=True).stdout
        time.sleep(0.5)
        subprocess.run([*base, "send-keys", "-l", typed], check=True)
        subprocess.run([*base, "send-keys", "Tab"], check=True)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            screen = subprocess.run([*base, "capture-pane", "-p"], capture_output=True, text=True).stdout
            if expected in screen:
                break
            time.sleep(0.3)
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)
    return screen


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_tab_completes_a_unit_name_after_install(shell: str, tmp_path: Path) -> None:
    need(shell)
    install(shell, tmp_path)
    screen = press_tab(shell, tmp_path, "gongkai tasks --unit 区教体", "--unit 区教体局")
    assert "gongkai tasks --unit 区教体局" in screen, screen


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_tab_shows_ids_with_their_requirement(shell: str, tmp_path: Path) -> None:
    need(shell)
    install(shell, tmp_path)
    screen = press_tab(shell, tmp_path, "gongkai show 5", "强化政策集成供给")
    assert "强化政策集成供给" in screen, screen
    assert "59" in screen


def test_completion_costs_nothing_on_an_ordinary_run(tmp_path: Path) -> None:
    """gongkai's completion module is imported only when a shell asks (Python's own import log;
    Typer itself imports its completion code on every start, whatever the app asks for)."""
    r = subprocess.run(
        [installed_gongkai(), "tasks", "--unit", "区教体局", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert r.returncode == 0, r.stderr
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert "gongkai_cli.workspace" in imported  # the log is read right
    assert "gongkai_cli.cli.completion" not in imported


def test_install_where_it_cannot_write_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the home directory should be\n", encoding="utf-8")
    r = subprocess.run(
        [need("bash"), "-c", "gongkai --install-completion; echo rc=$?"],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env(home),
    )
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法安装 bash 的命令补全"), r.stderr
    assert r.stdout == "rc=6\n"
