"""Time `gongkai import`: the 2023 table as .docx (built by tests/helpers/tables.py) and a synthetic
2,000-row CSV (budget: 2 s). Whole processes, median of N runs; prints, asserts nothing.

    .venv/bin/python bench/imports.py [--runs 7] [--rows 2000]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = [
    "区发改局", "区财政局", "区教体局", "区卫健局", "区民政局", "区人社局", "区住建局", "区交通局",
    "区水务局", "区农业局", "区商务局", "区文旅局", "区应急局", "区审计局", "区医保局",
]  # fmt: skip
DEADLINES = ["6月底前", "12月底前", "年底前", "持续推进", "三季度末前", "6月底前启动\n12月底前完成"]


def synthetic_csv(path: Path, rows: int) -> None:
    rng = random.Random(2024)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["序号", "工作任务", "具体要求", "责任单位", "完成时限"])
        for i in range(1, rows + 1):
            section = f"（{i // 100 + 1}）第{i // 100 + 1}项工作任务" if i % 100 == 1 else ""
            units = "、".join(rng.sample(UNITS, rng.randint(1, 5)))
            units += "等区政府有关部门单位" if i % 7 == 0 else ""
            units += "，各镇(街道)" if i % 3 == 0 else ""
            requirement = f"第{i}项具体要求：加强政务公开，做好信息发布、政策解读和回应关切工作。"
            out.writerow([i, section, requirement, units, rng.choice(DEADLINES)])


def timed(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=2000)
    opts = parser.parse_args()
    gongkai = str(Path(sys.executable).parent / "gongkai")
    sys.path.insert(0, str(ROOT))
    from tests.helpers import tables

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docx = tables.write_docx(tables.plan_2023(), work / "plan2023.docx")
        sheet = work / f"synthetic-{opts.rows}.csv"
        synthetic_csv(sheet, opts.rows)
        common = ["--year", "2024", "--title", "t", "--doc-number", "d", "--issuer", "i"]
        print(f"gongkai import, median of {opts.runs} whole processes ({shutil.which('gongkai') or gongkai})")
        docx_s = timed([gongkai, "import", str(docx), "-o", str(work / "a.yaml"), *common], opts.runs)
        print(f"  2023 table (.docx, 59 rows): {docx_s:.2f} s")
        csv_s = timed([gongkai, "import", str(sheet), "-o", str(work / "b.yaml"), *common], opts.runs)
        print(f"  synthetic CSV ({opts.rows} rows): {csv_s:.2f} s (budget 2 s)")


if __name__ == "__main__":
    main()
