"""The one place for framework hooks that no public API offers, each with its reason.

tests/test_compat.py fails when Typer changes under any of them.
"""

from __future__ import annotations

from typing import Any


def click_exceptions() -> Any:
    """The click exception classes Typer raises for bad command lines (NoSuchOption,
    MissingParameter, BadParameter, BadOptionUsage, UsageError, NoArgsIsHelpError).

    Why: gongkai prints one line of Chinese on stderr for a bad command line instead of Typer's
    English panel, so it must recognise these; Typer re-exports only BadParameter, and since 0.26
    it vendors click as ``typer._click`` rather than depending on click."""
    from typer._click import exceptions

    return exceptions


def fold_help_text() -> None:
    """Make the help texts Typer builds fold at the panel's edge instead of being cut with "…".

    Why: Rich wraps at spaces, and a Chinese sentence has none, so Typer's help panels crop every
    Chinese help text longer than its column. Typer builds each text in ``rich_utils._make_rich_text``
    and offers no way to change how it wraps; this wraps that function so that each Text it makes
    is folded by gongkai's own line breaking (the Chinese rule, as in the tables). Every caller puts
    the result in a Rich layout (Columns, Group, Align, a table cell), where any renderable works.
    Called only when help is drawn."""
    from rich.text import Text
    from typer import rich_utils

    from .output.table import Folded

    original = rich_utils._make_rich_text
    if getattr(original, "_gongkai_folds", False):
        return

    def make_rich_text(*, text: str, style: str = "", markup_mode: Any) -> Any:
        out = original(text=text, style=style, markup_mode=markup_mode)
        return Folded(out) if isinstance(out, Text) else out

    make_rich_text._gongkai_folds = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = make_rich_text


def click_command(typer_app: Any) -> Any:
    """The click command Typer builds for ``typer_app``.

    ``typer.main.get_command`` is documented (Typer's "Using Click" page) but lives in ``typer.main``,
    whose other names are internal; every use of ``typer.main`` stays in this module."""
    import typer.main

    return typer.main.get_command(typer_app)


# -- shell completion ---------------------------------------------------------------------------
# Why: Typer's add_completion=True builds its --install-completion / --show-completion options on
# every start of the program, importing its completion machinery (shellingham, subprocess) before
# any command runs; gongkai declares the two options itself (cli/app.py) and reaches Typer's own
# code below only when one of them is given or a shell asks for completions. The scripts, the
# install locations and the protocol the shells speak are Typer's, unchanged.


def enable_completion() -> None:
    """Register Typer's completion classes for bash, zsh, fish and PowerShell (in place of the
    plain ones of the click it vendors), which Typer itself does only with add_completion=True."""
    from typer._completion_classes import completion_init

    completion_init()


def detect_shell() -> str | None:
    """The shell gongkai was started from, as Typer detects it (None when it cannot tell)."""
    from typer._completion_shared import _get_shell_name

    return _get_shell_name()


def completion_script(shell: str, prog_name: str, complete_var: str) -> str:
    """Typer's completion script for ``shell``; for zsh, one line changed (below)."""
    from typer._completion_shared import get_completion_script

    script: str = get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)
    return _zsh_first_tab(script) if shell == "zsh" else script


def _zsh_first_tab(script: str) -> str:
    """Typer's zsh script ends with ``compdef _x_completion x``. Installed in $fpath and autoloaded
    (how Typer installs it), the file runs as the completion function itself on the first Tab: it
    only registers the real function, so the first Tab in every new zsh offers nothing. The idiom
    click's own zsh script uses calls the function when autoloaded and registers it when sourced."""
    lines = script.rstrip().splitlines()
    if not lines or not lines[-1].startswith("compdef "):
        return script  # a Typer whose script no longer ends so: leave it as it is
    _compdef, function, _prog = lines[-1].split()
    lines[-1:] = [
        "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then",
        f'  {function} "$@"',
        "else",
        f"  compdef {function} {_prog}",
        "fi",
    ]
    return "\n".join(lines)


def install_completion(shell: str, prog_name: str, complete_var: str) -> Any:
    """Install Typer's completion script for ``shell`` where Typer installs it; the path written."""
    from pathlib import Path

    from typer._completion_shared import install

    enable_completion()
    _shell, path = install(shell=shell, prog_name=prog_name, complete_var=complete_var)
    if shell == "zsh":  # the same file, with the first-Tab fix of completion_script
        Path(path).write_text(completion_script(shell, prog_name, complete_var), encoding="utf-8")
    return path
