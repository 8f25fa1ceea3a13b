"""Time the importer's file readers: the 2023 plan as .docx (and its other formats) and a synthetic
2,000-row sheet in the official layout (.xlsx, .xls, .docx, .html), built by tests/helpers/tables.py.

    python bench/read_tables.py            # median of 7 reads each, in this process (imports warm)
    python bench/read_tables.py --rows 5000

Each figure is the reader alone (file -> grid.Document), after one untimed read that pays for the
imports of python-docx / openpyxl / xlrd; the first (cold) read is printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongkai_cli.importers import docx, html, xls, xlsx  # noqa: E402
from tests.helpers import tables  # noqa: E402

READERS = {"docx": docx, "xlsx": xlsx, "xls": xls, "html": html}


def synthetic(rows: int) -> tables.Layout:
    """``rows`` task rows in the 2023 layout: a part row every 100 rows, sections merged over 10."""
    body: list[list[str]] = [list(tables.HEADER_2023)]
    merges: list[tables.Merge] = []
    for i in range(rows):
        if i % 100 == 0:
            body.append([f"{tables.chinese_number(i // 100 % 10)}、第{i // 100 + 1}部分", "", "", ""])
            merges.append((len(body) - 1, 0, len(body) - 1, 3))
        if i % 10 == 0:
            start = len(body)
            merges.append((start, 0, start + 9, 0))
        units = "\n".join(f"区单位{(i * 7 + k) % 60}" for k in range(1 + i % 4))
        requirement = f"第{i + 1}项要求：" + "按照年度安排推进信息公开，及时发布政策解读。" * (1 + i % 3)
        section = f"({i // 10 + 1})第{i // 10 + 1}节" if i % 10 == 0 else ""
        body.append([section, units, requirement, "12月底前"])
    return tables.Layout(body, merges)


def timed(path: Path, repeat: int) -> tuple[float, float, int]:
    reader = READERS[path.suffix.lstrip(".")]
    start = time.perf_counter()
    document = reader.read(path)
    cold = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        reader.read(path)
        runs.append(time.perf_counter() - start)
    return cold, statistics.median(runs), sum(len(t.rows) for t in document.tables)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        layout_2023 = tables.plan_2023()
        big = synthetic(args.rows)
        files = [
            tables.write_docx(layout_2023, out / "plan2023.docx"),
            tables.write_xlsx(layout_2023, out / "plan2023.xlsx"),
            tables.write_xls(layout_2023, out / "plan2023.xls"),
            tables.write_html([layout_2023], out / "plan2023.html"),
            tables.write_xlsx(big, out / f"synthetic-{args.rows}.xlsx"),
            tables.write_xls(big, out / f"synthetic-{args.rows}.xls"),
            tables.write_docx(big, out / f"synthetic-{args.rows}.docx"),
            tables.write_html([big], out / f"synthetic-{args.rows}.html"),
        ]
        print(f"| file | size | grid rows | first read | median of {args.repeat} |")
        print("|---|---:|---:|---:|---:|")
        for path in files:
            cold, warm, rows = timed(path, args.repeat)
            size = path.stat().st_size / 1024
            print(f"| {path.name} | {size:.0f} KB | {rows} | {cold * 1000:.0f} ms | {warm * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
