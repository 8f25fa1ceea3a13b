"""The plan: finding the plan file, loading it (through the cache), validating and writing plans.

The rest of gongkai uses this interface only. Importing it is cheap, because every command imports
it: the validator and the writer load on first use (``check_mapping``, ``dump_plan``, ... are
looked up lazily), PyYAML only when a file is actually parsed, and a plan that validated before
comes from the cache (cache.py) without either.

    read.py      bytes → text → line-annotated mapping (safe YAML events)
    validate.py  mapping → Plan, every problem with its line; SCHEMA, the format described once
    write.py     Plan → YAML that read.py reads back
    cache.py     validated plans as JSON data, keyed by the file's content
    installed.py plans installed by name in the user's data directory (``gongkai plans``)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .read import MAX_BYTES, decode_text, read_bytes, read_yaml

if TYPE_CHECKING:
    from ..model import Plan
    from .installed import install_plan, installed_plans, remove_plan, resolve_plan
    from .validate import SCHEMA, Problem, check_mapping, schema_markdown, validate_plan
    from .write import dump_plan

# Defined here, not in validate.py, so the cache can key on it without loading the validator.
SCHEMA_VERSION = 1
PLAN_ENV = "GONGKAI_PLAN"  # a plan file, an installed plan's name or year, or 内置
PLANS_ENV = "GONGKAI_PLANS"  # the directory of installed plans
BUILTIN = "内置"  # the name of the shipped plan wherever a plan name is taken

__all__ = [
    "BUILTIN",
    "MAX_BYTES",
    "PLANS_ENV",
    "PLAN_ENV",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Problem",
    "check_mapping",
    "check_plan",
    "decode_text",
    "default_plan_path",
    "dump_plan",
    "install_plan",
    "installed_plans",
    "load_plan",
    "plan_label",
    "plan_path",
    "plans_dir",
    "read_bytes",
    "read_yaml",
    "remove_plan",
    "resolve_plan",
    "schema_markdown",
    "validate_plan",
]

_FROM_VALIDATE = frozenset({"SCHEMA", "Problem", "check_mapping", "schema_markdown", "validate_plan"})
_FROM_INSTALLED = frozenset({"install_plan", "installed_plans", "remove_plan", "resolve_plan"})


def __getattr__(name: str) -> Any:
    """The validator's, the writer's and installed.py's names, imported when first asked for."""
    if name in _FROM_VALIDATE:
        from . import validate

        return getattr(validate, name)
    if name in _FROM_INSTALLED:
        from . import installed

        return getattr(installed, name)
    if name == "dump_plan":
        from .write import dump_plan

        return dump_plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_PACKAGE = Path(__file__).parent.parent


def default_plan_path() -> Path:
    """The 2023 任城区 table shipped with gongkai.

    It lives at ``data/tasks.yaml`` at the top of the repository, and a regular install puts it in
    the package as ``gongkai_cli/data/tasks.yaml`` (pyproject.toml maps the one onto the other). A
    stat or two decides which, where importlib.resources would cost 4 ms of every start.
    """
    installed = _PACKAGE / "data" / "tasks.yaml"
    if installed.is_file():
        return installed
    checkout = _PACKAGE.parent / "data" / "tasks.yaml"  # a source tree or an editable install
    return checkout if checkout.is_file() else installed


def plans_dir() -> Path:
    """Where installed plans live: ``GONGKAI_PLANS``, else ``plans`` in the user's data directory
    (beside the state file's default place)."""
    chosen = os.environ.get(PLANS_ENV)
    if chosen:
        return Path(chosen).expanduser()
    from ..dirs import user_data_dir

    return user_data_dir() / "plans"


def plan_path(option: str | None) -> Path:
    """``--plan``, else ``GONGKAI_PLAN``: a file, an installed plan's name or year, or 内置. Without
    either, the newest installed plan (by year, then install time), else the shipped 2023 table."""
    chosen = option or os.environ.get(PLAN_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if path.suffix in (".yaml", ".yml") or os.sep in chosen or "/" in chosen or path.exists():
            return path  # a file as before: no directory listing on the way
        from .installed import resolve_plan

        return resolve_plan(chosen)
    # One scandir of a directory that usually does not exist: no cost when nothing is installed.
    try:
        with os.scandir(plans_dir()) as entries:
            if not any(e.name.endswith(".yaml") and not e.name.startswith(".") for e in entries):
                return default_plan_path()
    except OSError:
        return default_plan_path()
    from .installed import default_installed

    return default_installed() or default_plan_path()


def plan_label(path: str | Path) -> str:
    """How reports name the plan they used: an installed plan's name, 内置, or the file's path."""
    path = Path(path)
    if path == default_plan_path():
        return BUILTIN
    if path.suffix == ".yaml":
        directory = plans_dir()
        if path.parent == directory:
            return path.stem
        try:
            if os.path.samefile(path.parent, directory):
                return path.stem
        except OSError:
            pass
    return str(path)


def load_plan(path: Path | str | None = None) -> Plan:
    """A valid plan (None: the shipped one), or a PlanError naming the first problem and how many
    there are. A plan that validated before is taken from the cache, keyed by the file's content."""
    from . import cache

    path = default_plan_path() if path is None else Path(path)
    data = read_bytes(path)
    plan = cache.get(data, str(path))
    if plan is not None:
        return plan
    plan, problems = check_plan(path, data)
    if plan is None:
        from .validate import plan_error

        raise plan_error(problems, str(path), "，运行 gongkai validate 查看全部")
    cache.put(data, plan)
    return plan


def check_plan(path: Path | str, data: bytes | None = None) -> tuple[Plan | None, list[Problem]]:
    """Read and validate a plan file (``gongkai validate``): the plan when it is clean, and every
    problem found. A file that cannot be read or is not UTF-8 text raises PlanError instead."""
    from .read import YamlProblem
    from .validate import Problem, check_document

    path = Path(path)
    data = read_bytes(path) if data is None else data
    text = decode_text(data, path)  # UTF-8 checked here; the parser reads the bytes
    empty = not text or text.isspace()  # (not strip(): no copy of a large file)
    del text
    if empty:
        return None, [Problem(0, "计划文件是空的")]
    try:
        doc = read_yaml(data)
    except YamlProblem as exc:
        return None, [Problem(exc.line, exc.message)]
    # A document that is only a string, or only comments, has no line of its own: blame line 1.
    return check_document(doc, str(path), getattr(doc, "line", 1))
