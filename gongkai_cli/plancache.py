"""A cache of parsed plans, keyed by the plan file's content.

Parsing and validating the YAML costs tens of milliseconds (and the YAML import itself), paid on
every command; a plan that has not changed since it last validated is loaded from a pickle instead.
The key is a BLAKE2b digest of the file's bytes with gongkai's version, the format version and the
layout of the pickled classes, so any edit, upgrade or format change misses. A cache that cannot be
read or written is simply not used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .model import Plan

CACHE_ENV = "GONGKAI_CACHE"  # a directory, or "off"
KEEP = 32  # cached plans kept; older ones are removed when a new one is written
LAYOUT = 2  # the pickled classes' layout; bumped when model.py changes shape


def cache_dir() -> Path | None:
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return None if chosen.lower() in ("off", "0", "no") else Path(chosen).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "gongkai" / "cache"
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches" / "gongkai"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "gongkai"
    return base / "plans"


def _key(data: bytes) -> str:
    from .planfile import SCHEMA_VERSION

    try:  # BLAKE2 is built into CPython; hashlib would first load OpenSSL (9 ms on every start)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import blake2b
    digest = blake2b(data, digest_size=32)
    digest.update(f"\0gongkai {__version__} schema {SCHEMA_VERSION} layout {LAYOUT}".encode())
    return digest.hexdigest()


def _load(fh: Any) -> Any:
    try:  # the C unpickler alone: pickle.py's import costs three times as much
        from _pickle import load
    except ImportError:  # pragma: no cover - other Pythons
        from pickle import load
    return load(fh)


def get(data: bytes, path: Path) -> Plan | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / f"{_key(data)}.pickle", "rb") as fh:
            plan = _load(fh)
    except Exception:  # missing, truncated, from another Python: parse instead
        return None
    if not isinstance(plan, Plan):
        return None
    return plan.at(str(path))


def put(data: bytes, plan: Plan) -> None:
    directory = cache_dir()
    if directory is None:
        return
    import pickle
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".plan-", suffix=".tmp")
    except OSError:
        return  # a read-only home: run without the cache
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / f"{_key(data)}.pickle")
        _prune(directory)
    except Exception:
        Path(tmp).unlink(missing_ok=True)


def _prune(directory: Path) -> None:
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
