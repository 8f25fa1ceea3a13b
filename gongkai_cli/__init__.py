"""gongkai: a command-line checklist for a district's yearly 政务公开 task table, and its library.

    import gongkai_cli as gk
    ws = gk.open()                                  # the plan and state the CLI would use
    ws.tasks(unit="区教体局", due_by="11月底")        # the records `gongkai tasks -f json` prints
    ws.mark(7, unit="区教体局", note="https://…")    # same rules and errors as `gongkai done`
    plan = gk.load_plan("2024.yaml"); text = gk.dump_plan(plan); plan = gk.validate_plan(mapping)
    done = gk.import_table("2024年分解表.docx", year=2024)  # .plan, .yaml, .report (`gongkai import`)

Errors are GongkaiError subclasses, each with the ``exit_code`` the CLI exits with. Everything is
imported on first use: the command line imports this package on every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    BusyError,
    DeniedError,
    GongkaiError,
    NothingToImport,
    OutputError,
    PlanError,
    SourceError,
    StateError,
    UsageError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from .importers import Imported
    from .model import Plan
    from .workspace import Workspace

__version__ = "2.0.0.dev0"

__all__ = [
    "BusyError",
    "DeniedError",
    "GongkaiError",
    "NothingToImport",
    "OutputError",
    "PlanError",
    "SourceError",
    "StateError",
    "UsageError",
    "__version__",
    "dump_plan",
    "import_table",
    "load_plan",
    "open",
    "validate_plan",
]


def open(
    plan: str | Path | Plan | None = None, state: str | Path | None = None, unit: str | None = None
) -> Workspace:
    """A Workspace over ``plan`` (a path, an installed plan's name or year, or 内置; None:
    ``GONGKAI_PLAN``, else the newest installed plan, else the built-in 2023 plan) and
    ``state`` (a path; None: ``GONGKAI_STATE``, else the user data directory). ``unit`` is the
    liaison's own unit for ``mark``/``undo`` (None: ``GONGKAI_UNIT``)."""
    from .workspace import open_workspace

    return open_workspace(plan, state, unit)


def load_plan(path: str | Path | None = None) -> Plan:
    """A valid plan from a YAML file (None: the built-in 2023 plan), or PlanError."""
    from .plan import load_plan as _load

    return _load(path)


def dump_plan(plan: Plan) -> str:
    """A plan as readable YAML that ``load_plan`` reads back to an equal plan."""
    from .plan import dump_plan as _dump

    return _dump(plan)


def validate_plan(mapping: Any, path: str = "") -> Plan:
    """A plan from a plain mapping (as read from YAML or built by an importer), checked by the same
    rules as a plan file; PlanError listing every problem otherwise."""
    from .plan import validate_plan as _validate

    return _validate(mapping, path)


def import_table(
    path: str | Path,
    *,
    year: int | None = None,
    title: str | None = None,
    doc_number: str | None = None,
    issuer: str | None = None,
    units_from: str | Path | Plan | None = None,
) -> Imported:
    """A published 分解表 (.docx, .xlsx, .xls, .html, .csv, text) as a valid plan, its YAML and the
    review report, as ``gongkai import`` makes them. ``units_from``: a plan (or its path) whose unit
    directory applies. SourceError, NothingToImport or UsageError (no year found) otherwise."""
    from pathlib import Path as _Path

    from .importers import import_table as _import
    from .importers.normalise import Meta

    reference = load_plan(units_from) if isinstance(units_from, (str, _Path)) else units_from
    return _import(path, Meta(year, title, doc_number, issuer), reference)
