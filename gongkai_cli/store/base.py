"""The Store protocol every state backend implements, and what no backend owns: the clock and the
JSON document that exports and imports marks between machines.

A store holds completion marks keyed by the plan's identity (文号 + year), the task id and the
responsible unit, and an append-only history of every change. Each write is one transaction, all or
nothing. Reading never creates anything: a store that does not exist yet reads as empty.
Backends report every failure as a StateError or BusyError with a Chinese message of their own.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, TypeVar

from ..errors import UsageError
from ..model import Event, Mark

_S = TypeVar("_S", bound="Store")

BUSY_ENV = "GONGKAI_BUSY_TIMEOUT"
DEFAULT_BUSY_SECONDS = 10.0
MAX_BUSY_SECONDS = 86400  # a day; SQLite takes the wait in milliseconds as a 32-bit int


class Store(Protocol):
    """One open state store. Get one from ``gongkai_cli.store.open_store``.

    Backends subclass this protocol explicitly to inherit the context-manager methods.
    """

    @property
    def location(self) -> str:
        """Where the marks are, as shown to users (the file's path for SQLite)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What ``gongkai state`` shows; the keys are the same for every backend:

        ``kind`` ("sqlite"), ``location``, ``exists``, ``schema_version`` (None when the store does
        not exist yet), ``plans``, ``marks``, ``events`` (counts) and ``last_change`` (UTC ISO 8601
        time of the latest event, or None).
        """
        ...

    # -- reading: never creates anything; a missing store reads as empty --------------------

    def plan_marks(self, plan_identity: str) -> dict[tuple[int, str], Mark]:
        """Every mark of the plan by (task id, unit), with its date, note and who."""
        ...

    def marked_pairs(self, plan_identity: str) -> frozenset[tuple[int, str]]:
        """(task id, unit) of every mark of the plan: all that status and filters need."""
        ...

    def events(self, plan_identity: str, task_id: int | None = None, unit: str | None = None) -> list[Event]:
        """The plan's history, oldest first, narrowed to a task and/or unit when given."""
        ...

    def all_marks(self) -> list[Mark]:
        """Every mark of every plan, ordered by plan, task id, unit."""
        ...

    # -- writing: each call is one transaction, all or nothing -------------------------------

    def add_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark]]:
        """Record marks not there yet, each with a "done" event.

        Returns (added, already present as they were). The iterable is consumed inside the
        transaction: if it raises, nothing is recorded.
        """
        ...

    def remove_marks(
        self, plan_identity: str, pairs: Iterable[tuple[int, str]], by: str
    ) -> tuple[list[Mark], list[tuple[int, str]]]:
        """Delete marks, each with an "undo" event. Returns (removed, pairs that were not marked)."""
        ...

    def import_marks(self, marks: Iterable[Mark]) -> tuple[list[Mark], list[Mark], list[tuple[Mark, Mark]]]:
        """Merge marks from an export: (added, identical already, (ours, theirs) conflicts left as
        they were). Added marks get "done" events with source "import"."""
        ...

    def close(self) -> None:
        """Release the store; closing twice is harmless."""
        ...

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def utc_now() -> str:
    """Now, as the UTC ISO 8601 text stored in ``marked_at`` and events."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def busy_seconds() -> float:
    """How long a writer waits for another one to finish: ``GONGKAI_BUSY_TIMEOUT`` seconds, else 10."""
    raw = os.environ.get(BUSY_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= MAX_BUSY_SECONDS:  # also refuses nan and inf
        raise UsageError(f"环境变量 {BUSY_ENV} 应为 0 到 {MAX_BUSY_SECONDS} 之间的秒数，而不是 {raw!r}")
    return seconds


def same_mark(ours: Mark, theirs: Mark) -> bool:
    """Whether an imported mark says what ours says (when it was marked does not count)."""
    return (ours.done_on, ours.note, ours.by) == (theirs.done_on, theirs.note, theirs.by)


# ---------------------------------------------------------------------------------------------
# Export and import (JSON), to back up, move or merge marks between machines and backends

EXPORT_FORMAT = "gongkai-marks"
EXPORT_VERSION = 1


def mark_record(mark: Mark) -> dict[str, object]:
    return {
        "plan": mark.plan,
        "task_id": mark.task_id,
        "unit": mark.unit,
        "done_on": mark.done_on.isoformat(),
        "note": mark.note,
        "by": mark.by,
        "marked_at": mark.marked_at,
    }


def export_document(marks: Iterable[Mark]) -> dict[str, object]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_now(),
        "marks": [mark_record(m) for m in marks],
    }


def parse_export(text: str, where: str) -> list[Mark]:
    """An export file -> marks, or a UsageError naming the first problem and its place."""
    import json  # here, not at the top: only `marks import` pays for it

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}:{exc.lineno}: 不是有效的 JSON（{exc.msg}）") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UsageError(f'{where}: 不是 gongkai 导出的完成记录（缺少 "format": "{EXPORT_FORMAT}"）')
    version = doc.get("version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise UsageError(f"{where}: 导出文件的版本 {version!r} 不受支持（本程序支持 {EXPORT_VERSION}）")
    records = doc.get("marks")
    if not isinstance(records, list):
        raise UsageError(f'{where}: "marks" 应是一个列表')
    marks: list[Mark] = []
    for i, rec in enumerate(records, 1):
        try:
            marks.append(_mark_from_record(rec))
        except (TypeError, ValueError, KeyError) as exc:
            raise UsageError(f"{where}: 第 {i} 条记录无效（{exc}）") from None
    return marks


def _mark_from_record(rec: object) -> Mark:
    if not isinstance(rec, dict):
        raise TypeError("应是一个对象")
    for key in ("plan", "unit", "by", "marked_at", "done_on"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            raise ValueError(f"字段 {key} 应是非空文本")
    task_id = rec.get("task_id")
    if not isinstance(task_id, int) or isinstance(task_id, bool) or task_id <= 0:
        raise ValueError("字段 task_id 应是正整数")
    note = rec.get("note")
    if note is not None and not isinstance(note, str):
        raise ValueError("字段 note 应是文本或 null")
    done_on = _iso_date(rec["done_on"])
    if done_on is None:
        raise ValueError(f"done_on 不是 YYYY-MM-DD 日期：{rec['done_on']!r}")
    return Mark(rec["plan"], task_id, rec["unit"], done_on, note, rec["by"], rec["marked_at"])


def _iso_date(text: str) -> dt.date | None:
    """YYYY-MM-DD only (Python 3.11's fromisoformat also takes 20231120 and 2023-W47-1)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
