"""Shell completion: what Tab offers (unit names and aliases, task ids, sections, parts), and the
standard ``--install-completion`` / ``--show-completion`` options for bash, zsh, fish and PowerShell.

Imported only when a shell asks for completions (it sets ``_GONGKAI_COMPLETE``) or one of the two
options is given: an ordinary command never loads this module. Typer's own code writes the scripts
and answers the shell (compat.py reaches it); this module only says what to offer.

A completion never prints an error: a plan that cannot be read simply offers nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from ..errors import GongkaiError, OutputError, UsageError

PROG = "gongkai"
COMPLETE_VAR = "_GONGKAI_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
REQUIREMENT_CHARS = 40  # of a task's requirement, shown beside its id where the shell shows help


def _plan(ctx: Any) -> Any:
    """The plan the command line being completed would use: its ``--plan`` if already typed, else
    GONGKAI_PLAN, else the built-in one; None when it cannot be read."""
    from ..plan import load_plan, plan_path

    chosen = None
    while ctx is not None and chosen is None:
        chosen = (ctx.params or {}).get("plan_file")
        ctx = ctx.parent
    try:
        return load_plan(plan_path(chosen))
    except (GongkaiError, OSError, ValueError):
        return None


def units(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Unit and group names first, then every alias people type (教体局, 长沟), each alias with the
    name it stands for."""
    from ..text import normalize
    from ..units import Directory, derived_aliases, explicit_names

    plan = _plan(ctx)
    if plan is None:
        return []
    directory = Directory(plan)
    offers: dict[str, str] = {}
    for unit in plan.units:
        offers.setdefault(unit.name, unit.full_name or unit.kind_label)
    for group in plan.groups:
        offers.setdefault(group.name, "统称" + (f"（{len(group.members)} 个单位）" if group.members else ""))
    for thing in [*plan.units, *plan.groups]:
        for alias in explicit_names(thing):
            offers.setdefault(alias, f"即 {thing.name}")
    for unit in plan.units:
        for alias in derived_aliases(unit):
            try:  # a short form two units share resolves to neither, so it is not offered
                if directory.resolve(alias).name == unit.name:
                    offers.setdefault(alias, f"即 {unit.name}")
            except UsageError:
                continue
    typed = normalize(incomplete) if incomplete else ""
    return [(name, label) for name, label in offers.items() if name.startswith(typed)]


def task_ids(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Task ids, each with the start of its requirement."""
    plan = _plan(ctx)
    if plan is None:
        return []
    out = []
    for task in plan.tasks:
        text = " ".join(task.requirement.split())
        short = text if len(text) <= REQUIREMENT_CHARS else text[: REQUIREMENT_CHARS - 1] + "…"
        out.append((str(task.id), short))
    return out


def sections(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Section numbers in digits (no input method needed), each with its title."""
    plan = _plan(ctx)
    return [] if plan is None else [(str(s.number), s.title) for s in plan.sections]


def parts(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    plan = _plan(ctx)
    return [] if plan is None else [(str(p.number), p.title) for p in plan.parts]


KINDS = {"unit": units, "task": task_ids, "section": sections, "part": parts}


def offer(kind: str, ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    try:
        return KINDS[kind](ctx, incomplete)
    except Exception:  # Tab must never print a traceback into the user's command line
        return []


# -- the two options -------------------------------------------------------------------------


def _shell() -> str:
    from ..compat import detect_shell

    shell = detect_shell()
    if shell not in SHELLS:
        found = f"（检测到 {shell}）" if shell else ""
        raise UsageError(f"无法识别当前的 shell{found}；请在 bash、zsh、fish 或 PowerShell 中运行此选项")
    return shell


def show() -> None:
    """Print the completion script for the shell gongkai is run from."""
    from ..compat import completion_script

    sys.stdout.write(completion_script(_shell(), PROG, COMPLETE_VAR) + "\n")


def install() -> None:
    """Install the completion script into the current shell's start-up files."""
    from ..compat import install_completion

    shell = _shell()
    try:
        path = install_completion(shell, PROG, COMPLETE_VAR)
    except OSError as exc:
        where = f"{exc.filename}：" if exc.filename else ""
        raise OutputError(f"无法安装 {shell} 的命令补全：{where}{exc.strerror or exc}") from None
    sys.stderr.write(f"已为 {shell} 安装命令补全：{path}\n重新打开终端后生效。\n")
