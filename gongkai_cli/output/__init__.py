"""Output in one place: what a command returns (a ``View``), in the format asked for.

``table`` is drawn by Rich (output/table.py, imported only for it); ``json``, ``csv``, ``tsv`` and
``md`` are written by output/machine.py, which never imports Rich.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

FORMATS = ("table", "json", "csv", "tsv", "md")
COLOR_MODES = ("auto", "always", "never")


class View(NamedTuple):
    """The records of one command, with what a table needs to title and caption them."""

    kind: str  # tasks | show | units | log | status | pairs | plans
    records: Any  # a list of dicts (a dict for show and units), the same as -f json prints
    title: str = ""
    caption: str = ""
    who: str | None = None  # tasks: the unit asked about (its name is bold in the table)
    by: str = "unit"  # status: unit | section | part
    days_key: str = ""  # pairs: days_overdue | days_left
    digest: bool = False  # pairs: one line per unit instead of one per (row, unit)


def render(views: View | Sequence[View], fmt: str = "table", color: str = "auto") -> None:
    """Write ``views`` to stdout: tables for people, or a machine format."""
    if isinstance(views, View):
        views = [views]
    if fmt == "table":
        from .table import draw, tables_for

        draw([t for v in views for t in tables_for(v)], color)
        return
    from .machine import write

    for view in views:
        write(view.kind, view.records, fmt, view.days_key)
