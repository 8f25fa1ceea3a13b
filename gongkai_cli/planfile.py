"""Finding and loading the plan file: the part of every command that must stay cheap.

A plan that validated before comes from the cache (plancache.py) without importing the YAML
reader and validator (plan.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import PlanError
from .model import Plan

SCHEMA_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024
PLAN_ENV = "GONGKAI_PLAN"


def default_plan_path() -> Path:
    """The 2023 任城区 table shipped inside the package."""
    return Path(__file__).parent / "data" / "tasks.yaml"


def plan_path(option: str | None) -> Path:
    """``--plan``, else ``GONGKAI_PLAN``, else the shipped 2023 table."""
    chosen = option or os.environ.get(PLAN_ENV)
    return Path(chosen).expanduser() if chosen else default_plan_path()


def read_bytes(path: Path) -> bytes:
    """The plan file's bytes, or a PlanError that says why the file cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(f"找不到计划文件：{path}") from None
    except IsADirectoryError:
        raise PlanError(f"计划文件路径是一个目录：{path}") from None
    except PermissionError:
        raise PlanError(f"没有权限读取计划文件：{path}") from None
    except OSError as exc:
        raise PlanError(f"无法读取计划文件 {path}：{exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise PlanError(f"{path}: 计划文件超过 {MAX_BYTES // (1024 * 1024)} MB，不像是一张分解表")
    return data


def load_plan(path: Path) -> Plan:
    """A valid plan, or a PlanError naming the first problem and how many there are.

    A plan that was valid before is taken from the cache, keyed by the file's content.
    """
    from . import plancache

    data = read_bytes(path)
    cached = plancache.get(data, path)
    if cached is not None:
        return cached
    from .plan import check_plan  # the parser and validator, only when the cache misses

    plan, problems = check_plan(path, data)
    if problems or plan is None:
        first = problems[0].render(str(path)) if problems else f"{path}: 无效的计划文件"
        more = f"（共 {len(problems)} 个问题，运行 gongkai validate 查看全部）" if len(problems) > 1 else ""
        raise PlanError(first + more)
    plancache.put(data, plan)
    return plan
