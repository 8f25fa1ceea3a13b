"""Plans by name: `gongkai plans`, install, remove, and `--plan` / GONGKAI_PLAN as a name or a year,
through the installed entry point in processes of their own."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gongkai_cli.errors import EXIT_OUTPUT, EXIT_PLAN, EXIT_USAGE, PlanError, UsageError

from .helpers.common import BUILT_IN_PLAN, MINIMAL, installed_gongkai, minimal_mapping, run_python

BUILT_IN = yaml.safe_load(BUILT_IN_PLAN.read_text(encoding="utf-8"))


def plan_text(year: int, number: int, requirement: str = "做好甲事。") -> str:
    """MINIMAL with another year, 文号 and first requirement (so each plan is recognisable)."""
    return (
        MINIMAL.replace("year: 2024", f"year: {year}")
        .replace("测试〔2024〕1号", f"测试〔{year}〕{number}号")
        .replace("做好甲事。", requirement)
    )


class Gongkai:
    """The installed `gongkai` with a private state, cache and plans directory."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.plans = tmp_path / "plans"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
        self.env.update(
            GONGKAI_PLANS=str(self.plans),
            GONGKAI_STATE=str(tmp_path / "state.sqlite3"),
            GONGKAI_CACHE=str(tmp_path / "cache"),
            NO_COLOR="1",
            COLUMNS="160",
        )

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [installed_gongkai(), *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.tmp,
            env={**self.env, **env},
        )

    def ok(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        r = self(*args, **env)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        return r

    def json(self, *args: str, **env: str) -> Any:
        return json.loads(self.ok(*args, "--format", "json", **env).stdout)

    def file(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path

    def install(self, text: str, *args: str) -> subprocess.CompletedProcess[str]:
        source = self.file(f"source-{len(list(self.tmp.glob('source-*')))}.yaml", text)
        return self.ok("plans", "install", str(source), *args)


@pytest.fixture
def gk(tmp_path: Path) -> Gongkai:
    return Gongkai(tmp_path)


def one_line_error(r: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert r.returncode == code, (r.returncode, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), r.stderr
    for word in words:
        assert word in lines[0], lines[0]


def requirements(records: list[dict[str, Any]]) -> list[str]:
    return [r["requirement"] for r in records]


def test_without_installed_plans_the_built_in_plan_is_listed_and_used(gk: Gongkai) -> None:
    listed = gk.json("plans")
    meta = BUILT_IN["plan"]
    assert listed == [
        {
            "name": "内置",
            "title": meta["title"],
            "year": meta["year"],
            "doc_number": meta["doc_number"],
            "issuer": meta["issuer"],
            "rows": len(BUILT_IN["tasks"]),
            "path": listed[0]["path"],
            "builtin": True,
            "current": True,
            "installed_at": None,
            "broken": False,
            "problem": None,
        }
    ]
    assert Path(listed[0]["path"]).read_bytes() == BUILT_IN_PLAN.read_bytes()
    assert len(gk.json("tasks")) == len(BUILT_IN["tasks"])
    assert not gk.plans.exists()  # listing and reading never create the directory


def test_install_lists_the_plan_privately_and_makes_it_the_default(gk: Gongkai) -> None:
    r = gk.install(plan_text(2024, 7))
    assert "2024-测试7号" in r.stderr and r.stdout == ""
    installed = gk.plans / "2024-测试7号.yaml"
    assert installed.read_text(encoding="utf-8") == plan_text(2024, 7)  # byte for byte, comments kept
    assert stat.S_IMODE(gk.plans.stat().st_mode) == 0o700
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(installed.stat().st_mode) == 0o666 & ~umask

    listed = gk.json("plans")
    fields = ("name", "year", "doc_number", "rows", "current", "builtin")
    assert [tuple(p[f] for f in fields) for p in listed] == [
        ("2024-测试7号", 2024, "测试〔2024〕7号", 2, True, False),
        ("内置", 2023, BUILT_IN["plan"]["doc_number"], 59, False, True),
    ]
    assert listed[0]["path"] == str(installed) and listed[0]["installed_at"]
    assert requirements(gk.json("tasks")) == ["做好甲事。", "做好乙事。"]
    table = gk.ok("tasks").stdout
    assert "计划：2024-测试7号（测试〔2024〕7号）" in table.replace("\n", "")


def test_a_plan_is_found_by_name_year_or_path_and_the_built_in_by_内置_or_its_year(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 7, "二〇二四年的事。"), "--name", "任城2024")
    source = gk.file("loose.yaml", plan_text(2030, 1, "散放文件的事。"))
    for value, first in [
        ("任城2024", "二〇二四年的事。"),
        ("2024", "二〇二四年的事。"),
        ("2024年", "二〇二四年的事。"),
        (str(source), "散放文件的事。"),
        ("loose.yaml", "散放文件的事。"),  # relative to the working directory, as before
        ("内置", BUILT_IN["tasks"][0]["requirement"]),
        ("2023", BUILT_IN["tasks"][0]["requirement"]),  # no 2023 plan installed: the built-in one
    ]:
        assert gk.json("tasks", "--plan", value)[0]["requirement"] == first, value
        assert gk.json("tasks", GONGKAI_PLAN=value)[0]["requirement"] == first, value
    # --plan wins over GONGKAI_PLAN, and validate takes names too
    assert gk.json("tasks", "--plan", "内置", GONGKAI_PLAN="2024")[0]["requirement"] != "二〇二四年的事。"
    assert "没有发现问题" in gk.ok("validate", "--plan", "任城2024").stderr


def test_the_default_is_the_newest_by_year_then_by_install_time(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 1, "甲二〇二四。"))
    gk.install(plan_text(2025, 2, "乙二〇二五。"))
    gk.install(plan_text(2024, 3, "丙二〇二四，后装。"))  # installed later, but of an older year
    assert gk.json("tasks")[0]["requirement"] == "乙二〇二五。"
    assert gk.json("tasks", "--plan", "2024")[0]["requirement"] == "丙二〇二四，后装。"
    gk.install(plan_text(2025, 4, "丁二〇二五，后装。"))
    mtimes = [p.stat().st_mtime for p in (gk.plans / "2025-测试2号.yaml", gk.plans / "2025-测试4号.yaml")]
    assert mtimes[0] < mtimes[1]
    assert gk.json("tasks")[0]["requirement"] == "丁二〇二五，后装。"
    current = [p["name"] for p in gk.json("plans") if p["current"]]
    assert current == ["2025-测试4号"]
    assert [p["name"] for p in gk.json("plans")] == [
        "2025-测试4号", "2025-测试2号", "2024-测试3号", "2024-测试1号", "内置",
    ]  # fmt: skip
    # Replacing an older plan makes it the newest of its year.
    gk.install(plan_text(2025, 2, "乙二〇二五，重装。"), "--replace")
    assert gk.json("tasks")[0]["requirement"] == "乙二〇二五，重装。"
    # The reports say which plan they used.
    r = gk.ok("overdue", "--as-of", "2025-12-31")
    assert "计划：2025-测试2号（测试〔2025〕2号）" in r.stdout.replace("\n", "")


def test_broken_plan_files_are_listed_as_broken_never_a_traceback(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 1))
    (gk.plans / "坏的yaml.yaml").write_text("plan: [\n", encoding="utf-8")
    (gk.plans / "不是文本.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (gk.plans / "缺字段.yaml").write_text("schema: 1\nplan:\n  title: 缺字段\n", encoding="utf-8")
    (gk.plans / ".2024-测试9号.123.tmp").write_text(plan_text(2099, 9), encoding="utf-8")  # not a plan
    listed = gk.json("plans")
    broken = {p["name"]: p for p in listed if p["broken"]}
    assert set(broken) == {"坏的yaml", "不是文本", "缺字段"}
    for name, entry in broken.items():
        assert entry["problem"] and entry["rows"] is None and entry["path"].endswith(f"{name}.yaml")
        assert not entry["current"]
    assert [p["name"] for p in listed if not p["broken"]] == ["2024-测试1号", "内置"]
    assert [p["name"] for p in listed if p["current"]] == ["2024-测试1号"]
    table = gk.ok("plans").stdout
    assert table.count("无法使用") == 3
    assert gk.json("tasks")[0]["requirement"] == "做好甲事。"  # the broken files are not candidates


def test_a_broken_newest_plan_stops_commands_with_one_line(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 1))
    # Its year can be read, so it is the newest; but it is not a valid plan.
    (gk.plans / "2031-坏.yaml").write_text("schema: 1\nplan:\n  year: 2031\n", encoding="utf-8")
    one_line_error(gk("tasks"), EXIT_PLAN, "2031-坏.yaml")
    assert gk.json("tasks", "--plan", "2024")[0]["requirement"] == "做好甲事。"


def test_bad_names_give_one_chinese_line_and_a_documented_exit_code(gk: Gongkai) -> None:
    one_line_error(gk("tasks", "--plan", "没有这个计划"), EXIT_PLAN, "找不到计划“没有这个计划”", "还没有安装")
    one_line_error(gk("tasks", "--plan", "2099"), EXIT_PLAN, "找不到计划“2099”")
    one_line_error(gk("status", GONGKAI_PLAN="没有这个计划"), EXIT_PLAN, "找不到计划")
    gk.install(plan_text(2024, 1))
    one_line_error(gk("tasks", "--plan", "2024-测试"), EXIT_PLAN, "已安装：2024-测试1号")
    source = gk.file("p.yaml", plan_text(2024, 2))
    for name in ("a/b", "../up", "-x", "2024", "12345", "内置", "有 空格", "x" * 65, ""):
        one_line_error(gk("plans", "install", str(source), "--name", name), EXIT_USAGE, "计划名称无效")
    one_line_error(gk("plans", "install", str(source), "--name", "2024-测试1号"), EXIT_USAGE, "--replace")
    assert requirements(gk.json("tasks", "--plan", "2024-测试1号"))[0] == "做好甲事。"  # unchanged
    one_line_error(gk("plans", "remove", "没有这个计划"), EXIT_PLAN, "找不到计划")
    one_line_error(gk("plans", "remove", "内置"), EXIT_USAGE, "内置计划不能删除")
    bad = gk.file("bad.yaml", plan_text(2024, 3).replace("units: [区甲局]", "units: [区丙局]"))
    one_line_error(gk("plans", "install", str(bad)), EXIT_PLAN, "区丙局")
    assert sorted(p.name for p in gk.plans.iterdir()) == ["2024-测试1号.yaml"]


def test_an_unwritable_plans_directory_is_an_output_error(gk: Gongkai) -> None:
    source = gk.file("p.yaml", plan_text(2024, 2))
    blocker = gk.tmp / "a-file"
    blocker.write_text("", encoding="utf-8")
    r = gk("plans", "install", str(source), GONGKAI_PLANS=str(blocker / "plans"))
    one_line_error(r, EXIT_OUTPUT, "无法写入计划目录")


def test_remove_keeps_the_marks(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 1))
    gk.ok("done", "1", "--unit", "区甲局", "--date", "2024-06-01")
    r = gk.ok("plans", "remove", "2024-测试1号")
    assert "完成记录仍在状态文件中" in r.stderr
    assert [p["name"] for p in gk.json("plans")] == ["内置"]
    assert len(gk.json("tasks")) == 59
    gk.install(plan_text(2024, 1))
    assert gk.json("tasks", "--unit", "区甲局")[0]["unit_done"] is True


def test_without_gongkai_plans_they_live_beside_the_state_in_the_user_data_directory(gk: Gongkai) -> None:
    env = {k: v for k, v in gk.env.items() if k not in ("GONGKAI_PLANS", "GONGKAI_STATE")}
    env["XDG_DATA_HOME"] = str(gk.tmp / "xdg")
    gk.env = env
    gk.install(plan_text(2024, 1))
    data = gk.tmp / "xdg" / "gongkai"
    assert (data / "plans" / "2024-测试1号.yaml").is_file()
    assert stat.S_IMODE((data / "plans").stat().st_mode) == 0o700
    assert gk.ok("state", "path").stdout.strip() == str(data / "state.sqlite3")
    assert gk.json("tasks")[0]["requirement"] == "做好甲事。"


def test_an_installed_plan_is_served_from_the_cache(gk: Gongkai) -> None:
    gk.install(plan_text(2024, 1))
    code = (
        "import sys\n"
        "from gongkai_cli.plan import load_plan, plan_path\n"
        "plan = load_plan(plan_path('2024'))\n"
        "print(plan.meta.doc_number, 'yaml' in sys.modules)\n"
    )
    r = run_python(code, env=gk.env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["测试〔2024〕1号", "False"]


# -- the library, as `gongkai import … --install` calls it -------------------------------------------


def test_install_plan_takes_a_mapping_a_plan_or_a_path(tmp_path: Path) -> None:
    from gongkai_cli import load_plan, validate_plan
    from gongkai_cli.plan import plans_dir
    from gongkai_cli.plan.installed import install_plan, installed_plans, resolve_plan

    mapping = minimal_mapping()
    entry = install_plan(mapping)
    assert (entry.name, entry.year, entry.rows, entry.broken) == ("2024-测试1号", 2024, 2, False)
    assert entry.path == plans_dir() / "2024-测试1号.yaml"
    assert load_plan(entry.path) == validate_plan(minimal_mapping())
    assert resolve_plan("2024") == entry.path

    plan = validate_plan(minimal_mapping())
    second = install_plan(plan, name="第二份")
    assert load_plan(second.path) == plan
    with pytest.raises(UsageError, match="--replace"):
        install_plan(plan, name="第二份")
    assert install_plan(plan, name="第二份", replace=True).name == "第二份"

    source = tmp_path / "source.yaml"
    source.write_text(plan_text(2026, 5), encoding="utf-8")
    third = install_plan(source)
    assert third.name == "2026-测试5号" and third.path.read_text(encoding="utf-8") == plan_text(2026, 5)
    assert [e.name for e in installed_plans()] == ["2026-测试5号", "第二份", "2024-测试1号"]

    broken = minimal_mapping()
    broken["tasks"][0]["units"] = ["区丙局"]
    broken["tasks"][1]["section"] = 9
    with pytest.raises(PlanError) as caught:
        install_plan(broken, name="坏的")
    assert len(caught.value.problems) == 2
    assert not (plans_dir() / "坏的.yaml").exists()
