"""Time `gongkai import`: the 2023 table as .docx (built by tests/helpers/tables.py) and a synthetic
2,000-row sheet as .xlsx and .csv (budget: 2 s). Whole processes, median of N runs, beside the
`python -c "import typer"` floor measured in the same run; prints, asserts nothing, and writes
bench/RESULTS-import.md unless --no-write.

    .venv/bin/python bench/imports.py [--runs 7] [--rows 2000] [--no-write]
"""

from __future__ import annotations

import argparse
import csv
import random
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


def synthetic_xlsx(csv_path: Path, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    book.save(path)


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
    parser.add_argument("--no-write", action="store_true")
    opts = parser.parse_args()
    gongkai = str(Path(sys.executable).parent / "gongkai")
    sys.path.insert(0, str(ROOT))
    from tests.helpers import tables

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docx = tables.write_docx(tables.plan_2023(), work / "plan2023.docx")
        sheet = work / f"synthetic-{opts.rows}.csv"
        synthetic_csv(sheet, opts.rows)
        xlsx = work / f"synthetic-{opts.rows}.xlsx"
        synthetic_xlsx(sheet, xlsx)
        common = ["--year", "2024", "--title", "t", "--doc-number", "d", "--issuer", "i"]
        floor = timed([sys.executable, "-c", "import typer"], opts.runs)
        rows = [
            ("2023 table, .docx (59 rows)", docx, "—"),
            (f"synthetic sheet, .xlsx ({opts.rows} rows)", xlsx, "≤ 2 s"),
            (f"synthetic sheet, .csv ({opts.rows} rows)", sheet, "≤ 2 s"),
        ]
        lines = [
            "# gongkai import timings",
            "",
            f"- `gongkai import FILE -o OUT.yaml`, whole processes, median of {opts.runs}; "
            f'floor `python -c "import typer"` {floor * 1000:.0f} ms in the same run',
            f"- python {sys.version.split()[0]}, {Path(gongkai)}",
            "",
            "| file | median | budget |",
            "|---|---:|---|",
        ]
        for label, path, budget in rows:
            seconds = timed([gongkai, "import", str(path), "-o", str(work / "out.yaml"), *common], opts.runs)
            lines.append(f"| {label} | {seconds:.2f} s | {budget} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not opts.no_write:
        (ROOT / "bench" / "RESULTS-import.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
