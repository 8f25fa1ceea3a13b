"""A cache of validated plans: JSON data keyed by the plan file's content, in a private directory.

Parsing and validating the YAML would cost every command 16 ms for the 2023 plan (PyYAML's import
included; a quarter of the whole start) and 520 ms at 10,000 rows; reading the same plan back from
JSON costs 2 ms and 38 ms (bench/README.md). So a plan that validated before is read from JSON.
JSON holds data only: nothing in an entry can run code, unlike the pickle of gongkai 1.0.

- The key is a BLAKE2b digest of the file's bytes with gongkai's version, the format version and
  this cache's own version: any edit, upgrade or format change misses, and a miss parses the file.
- The directory is ``GONGKAI_CACHE`` (``off`` turns the cache off), else the user's cache directory.
  It is created 0700, and neither read nor written unless it is owned by the user and not writable
  by group or others; an entry is read only when it is a regular file owned by the user, not
  writable by others, and of exactly the shape written below. Anything else is ignored, silently:
  the cache only ever saves time. POSIX only (elsewhere there are no owners to check): no cache.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import Deadline, Group, Part, Plan, PlanMeta, Section, Task, Unit
from . import MAX_BYTES, SCHEMA_VERSION

CACHE_ENV = "GONGKAI_CACHE"  # a directory, or "off"
KEEP = 32  # entries kept; older ones are removed when a new one is written
FORMAT = 2  # the layout of an entry below; bumped when it or model.py changes shape
_KEYS = frozenset({"format", "key", "meta", "parts", "sections", "units", "groups", "tasks"})


def cache_dir() -> Path | None:
    """Where entries live; None when the cache is off or cannot be trusted on this system."""
    if not hasattr(os, "geteuid"):
        return None
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return None if chosen.lower() in ("off", "0", "no") else Path(chosen).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        base = home / "Library" / "Caches" / "gongkai"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "gongkai"
    return base / "plans"


def private(directory: Path) -> bool:
    """True when only this user can put files in ``directory``."""
    try:
        st = os.stat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def key(data: bytes) -> str:
    try:  # BLAKE2 is built into CPython; hashlib would first load OpenSSL (9 ms on every start)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import blake2b
    digest = blake2b(data, digest_size=32)
    digest.update(f"\0gongkai {__version__} schema {SCHEMA_VERSION} cache {FORMAT}".encode())
    return digest.hexdigest()


def get(data: bytes, path: str) -> Plan | None:
    """The plan cached for a file with these bytes, read from ``path``; None on any doubt."""
    directory = cache_dir()
    if directory is None or not private(directory):
        return None
    name = key(data)
    raw = _read_entry(directory / f"{name}.json")
    if raw is None:
        return None
    import json

    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return entry_plan(doc, name, path)


def _read_entry(entry: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # no FIFO hang
    try:
        fd = os.open(entry, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return None
        if st.st_size > 2 * MAX_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(2 * MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def put(data: bytes, plan: Plan) -> None:
    """Remember a validated plan; a directory that cannot be made private is left alone."""
    directory = cache_dir()
    if directory is None:
        return
    import json
    import tempfile

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return  # a read-only home: run without the cache
    if not private(directory):
        return
    name = key(data)
    text = json.dumps(entry_doc(plan, name), ensure_ascii=False, separators=(",", ":"))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".plan-", suffix=".tmp")  # created 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, directory / f"{name}.json")
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return
    _prune(directory)


def _prune(directory: Path) -> None:
    try:
        entries = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# An entry: the plan's fields as JSON arrays, in model.py's field order


def entry_doc(plan: Plan, name: str) -> dict[str, Any]:
    """The JSON document for a plan (``path`` is not part of it: the same bytes can live anywhere)."""
    m = plan.meta
    return {
        "format": FORMAT,
        "key": name,
        "meta": [
            m.title,
            m.doc_number,
            m.issuer,
            _iso(m.issued),
            m.year,
            m.timezone,
            m.notice_title,
            m.source,
        ],
        "parts": [[p.number, p.title] for p in plan.parts],
        "sections": [[s.number, s.part, s.title] for s in plan.sections],
        "units": [[u.name, u.kind, list(u.aliases), u.full_name, u.note] for u in plan.units],
        "groups": [
            [g.name, list(g.members), g.open, list(g.within), list(g.aliases), g.note] for g in plan.groups
        ],
        "tasks": [
            [
                t.id,
                t.section,
                t.part,
                list(t.units),
                t.requirement,
                t.deadline.text,
                _iso(t.deadline.date),
                t.line,
                list(t.lead),
                t.topic,
            ]
            for t in plan.tasks
        ],
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class _Malformed(Exception):
    """The entry is not exactly what put() writes."""


def entry_plan(doc: Any, name: str, path: str) -> Plan | None:
    """The plan in a JSON document, or None unless every value has exactly the type put() wrote.

    The shape is checked strictly, so no code downstream meets a wrong type; the meaning was checked
    when the plan validated, and only this user could have written the entry.
    """
    if type(doc) is not dict or doc.keys() != _KEYS:
        return None
    if type(doc["format"]) is not int or doc["format"] != FORMAT or doc["key"] != name:
        return None
    try:
        return Plan(
            meta=_meta(doc["meta"]),
            parts=tuple(Part(*_row(r, (int, str))) for r in _list(doc["parts"])),
            sections=tuple(Section(*_row(r, (int, int, str))) for r in _list(doc["sections"])),
            tasks=_tasks(_list(doc["tasks"])),
            units=tuple(_unit(r) for r in _list(doc["units"])),
            groups=tuple(_group(r) for r in _list(doc["groups"])),
            path=path,
        )
    except _Malformed:
        return None


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Malformed
    return value


def _row(value: Any, types: tuple[type, ...]) -> list[Any]:
    """A list of exactly these types (``type() is``, so a bool is not an int)."""
    if type(value) is not list or len(value) != len(types):
        raise _Malformed
    for item, kind in zip(value, types, strict=True):
        if type(item) is not kind:
            raise _Malformed
    return value


def _names(value: Any) -> tuple[str, ...]:
    for item in _list(value):
        if type(item) is not str:
            raise _Malformed
    return tuple(value)


_DATES: dict[str, dt.date] = {}


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _Malformed
    day = _DATES.get(value)
    if day is None:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise _Malformed from None
        if day.isoformat() != value:
            raise _Malformed
        _DATES[value] = day
    return day


def _meta(value: Any) -> PlanMeta:
    if type(value) is not list or len(value) != 8:
        raise _Malformed
    issued = _date(value[3])
    title, doc_number, issuer, year, tz, notice, source = _row(
        [*value[:3], *value[4:]], (str, str, str, int, str, str, str)
    )
    return PlanMeta(title, doc_number, issuer, issued, year, tz, notice, source)


def _unit(value: Any) -> Unit:
    name, kind, aliases, full_name, note = _row(value, (str, str, list, str, str))
    return Unit(name, kind, _names(aliases), full_name, note)


def _group(value: Any) -> Group:
    name, members, is_open, within, aliases, note = _row(value, (str, list, bool, list, list, str))
    return Group(name, _names(members), is_open, _names(within), _names(aliases), note)


def _tasks(rows: list[Any]) -> tuple[Task, ...]:
    # Written out rather than through _row: a plan can have tens of thousands of rows.
    tasks = []
    for row in rows:
        if type(row) is not list or len(row) != 10:
            raise _Malformed
        task_id, section, part, units, requirement, text, due, line, lead, topic = row
        if (
            type(task_id) is not int
            or type(section) is not int
            or type(part) is not int
            or type(requirement) is not str
            or type(text) is not str
            or type(line) is not int
            or type(topic) is not str
        ):
            raise _Malformed
        tasks.append(
            Task(
                task_id,
                section,
                part,
                _names(units),
                requirement,
                Deadline(text, _date(due)),
                line,
                _names(lead),
                topic,
            )
        )
    return tuple(tasks)
