"""Plans installed by name: ``<plans_dir>/<name>.yaml``, so ``--plan 2024`` or ``--plan 2024-济任政办字12号``
finds a year's table, and a new year's table becomes the default once it is installed.

- The directory is ``GONGKAI_PLANS``, else ``plans`` in the user's data directory, beside the state
  file's default place (``plans_dir``). It is created 0700; plan files are created through the umask,
  like any file the user saves. Only ``*.yaml`` files not starting with a dot are plans.
- A plan is installed only after it validated, and never over another unless asked to (``replace``).
  A file given by path is copied byte for byte (its comments stay); a Plan or a mapping is written
  with ``dump_plan``. The cache is filled on the way, so the first command using it is quick.
- The default plan is the newest installed one: by year, then by install time (the file's mtime).
  Its year is read from the top of each file (a regular expression over the ``plan:`` block that
  ``dump_plan`` and data/tasks.yaml write), and only when that fails from the validated plan; a file
  whose year cannot be found at all is not a candidate, and ``gongkai plans`` lists it as broken.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import GongkaiError, OutputError, PlanError, UsageError
from ..model import Plan
from . import BUILTIN, check_plan, default_plan_path, load_plan, plans_dir

BUILTIN_NAMES = frozenset({BUILTIN, "builtin", "built-in"})
NAME_MAX = 64
# Patterns as strings, compiled (and cached by re) on first use: a start with installed plans
# only reads years, and compiling every pattern at import would cost it a millisecond or two.
_NAME = r"\w[\w-]*"  # letters (Chinese included), digits, _ and -: a safe file name
_YEAR = r"(\d{4})年?"
# `  year: 2024` in the plan block: the first indented `year:` line (the tasks never carry one).
_YEAR_LINE = r"""(?m)^[ \t]+year:[ \t]*["']?(\d{4})["']?[ \t]*(?:#.*)?$"""
_HEAD = 65536  # bytes read to find the year: the plan block comes first in every file we write
_DOC_NUMBER = r"(.+?)\s*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*第?\s*(\d+)\s*号"


class InstalledPlan(NamedTuple):
    """One installed plan as ``gongkai plans`` lists it. ``problem`` is set when the file is broken
    (the other fields that could not be read are None)."""

    name: str
    path: Path
    title: str | None
    year: int | None
    doc_number: str | None
    issuer: str | None
    rows: int | None
    installed_at: dt.datetime | None  # the file's mtime (UTC): when it was installed or replaced
    problem: str | None = None

    @property
    def broken(self) -> bool:
        return self.problem is not None


def plan_files(directory: Path | None = None) -> list[Path]:
    """The installed plan files, by name; none when the directory does not exist."""
    directory = plans_dir() if directory is None else directory
    try:
        with os.scandir(directory) as entries:
            found = [
                Path(e.path)
                for e in entries
                if e.name.endswith(".yaml") and not e.name.startswith(".") and _is_file(e)
            ]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name)


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def describe(path: Path) -> InstalledPlan:
    """What ``gongkai plans`` shows for one file; a file that does not load is listed as broken."""
    mtime = _mtime(path)
    when = dt.datetime.fromtimestamp(mtime, dt.timezone.utc) if mtime else None
    try:
        plan = load_plan(path)
    except (GongkaiError, OSError, ValueError, RecursionError) as exc:
        message = str(exc) if isinstance(exc, GongkaiError) else f"{path}: 无法读取（{exc}）"
        return InstalledPlan(path.stem, path, None, None, None, None, None, when, message)
    m = plan.meta
    return InstalledPlan(path.stem, path, m.title, m.year, m.doc_number, m.issuer, len(plan.tasks), when)


def builtin_plan() -> InstalledPlan:
    """The plan shipped with gongkai, as ``gongkai plans`` lists it (named 内置)."""
    return describe(default_plan_path())._replace(name=BUILTIN, installed_at=None)


def installed_plans() -> list[InstalledPlan]:
    """Every installed plan, newest first (by year, then install time); broken files last."""
    found = [describe(p) for p in plan_files()]
    return sorted(
        found,
        key=lambda e: (
            e.broken,
            -(e.year or 0),
            -(e.installed_at.timestamp() if e.installed_at else 0),
            e.name,
        ),
    )


# ---------------------------------------------------------------------------------------------
# Which file a --plan value, or no value at all, means


def year_of(path: Path) -> int | None:
    """The plan's year, read from the top of the file; from the validated plan when the top does not
    say; None when the file is not a plan."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD).decode("utf-8", "replace")
    except OSError:
        return None
    m = re.search(_YEAR_LINE, head)
    if m:
        return int(m.group(1))
    try:
        return load_plan(path).meta.year
    except (GongkaiError, OSError, ValueError, RecursionError):
        return None


def _newest(paths: list[Path], year: int | None = None) -> Path | None:
    """The newest of ``paths`` (by year, then install time, then name), of ``year`` if given."""
    best: tuple[int, float, str] | None = None
    chosen = None
    for path in paths:
        found = year_of(path)
        if found is None or (year is not None and found != year):
            continue
        key = (found, _mtime(path), path.name)
        if best is None or key > best:
            best, chosen = key, path
    return chosen


def default_installed() -> Path | None:
    """The plan used without ``--plan``: the newest installed one, or None when there is none."""
    return _newest(plan_files())


def resolve_plan(value: str) -> Path:
    """The plan file ``value`` means: a path to a file; an installed plan's name; a year (the newest
    installed plan of that year, else the built-in plan when it is of that year); or 内置.
    PlanError (exit 3) when it is none of them."""
    text = value.strip()
    path = Path(text).expanduser()
    if path.suffix in (".yaml", ".yml") or os.sep in text or "/" in text or path.exists():
        return path
    if text.casefold() in BUILTIN_NAMES:
        return default_plan_path()
    files = plan_files()
    for candidate in files:
        if candidate.stem == text:
            return candidate
    for candidate in files:
        if candidate.stem.casefold() == text.casefold():
            return candidate
    m = re.fullmatch(_YEAR, text)
    if m:
        year = int(m.group(1))
        found = _newest(files, year)
        if found is not None:
            return found
        if year_of(default_plan_path()) == year:
            return default_plan_path()
    raise PlanError(f"找不到计划“{text}”：{_not_found_hint(files)}")


def _not_found_hint(files: list[Path], what: str = "不是计划文件，也不是已安装计划的名称或年份") -> str:
    if not files:
        return f"{what}（还没有安装计划；gongkai plans install FILE 安装）"
    names = "、".join(p.stem for p in files[:8]) + ("……" if len(files) > 8 else "")
    return f"{what}（已安装：{names}；gongkai plans 列出全部）"


# ---------------------------------------------------------------------------------------------
# Installing and removing


def check_name(name: str) -> str:
    """A plan name that is a safe file name and cannot be taken for a year or a path; UsageError
    (exit 2) otherwise."""
    text = name.strip()
    if (
        not re.fullmatch(_NAME, text)
        or len(text) > NAME_MAX
        or re.fullmatch(_YEAR, text)
        or text.isdigit()
        or text.casefold() in BUILTIN_NAMES
    ):
        raise UsageError(
            f"计划名称无效：{name!r}（只能用汉字、字母、数字、- 和 _，不以 - 开头，"
            f"不超过 {NAME_MAX} 个字符，不能是纯数字或“{BUILTIN}”）"
        )
    return text


def default_name(plan: Plan) -> str:
    """``2024-济任政办字12号``: the year, and the 文号 without its year (else the issuer)."""
    m = plan.meta
    found = re.match(_DOC_NUMBER, m.doc_number.strip())
    core = f"{found.group(1)}{found.group(2)}号" if found else m.doc_number or m.issuer
    safe = re.sub(r"[^\w-]+", "", core).strip("-_")
    name = f"{m.year}-{safe}" if safe else f"{m.year}-计划"
    return name[:NAME_MAX]


def _plan_and_bytes(source: Plan | Mapping[str, Any] | str | os.PathLike[str]) -> tuple[Plan, bytes]:
    """The validated plan and the bytes to install (a file's own bytes; otherwise dump_plan's)."""
    from . import read_bytes
    from .validate import plan_error

    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        data = read_bytes(path)
    else:
        from . import dump_plan, validate_plan

        plan = source if isinstance(source, Plan) else validate_plan(source)
        path = Path(plan.path or "计划")
        data = dump_plan(plan).encode("utf-8")
    plan_read, problems = check_plan(path, data)
    if plan_read is None:
        raise plan_error(problems, str(path), "，运行 gongkai validate 查看全部")
    return plan_read, data


def install_plan(
    source: Plan | Mapping[str, Any] | str | os.PathLike[str],
    name: str | None = None,
    replace: bool = False,
) -> InstalledPlan:
    """Install a plan (a file's path, a Plan, or a mapping as an importer builds it) under ``name``
    (default: ``default_name``). It is validated first (PlanError, exit 3, naming every problem);
    an installed plan of that name is replaced only with ``replace`` (UsageError, exit 2, otherwise);
    a directory that cannot be written is an OutputError (exit 6)."""
    plan, data = _plan_and_bytes(source)
    name = check_name(name) if name is not None else default_name(plan)
    directory = plans_dir()
    target = _write(directory, name, data, replace)
    from . import cache

    cache.put(data, plan)
    return describe(target)


def _write(directory: Path, name: str, data: bytes, replace: bool) -> Path:
    target = directory / f"{name}.yaml"
    if not replace and target.exists():
        raise _exists(name, target)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        # 0666 through the umask, like any file the user saves; the directory keeps others out.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise OutputError(f"无法写入计划目录 {directory}：{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target, name)
    except OSError as exc:
        raise OutputError(f"无法写入 {target}：{exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _link_new(tmp: Path, target: Path, name: str) -> None:
    """Put ``tmp`` at ``target`` unless something is there already, atomically where links exist."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise _exists(name, target) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise _exists(name, target) from None
        os.replace(tmp, target)


def _exists(name: str, target: Path) -> UsageError:
    return UsageError(f"已经安装了名为“{name}”的计划（{target}）；加 --replace 替换，或用 --name 另取名称")


def remove_plan(name: str) -> InstalledPlan:
    """Remove an installed plan by its exact name; what it was is returned. Marks are not touched:
    they stay in the state file, keyed by the plan's 文号 and year."""
    text = name.strip()
    if text.casefold() in BUILTIN_NAMES:
        raise UsageError("内置计划不能删除")
    files = plan_files()
    for path in files:
        if path.stem == text:
            entry = describe(path)
            try:
                path.unlink()
            except OSError as exc:
                raise OutputError(f"无法删除 {path}：{exc.strerror or exc}") from None
            return entry
    raise PlanError(f"找不到计划“{text}”：{_not_found_hint(files, '没有这个名称的已安装计划')}")
