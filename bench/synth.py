"""Write a synthetic plan (same YAML format as data/tasks.yaml) and a state file.

    python bench/synth.py --tasks 10000 --units 200 --marks 100000 --out /tmp/gk-10k

Then: GONGKAI_PLAN=/tmp/gk-10k/plan.yaml GONGKAI_STATE=/tmp/gk-10k/state.sqlite3 gongkai status

Text lengths, the mix of named units and group phrases, and deadlines follow the real 2023 table:
requirements are stitched from its clauses (40 to 250 characters), a row names 1 to 6 units, and
about 40% of rows are given to 区政府各部门单位 / 各镇(街道) as in the real table.

Like run.py it only drives the installed ``gongkai`` command, never the package's modules: the real
table's clauses come from ``gongkai tasks -f json``, the (row, unit) pairs a mark may name from the
same on the new plan, and the marks go in through ``gongkai marks import``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOC_NUMBER = "合成〔2023〕1号"


def gongkai_command() -> str:
    """The ``gongkai`` beside this interpreter (a venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "gongkai"
    found = str(beside) if beside.exists() else shutil.which("gongkai")
    if found is None:
        raise SystemExit("no gongkai command: run this with the python of the venv gongkai is installed in")
    return found


def gongkai(*args: str, plan: Path | None = None, state: Path | None = None) -> str:
    """Run ``gongkai`` and return its stdout; any failure stops the script with its stderr."""
    env = {k: v for k, v in os.environ.items() if k not in ("GONGKAI_PLAN", "GONGKAI_STATE")}
    if plan is not None:
        env["GONGKAI_PLAN"] = str(plan)
    if state is not None:
        env["GONGKAI_STATE"] = str(state)
    proc = subprocess.run([gongkai_command(), *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"gongkai {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def clauses() -> list[str]:
    """The built-in plan's requirement clauses."""
    out: list[str] = []
    for task in json.loads(gongkai("tasks", "-f", "json")):
        out.extend(c for c in re.split(r"(?<=[,。;])", task["requirement"]) if len(c) >= 4)
    return out


def requirement(rng: random.Random, pool: list[str]) -> str:
    target = rng.randint(40, 250)
    text = ""
    while len(text) < target:
        text += rng.choice(pool)
    return text.rstrip(",;") + ("" if text.endswith("。") else "。")


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_plan(path: Path, n_tasks: int, n_units: int, rng: random.Random) -> None:
    """Units come in districts of about 40 (30 departments, 8 towns, 2 outside units), each with its
    own 区政府各部门单位 / 各镇(街道) groups: a city loading every district's table, so a group row
    expands to a district's units (as in the real table, about 23 (row, unit) pairs per row)."""
    pool = clauses()
    districts = max(1, round(n_units / 40))
    per = n_units // districts
    lines = [
        "# 合成的分解表：bench/synth.py 生成，仅用于测速。",
        "schema: 1",
        "plan:",
        "  title: 合成分解表",
        f"  doc_number: {DOC_NUMBER}",
        "  issuer: 合成办公室",
        "  issued: 2023-07-26",
        "  year: 2023",
        "  timezone: Asia/Shanghai",
        "parts:",
        *(f"  - {{number: {i}, title: 第{i}部分}}" for i in range(1, 5)),
    ]
    n_sections = max(14, n_tasks // 40)
    lines.append("sections:")
    for i in range(1, n_sections + 1):
        lines.append(
            f"  - {{number: {i}, part: {min(4, 1 + (i - 1) * 4 // n_sections)}, title: 第{i}项工作任务}}"
        )
    units: list[str] = ["units:"]
    groups: list[str] = ["groups:"]
    named: list[list[str]] = []
    for d in range(1, districts + 1):
        n_towns, n_external = max(2, per // 5), max(1, per // 20)
        deps = [f"{d}区第{i}局" for i in range(1, per - n_towns - n_external + 1)]
        towns = [f"{d}区第{i}街道" for i in range(1, n_towns + 1)]
        outside = [f"{d}区第{i}公司" for i in range(1, n_external + 1)]
        units += [f"  - {{name: {u}, kind: department}}" for u in deps]
        units += [f"  - {{name: {u}, kind: subdistrict}}" for u in towns]
        units += [f"  - {{name: {u}, kind: external}}" for u in outside]
        groups += [
            f"  - {{name: {d}区各部门单位, members: [{', '.join(deps)}]}}",
            f"  - {{name: {d}区各镇(街道), members: [{', '.join(towns)}]}}",
            f"  - {{name: {d}区有关部门单位, open: true, within: [{d}区各部门单位]}}",
        ]
        named.append(deps + outside)
    lines += [*units, *groups, "tasks:"]
    for task_id in range(1, n_tasks + 1):
        d = rng.randrange(districts)
        roll = rng.random()
        if roll < 0.4:  # 30 of the real table's 59 rows go to both groups
            row_units = [f"{d + 1}区各部门单位", f"{d + 1}区各镇(街道)"]
        elif roll < 0.5:
            row_units = [*rng.sample(named[d], 2), f"{d + 1}区有关部门单位", f"{d + 1}区各镇(街道)"]
        else:
            row_units = rng.sample(named[d], rng.randint(1, 6))
        roll = rng.random()  # the real table: 7 rows 11月底前, 52 rows 12月底前
        deadline = "11月底前" if roll < 0.12 else "持续推进" if roll < 0.15 else "12月底前"
        lines += [
            f"  - id: {task_id}",
            f"    section: {1 + (task_id - 1) * n_sections // n_tasks}",
            f"    units: [{', '.join(row_units)}]",
            f"    requirement: {q(requirement(rng, pool))}",
            f"    deadline_text: {deadline}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def plan_identity(plan_path: Path, task_id: int, workdir: Path) -> str:
    """The plan name a mark carries, as ``gongkai marks export`` writes it (from a scratch state)."""
    scratch = workdir / "scratch.sqlite3"
    gongkai("done", str(task_id), "--all-units", "--date", "2023-11-01", plan=plan_path, state=scratch)
    return json.loads(gongkai("marks", "export", state=scratch))["marks"][0]["plan"]


def write_state(plan_path: Path, state_path: Path, n_marks: int, rng: random.Random) -> int:
    rows = json.loads(gongkai("tasks", "-f", "json", plan=plan_path))
    pairs = [(row["id"], unit) for row in rows for unit in row["responsible"]]
    chosen = rng.sample(pairs, min(n_marks, len(pairs)))
    notes = [None, "https://www.rencheng.gov.cn/art/2023/11/1/art_1.html", "任政办〔2023〕5号"]
    if state_path.exists():
        state_path.unlink()
    with tempfile.TemporaryDirectory(prefix="gongkai-synth-") as tmp:
        plan = plan_identity(plan_path, pairs[0][0], Path(tmp))
        marks = [
            {"plan": plan, "task_id": t, "unit": u,
             "done_on": (dt.date(2023, 11, 1) + dt.timedelta(days=rng.randint(0, 40))).isoformat(),
             "note": rng.choice(notes), "by": "bench", "marked_at": "2023-11-01T00:00:00+00:00"}
            for t, u in chosen
        ]  # fmt: skip
        # In files of 100,000 marks (about 20 MB each): `marks import` refuses files over 64 MB.
        for start in range(0, len(marks), 100_000):
            document = Path(tmp) / f"marks-{start}.json"
            chunk = marks[start : start + 100_000]
            document.write_text(
                json.dumps({"format": "gongkai-marks", "version": 1, "marks": chunk}, ensure_ascii=False),
                encoding="utf-8",
            )
            gongkai("marks", "import", str(document), plan=plan_path, state=state_path)
    return len(marks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--marks", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    plan_path = args.out / "plan.yaml"
    write_plan(plan_path, args.tasks, args.units, rng)
    marks = write_state(plan_path, args.out / "state.sqlite3", args.marks, rng) if args.marks else 0
    print(f"{plan_path}: {args.tasks} tasks, {args.units} units; {args.out / 'state.sqlite3'}: {marks} marks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
