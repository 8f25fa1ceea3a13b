"""The Python API (the facade in gongkai_cli/__init__.py), and the seams the house rules require:
public Typer only outside compat.py, no Rich for machine formats, compat hooks still in place."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers.common import ROOT, installed_gongkai, rows_naming

FACADE = """
import json, sys
import gongkai_cli as gk
ws = gk.open(state=sys.argv[1])
mine = ws.tasks(unit="教体局", as_of="2023-11-01")
result = ws.mark(7, unit="区教体局", note="https://example.gov.cn/a", on="2023-11-20", by="张三")
try:
    ws.mark(7, unit="区卫健局")
except gk.UsageError as exc:
    refused = [exc.exit_code, str(exc)]
print(json.dumps({"ids": [r["id"] for r in mine], "added": result.changed, "refused": refused,
                  "overdue": len(ws.overdue(as_of="2023-12-01", unit="区教体局")),
                  "status": ws.status(by="part", as_of="2023-12-01")[0]["key"]}, ensure_ascii=False))
"""


def test_facade_from_a_plain_python_process(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    r = subprocess.run(
        [sys.executable, "-c", FACADE, str(state)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert set(got["ids"]) == rows_naming("区教体局") | rows_naming("区政府各部门单位")
    assert [(m["task_id"], m["unit"], m["done_on"], m["by"]) for m in got["added"]] == [
        (7, "区教体局", "2023-11-20", "张三")
    ]
    assert got["refused"][0] == 2 and "不是任务 7 的责任单位" in got["refused"][1]
    # What the library recorded is what the command line reads back.
    cli = subprocess.run(
        [installed_gongkai(), "log", "7", "--state", str(state), "-f", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert [(e["action"], e["unit"], e["note"]) for e in json.loads(cli.stdout)] == [
        ("done", "区教体局", "https://example.gov.cn/a")
    ]


def test_library_records_are_what_json_prints(run) -> None:  # type: ignore[no-untyped-def]
    import gongkai_cli as gk

    ws = gk.open()
    assert ws.tasks(unit="区教体局", as_of="2023-12-01") == run.json(
        "tasks", "--unit", "区教体局", "--as-of", "2023-12-01"
    )
    assert ws.due(within="2w", as_of="2023-11-20") == run.json(
        "due", "--within", "2w", "--as-of", "2023-11-20"
    )
    assert ws.units() == run.json("units")


def test_machine_formats_never_import_rich(tmp_path: Path) -> None:
    probe = (
        "import os, sys\n"
        "seen = lambda: sorted(m for m in sys.modules if m == 'rich')\n"
        "end = os._exit  # the console script ends the process so, without atexit handlers\n"
        "os._exit = lambda code: (sys.stderr.write('RICH=' + str(seen())), sys.stderr.flush(), end(code))\n"
        "sys.argv = ['gongkai'] + sys.argv[1:]\n"
        "from gongkai_cli.launch import main\n"
        "main()\n"
    )
    for args in (["tasks", "-f", "json"], ["overdue", "-f", "csv"], ["status", "-f", "json"]):
        r = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "GONGKAI_STATE": str(tmp_path / "s.sqlite3")})  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert r.stderr.endswith("RICH=[]"), (args, r.stderr[-200:])
    env = {**os.environ, "GONGKAI_STATE": str(tmp_path / "s.sqlite3")}
    r = subprocess.run(
        [sys.executable, "-c", probe, "tasks", "-s", "一"], capture_output=True, text=True, env=env
    )
    assert r.stderr.endswith("RICH=['rich']")  # the probe itself can see Rich when a table is drawn


PRIVATE = re.compile(r"typer\._|typer\.main\.(?!get_command\b)|typer\.testing\._|from typer\.main import")


def test_no_private_typer_outside_compat() -> None:
    offenders = []
    for path in [*ROOT.glob("gongkai_cli/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]:
        if path.name in ("compat.py", "test_api.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_compat_hooks_still_exist_in_this_typer() -> None:
    # Fails when Typer moves what compat.py relies on (README: the Typer pin and the CI job that
    # runs the suite against the newest Typer).
    from gongkai_cli.compat import click_exceptions

    ce = click_exceptions()
    for name in (
        "UsageError",
        "NoSuchOption",
        "MissingParameter",
        "BadParameter",
        "BadOptionUsage",
        "NoArgsIsHelpError",
    ):
        assert issubclass(getattr(ce, name), ce.UsageError), name
    import typer
    from typer import rich_utils

    assert issubclass(typer.BadParameter, ce.BadParameter)
    params = inspect.signature(rich_utils._make_rich_text).parameters
    assert {"text", "style", "markup_mode"} <= set(params)


def test_compat_completion_hooks_still_exist_in_this_typer() -> None:
    """compat.py reaches Typer's completion code (shell completion without add_completion=True)."""
    from typer import _completion_classes, _completion_shared

    assert callable(_completion_classes.completion_init)
    assert callable(_completion_shared._get_shell_name)
    assert {"prog_name", "complete_var", "shell"} <= set(
        inspect.signature(_completion_shared.get_completion_script).parameters
    )
    assert {"prog_name", "complete_var", "shell"} <= set(
        inspect.signature(_completion_shared.install).parameters
    )
    from gongkai_cli.compat import completion_script

    for shell in ("bash", "zsh", "fish", "powershell"):
        assert "_GONGKAI_COMPLETE" in completion_script(shell, "gongkai", "_GONGKAI_COMPLETE")
    zsh = completion_script("zsh", "gongkai", "_GONGKAI_COMPLETE").splitlines()
    # the first-Tab fix found the line it replaces: autoloaded, the function runs at once
    assert zsh[-5:] == [
        "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then",
        '  _gongkai_completion "$@"',
        "else",
        "  compdef _gongkai_completion gongkai",
        "fi",
    ]


@pytest.mark.parametrize("columns", ["60", "100"])
def test_help_texts_are_folded_not_cut(run, columns: str) -> None:  # type: ignore[no-untyped-def]
    r = run("tasks", "--help", env={"COLUMNS": columns})
    assert r.exit_code == 0, r.output
    assert "…" not in r.stdout
    flat = "".join(line.strip("│ ") for line in r.stdout.splitlines()).replace(" ", "")
    for text in (
        "完成情况：open（未开始）、partial（部分完成）、done（已完成）、overdue（逾期未完成）、"
        "on_time（按时完成）、done_late（逾期完成）、not_due（未到期）、ongoing（持续推进），"
        "中英文均可；与--unit同用时指该单位自己的部分",
        "计划：计划文件（YAML），或已安装计划的名称、年份（gongkaiplans列出）。默认读取环境变量"
        "GONGKAI_PLAN，再默认为最新安装的计划，再默认为内置的2023年任城区分解表",
    ):
        assert text in flat
    for line in r.stdout.splitlines():  # the Chinese rule: no line of a panel starts with closing punctuation
        inner = line.strip("│ ")
        assert not inner.startswith(("，", "。", "、", "；", "）")), line


def test_root_help_summaries_are_the_commands_own(run) -> None:  # type: ignore[no-untyped-def]
    from gongkai_cli.cli.app import COMMANDS

    for name, (_module, summary) in COMMANDS.items():
        r = run(name, "--help")
        assert r.exit_code == 0, r.output
        assert summary in "".join(x.strip() for x in r.stdout.splitlines()), name


def test_dump_plan_round_trips_through_the_facade(tmp_path: Path) -> None:
    import gongkai_cli as gk

    plan = gk.load_plan()
    written = tmp_path / "copy.yaml"
    written.write_text(gk.dump_plan(plan), encoding="utf-8")
    again = gk.load_plan(written)
    assert again == plan and len(again.tasks) == 59
    assert [t.requirement for t in again.tasks] == [t.requirement for t in plan.tasks]
