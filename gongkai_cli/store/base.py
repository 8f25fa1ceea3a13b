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
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, NamedTuple, Protocol, TypeVar

from ..errors import SourceError, UsageError, os_reason
from ..model import Completions, Event, Mark

_S = TypeVar("_S", bound="Store")

# What happened to one (task, unit) pair in a write: a new mark, an amendment, nothing new, or
# nothing to amend (the pair is not marked).
DONE, AMEND, SAME, MISSING = "done", "amend", "same", "missing"
# How a conflicting import is decided: keep ours, take theirs, or whichever version is newer.
PREFER_VALUES = ("mine", "theirs", "newer")
NOTE_SEPARATOR = "；"  # between pieces of evidence added one after another (gongkai note)


class MarkChange(NamedTuple):
    """What one ``done`` or ``note`` asks of one (task, unit) pair.

    A pair not marked yet becomes a mark dated ``new_on`` (when None, there is nothing to create it
    from: the outcome is MISSING). A marked pair is amended: ``done_on`` (when given) replaces its
    date; ``note`` (when given) replaces its evidence, or is added to it when ``append``.
    """

    plan: str
    task_id: int
    unit: str
    by: str
    at: str  # UTC ISO 8601, as utc_now() gives it
    new_on: dt.date | None
    done_on: dt.date | None = None
    note: str | None = None
    append: bool = False
    claimed_under: str | None = None


class MarkOutcome(NamedTuple):
    action: str  # DONE, AMEND, SAME or MISSING
    before: Mark | None  # the mark as it was (None: there was none)
    after: Mark | None  # the mark as it is now (None: MISSING)


class MergeResult(NamedTuple):
    """What importing marks did: added, identical already, and the conflicts (ours, theirs), split
    into those left for a person (no --prefer), kept as ours, and replaced by theirs."""

    added: list[Mark]
    same: list[Mark]
    conflicts: list[tuple[Mark, Mark]]
    kept: list[tuple[Mark, Mark]]
    replaced: list[tuple[Mark, Mark]]


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

    def plan_completions(self, plan_identity: str) -> Completions:
        """Every mark of the plan as the day its part was finished, and the claims among them:
        all that status and the reports count. Without the evidence and who, and without an
        object per mark, a fraction of ``plan_marks``' cost at 100,000 marks."""
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

    def apply_changes(self, changes: Iterable[MarkChange]) -> list[MarkOutcome]:
        """Mark or amend pairs, one outcome per change, in one transaction; decide each with
        ``outcome_of``. New marks get a "done" event, amendments an "amend" event carrying the old
        and the new date and evidence. When any outcome is MISSING, nothing is written."""
        ...

    def merge_marks(self, marks: Iterable[Mark], prefer: str | None) -> MergeResult:
        """``import_marks`` with a way to decide conflicts (``merge_choice``): None leaves them as
        they are, unrecorded; "mine" keeps ours and records theirs in a "keep" event (once: not
        again while the last event of the pair already records the same); "theirs" and "newer"
        (when theirs won) replace ours with theirs in an "amend" event. Events of a decision carry
        ``choice``; all events of an import have source "import"."""
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


def completions_of(marks: Mapping[tuple[int, str], Mark]) -> Completions:
    """What ``plan_completions`` gives, from marks already read whole (``plan_marks``)."""
    return Completions(
        {key: mark.done_on for key, mark in marks.items()},
        [(m.task_id, m.claimed_under, m.done_on) for m in marks.values() if m.claimed_under],
    )


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


def joined_note(evidence: str | None, added: str) -> str:
    """Evidence with one more piece at the end (a piece already there is not added twice)."""
    if not evidence:
        return added
    if added in evidence.split(NOTE_SEPARATOR):
        return evidence
    return f"{evidence}{NOTE_SEPARATOR}{added}"


def outcome_of(existing: Mark | None, change: MarkChange) -> MarkOutcome:
    """What ``change`` does to the pair's mark (``existing``): the rule every backend applies."""
    if existing is None:
        if change.new_on is None:
            return MarkOutcome(MISSING, None, None)
        mark = Mark(
            change.plan, change.task_id, change.unit, change.new_on, change.note, change.by, change.at,
            change.claimed_under,
        )  # fmt: skip
        return MarkOutcome(DONE, None, mark)
    done_on = change.done_on or existing.done_on
    note = existing.note
    if change.note is not None:
        note = joined_note(existing.note, change.note) if change.append else change.note
    if (done_on, note) == (existing.done_on, existing.note):
        return MarkOutcome(SAME, existing, existing)
    after = existing._replace(done_on=done_on, note=note, changed_at=change.at, changed_by=change.by)
    return MarkOutcome(AMEND, existing, after)


def merge_choice(ours: Mark, theirs: Mark, prefer: str | None) -> str | None:
    """Whose version of a conflicting pair stays: "mine", "theirs", or None (left undecided)."""
    if prefer is None:
        return None
    if prefer == "newer":
        return "theirs" if _instant(theirs.version_at) > _instant(ours.version_at) else "mine"
    if prefer not in ("mine", "theirs"):
        raise ValueError(prefer)
    return prefer


def _instant(stamp: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def taken_over(ours: Mark, theirs: Mark) -> Mark:
    """Our pair's mark once theirs wins: their date, evidence, marker and times."""
    return theirs._replace(claimed_under=theirs.claimed_under or ours.claimed_under)


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
        "claimed_under": mark.claimed_under,
        "changed_at": mark.changed_at,
        "changed_by": mark.changed_by,
    }


def export_document(marks: Iterable[Mark]) -> dict[str, object]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utc_now(),
        "marks": [mark_record(m) for m in marks],
    }


# The first bytes of files people give by mistake instead of an export, and what they are.
_SIGNATURES = (
    (b"PK\x03\x04", "Excel（.xlsx）、Word（.docx）或其他压缩文件"),
    (b"\xd0\xcf\x11\xe0", "Excel 97-2003（.xls）或 Word 97-2003（.doc）文件"),
    (b"%PDF", "PDF 文件"),
    (b"SQLite format 3\x00", "SQLite 数据库（可能是状态文件本身）"),
)
_NOT_AN_EXPORT = "不是 gongkai marks export 导出的 JSON 文件"


# An export of 100,000 marks (a 10,000-row plan, 200 units) is about 20 MB; anything far beyond
# that is refused before it is parsed, so memory stays bounded (JSON parsing takes ~8x the text).
EXPORT_MAX_BYTES = 64 * 2**20
# Within the size cap JSON can still be absurdly dense: 63 MB of ``{},`` parse into 21 million dicts
# (1.6 GB). An export has one ``{`` per mark and ten ``,`` (a 64 MB export ~300,000 and ~3 million);
# far more than these is refused by counting bytes, before anything is parsed.
EXPORT_MAX_OBJECTS = 1_000_000  # { and [
EXPORT_MAX_COMMAS = 8_000_000


def read_export(path: str | os.PathLike[str], today: dt.date | None = None) -> list[Mark]:
    """The marks of an export file, or a SourceError (exit 7) saying in Chinese what is wrong with
    the file: missing, a directory, unreadable, a spreadsheet or other binary, not UTF-8, not JSON,
    not an export, or a record ``done`` would refuse (see ``parse_export``)."""
    from ..inputs import NotRegularFileError, open_regular

    where = os.fspath(path)
    try:
        with open_regular(where) as fh:  # a FIFO or a device is refused, never waited on
            data = fh.read(EXPORT_MAX_BYTES + 1)
    except NotRegularFileError:
        raise SourceError(f"{where} 不是普通文件（是管道、设备或套接字），{_NOT_AN_EXPORT}") from None
    except FileNotFoundError:
        raise SourceError(f"找不到要导入的文件：{where}") from None
    except IsADirectoryError:
        raise SourceError(f"{where} 是一个目录，{_NOT_AN_EXPORT}") from None
    except OSError as exc:
        if os.path.isdir(path):  # Windows says "permission denied" for a directory
            raise SourceError(f"{where} 是一个目录，{_NOT_AN_EXPORT}") from None
        raise SourceError(f"无法读取要导入的文件 {where}：{os_reason(exc)}") from None
    if len(data) > EXPORT_MAX_BYTES:
        raise SourceError(
            f"{where} 超过 {EXPORT_MAX_BYTES // 2**20} MB，不像是 gongkai marks export 导出的文件"
            "（一个区全年的完成记录约 20 MB）"
        )
    if not data.strip():
        raise SourceError(f"{where} 是空文件，{_NOT_AN_EXPORT}")
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise SourceError(f"{where} 是 {what}，{_NOT_AN_EXPORT}（先用 gongkai marks export 导出）")
    if data.count(b"{") + data.count(b"[") > EXPORT_MAX_OBJECTS or data.count(b",") > EXPORT_MAX_COMMAS:
        raise SourceError(
            f"{where} 含有过多的 JSON 对象、列表或值（超过 {EXPORT_MAX_OBJECTS:,} 个对象和列表或 "
            f"{EXPORT_MAX_COMMAS:,} 个逗号），不像是 gongkai marks export 导出的文件"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{where} 不是 UTF-8 编码的文本，{_NOT_AN_EXPORT}") from None
    return parse_export(text, where, today)


# No number in an export needs more digits than a 64-bit integer (task ids, the version).
_MAX_DIGITS = 20


class _TooManyDigits(Exception):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _TooManyDigits
    return int(text)


def parse_export(text: str, where: str, today: dt.date | None = None) -> list[Mark]:
    """An export file's text -> marks, or a SourceError naming the first problem and its place.

    A record is refused as ``gongkai done`` would refuse it: ``done_on`` must be a YYYY-MM-DD date,
    not after ``today`` (when given: the plan's today), and ``marked_at`` / ``changed_at`` UTC ISO
    8601 times not in the future (a day of clock difference aside). A leading UTF-8 BOM is ignored.
    """
    import json  # here, not at the top: only `marks import` pays for it

    try:
        doc = json.loads(text.removeprefix("\ufeff"), parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{where}:{exc.lineno}: 不是有效的 JSON（第 {exc.colno} 列），{_NOT_AN_EXPORT}"
        ) from None
    except (_TooManyDigits, ValueError):  # ValueError: Python's own digit limit, in case
        raise SourceError(f"{where}: 有超过 {_MAX_DIGITS} 位的整数，{_NOT_AN_EXPORT}") from None
    except RecursionError:
        raise SourceError(f"{where}: JSON 嵌套层数过深，{_NOT_AN_EXPORT}") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise SourceError(f'{where}: 不是 gongkai 导出的完成记录（缺少 "format": "{EXPORT_FORMAT}"）')
    version = doc.get("version")
    if type(version) is not int or not 1 <= version <= EXPORT_VERSION:
        shown = json.dumps(version, ensure_ascii=False)[:40]
        raise SourceError(f"{where}: 导出文件的版本 {shown} 不受支持（本程序支持 {EXPORT_VERSION}）")
    records = doc.get("marks")
    if not isinstance(records, list):
        raise SourceError(f'{where}: "marks" 应是一个列表')
    marks: list[Mark] = []
    latest = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    for i, rec in enumerate(records, 1):
        try:
            marks.append(_mark_from_record(rec, today, latest))
        except (TypeError, ValueError, KeyError) as exc:
            raise SourceError(f"{where}: 第 {i} 条记录无效（{exc}）") from None
    return marks


_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}[0-9:.+\-Z]*")


def _moment(rec: dict[str, Any], key: str, latest: dt.datetime) -> None:
    """``rec[key]`` must be an ISO 8601 time (as ``utc_now`` writes) no later than ``latest``."""
    value = rec.get(key)
    if value is None and key != "marked_at":
        return
    moment = None
    if isinstance(value, str) and _TIME.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(f"{key} 不是 ISO 8601 时间（如 2023-11-20T08:00:00+00:00）")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    if moment > latest:
        raise ValueError(f"{key} {value} 晚于现在")


def _mark_from_record(rec: object, today: dt.date | None = None, latest: dt.datetime | None = None) -> Mark:
    if not isinstance(rec, dict):
        raise TypeError("应是一个对象")
    for key in ("plan", "unit", "by", "marked_at", "done_on"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            raise ValueError(f"字段 {key} 应是非空文本")
    task_id = rec.get("task_id")
    if not isinstance(task_id, int) or isinstance(task_id, bool) or task_id <= 0:
        raise ValueError("字段 task_id 应是正整数")
    # note, and the keys added later (claimed_under, changed_at, changed_by): text or null/absent,
    # so that exports written before they existed still import.
    optional: dict[str, str | None] = {}
    for key in ("note", "claimed_under", "changed_at", "changed_by"):
        value = rec.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"字段 {key} 应是文本或 null")
        optional[key] = value
    done_on = _iso_date(rec["done_on"])
    if done_on is None:
        raise ValueError(f"done_on 不是 YYYY-MM-DD 日期：{rec['done_on'][:40]!r}")
    if today is not None and done_on > today:
        raise ValueError(f"完成日期 done_on {done_on.isoformat()} 晚于今天（{today.isoformat()}）")
    latest = latest or dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    _moment(rec, "marked_at", latest)
    _moment(rec, "changed_at", latest)
    return Mark(
        rec["plan"], task_id, rec["unit"], done_on, optional["note"], rec["by"], rec["marked_at"],
        optional["claimed_under"], optional["changed_at"], optional["changed_by"],
    )  # fmt: skip


def _iso_date(text: str) -> dt.date | None:
    """YYYY-MM-DD only (Python 3.11's fromisoformat also takes 20231120 and 2023-W47-1)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
