"""The README's command reference is generated from --help; this test fails when they drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .helpers.common import REGEN, ROOT

README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
COMMANDS = [
    "",
    "tasks",
    "show",
    "units",
    "done",
    "undo",
    "note",
    "log",
    "status",
    "overdue",
    "due",
    "export",
    "state path",
    "state init",
    "state grant",
    "marks export",
    "marks import",
    "validate",
    "schema",
    "plans",
    "plans install",
    "plans remove",
    "import",
]
START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def reference(run) -> str:  # type: ignore[no-untyped-def]
    blocks = []
    for command in COMMANDS:
        args = [*command.split(), "--help"]
        r = run(*args, env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
        assert r.exit_code == 0, r.output
        body = "\n".join(line.rstrip() for line in r.stdout.strip("\n").splitlines())
        title = f"gongkai {command}".strip()
        blocks.append(f"### `{title}`\n\n```\n{body}\n```")
    return "\n\n".join(blocks)


def test_command_reference_matches_help(run) -> None:  # type: ignore[no-untyped-def]
    text = CLI_DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    fresh = f"{head}{START}\n{reference(run)}\n{END}{tail}"
    if REGEN:
        CLI_DOC.write_text(fresh, encoding="utf-8")
    assert text == fresh, "docs/cli.md is stale; GONGKAI_REGEN=1 python -m pytest rewrites it"


def test_readme_is_a_guide_read_in_ten_minutes() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "## Python API" in text and "docs/cli.md" in text


def test_every_command_has_a_summary_and_an_example(run) -> None:  # type: ignore[no-untyped-def]
    for command in COMMANDS[1:]:
        r = run(*command.split(), "--help")
        assert "示例：gongkai " in r.stdout, command


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## 快速开始", 1)[1].split("## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick)
    assert commands == [
        "pip install . && gongkai tasks --unit 区教体局",
        "pip install -e '.[test]' && python -m pytest",
    ]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_exit_codes_in_readme_match_the_code() -> None:
    from gongkai_cli import errors

    text = README.read_text(encoding="utf-8")
    for code in (
        errors.EXIT_OK,
        errors.EXIT_FOUND,
        errors.EXIT_USAGE,
        errors.EXIT_PLAN,
        errors.EXIT_INTERRUPTED,
    ):
        assert re.search(rf"^\| {code} \|", text, re.M), code


def test_readme_is_utf8_and_has_no_tabs() -> None:
    assert "\t" not in Path(README).read_text(encoding="utf-8")


def tour_commands() -> list[tuple[dict[str, str], list[str]]]:
    """Every `gongkai …` line in the README's tour, as a reader would paste it, with the variables
    a line sets for itself (``GONGKAI_UNIT=区教体局 gongkai …``)."""
    import shlex

    tour = README.read_text(encoding="utf-8").split("## 导览", 1)[1].split("## 性能", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", tour, re.S):
        for line in block.splitlines():
            env = {}
            line = line.strip()
            while (m := re.match(r"^([A-Z_]+)=(\S+) ", line)) is not None:
                env[m.group(1)] = m.group(2)
                line = line[m.end() :]
            if not line.startswith("gongkai "):
                continue
            command = line.split("#", 1)[0].split("|", 1)[0].split(">", 1)[0]
            command = command.split("&&", 1)[0]
            lines.append((env, shlex.split(command)))
    return lines


def test_readme_tour_commands_run_as_written(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every command of the tour, in order, in a fresh directory: the new year's table it imports is
    the 2023 table laid out as published, under a 2024 文号 (tests/helpers/tables.py builds it)."""
    from .helpers import tables

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # --install-completion writes under it
    layout = tables.plan_2023()
    layout.title = layout.title.replace("2023", "2024")
    layout.paragraphs = ["济任政办字〔2024〕9号", *layout.paragraphs[1:]]
    tables.write_docx(layout, tmp_path / "2024年分解表.docx")
    commands = tour_commands()
    assert len(commands) > 30
    for env, command in commands:
        args = command[1:]
        r = run(*args, env=env or None)
        allowed = {0, 1} if ("--check" in args or args[:2] == ["marks", "import"]) else {0}
        if args[:1] == ["import"]:
            allowed = {0, 1}  # 1: the plan is written and the report lists what to review
        assert r.exit_code in allowed, f"{command}: {r.output}"
        if env.get("GONGKAI_UNIT") and "--all" not in args:
            assert "只列出 区教体局" in r.stderr or "区教体局" in r.stdout
    assert (tmp_path / ".bash_completions" / "gongkai.sh").is_file()  # --install-completion bash


def test_every_shell_block_in_the_readme_is_valid_shell(tmp_path: Path) -> None:
    # A reader pastes these into bash: `--unit 各镇(街道)` unquoted is a syntax error there.
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) > 5
    for block in blocks:
        r = subprocess.run([bash, "-n"], input=block, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"{block}\n{r.stderr}"
