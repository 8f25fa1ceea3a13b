"""Read a .xlsx into a grid.Document: one table per worksheet that has data, merged ranges filled.

openpyxl in its normal mode (read-only mode does not report merged ranges). Before openpyxl loads
a sheet, which costs memory for every cell, the sheet's XML is counted in a streaming pass, so a
sheet over the cell limit is refused without being loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError, iterparse

from ..errors import SourceError
from . import files
from .grid import Document, Table

if TYPE_CHECKING:
    from pathlib import Path


def read(path: Path) -> Document:
    files.expect(path, "xlsx")
    with files.open_zip(path) as zf:
        _count_cells(path, zf)
    import openpyxl  # lazily: only `gongkai import` of a .xlsx needs it

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook; each means the same here
        raise SourceError(
            f"{path} 无法作为 Excel 工作簿打开：文件可能已损坏，请用 Excel 或 WPS 打开后另存为 .xlsx"
        ) from None
    tables: list[Table] = []
    try:
        for ws in wb.worksheets:
            table = _sheet(path, ws)
            if table is not None:
                tables.append(table)
    finally:
        wb.close()
    return Document(str(path), "xlsx", tables, [])


def _sheet(path: Path, ws: object) -> Table | None:
    from openpyxl.worksheet.worksheet import Worksheet

    if not isinstance(ws, Worksheet):
        return None
    where = f"工作表“{ws.title}”"
    files.check_size(path, where, ws.max_row, ws.max_column)
    texts = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    merges = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    return trimmed(path, texts, merges, where)


def trimmed(
    path: Path, texts: list[list[str]], merges: list[tuple[int, int, int, int]], where: str
) -> Table | None:
    """The table of the used part of a sheet: leading and trailing empty rows and columns dropped
    (merges clipped to it), or None when no cell has text."""
    used_rows = [i for i, row in enumerate(texts) if any(row)]
    if not used_rows:
        return None
    used_cols = [
        j for j in range(max(len(row) for row in texts)) if any(j < len(row) and row[j] for row in texts)
    ]
    r0, r1, c0, c1 = used_rows[0], used_rows[-1], used_cols[0], used_cols[-1]
    body = [(row + [""] * (c1 + 1 - len(row)))[c0 : c1 + 1] for row in texts[r0 : r1 + 1]]
    shifted = [(a - r0, b - c0, c - r0, d - c0) for a, b, c, d in merges if c >= r0 and d >= c0]
    clipped = [(max(a, 0), max(b, 0), c, d) for a, b, c, d in shifted]
    rows = files.fill_merges(body, clipped, path, where)
    return Table(rows, where, first_line=r0 + 1)


def cell_text(value: object) -> str:
    """A cell value as the text a person sees: whole numbers without ".0", dates in Chinese."""
    if value is None:
        return ""
    if isinstance(value, str):
        return files.lines_of(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    return files.lines_of(str(value))


def _count_cells(path: Path, zf: zipfile.ZipFile) -> None:
    """Count each worksheet's cells in a streaming parse and refuse a sheet over MAX_CELLS."""
    for name in zf.namelist():
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        cells = rows = merged = 0
        sheet = f"工作表（{name.rsplit('/', 1)[-1]}）"
        try:
            with zf.open(name) as fh:
                for _event, el in iterparse(fh, events=("end",)):
                    tag = el.tag
                    if tag.endswith("}c"):
                        cells += 1
                        el.clear()
                        if cells > files.MAX_CELLS:
                            raise SourceError(
                                f"{path} 的{sheet}超过 {files.MAX_CELLS} 个单元格，超过导入上限"
                            )
                    elif tag.endswith("}mergeCell"):
                        merged += _area(el.get("ref", ""))
                        el.clear()
                        if merged > (limit := 2 * files.MAX_CELLS):  # openpyxl: an object per merged cell
                            raise SourceError(
                                f"{path} 的{sheet}合并单元格覆盖超过 {limit} 个位置，超过导入上限"
                            )
                    elif tag.endswith("}row"):
                        rows += 1
                        el.clear()
                        if rows > files.MAX_ROWS:
                            files.check_size(path, sheet, rows, 1)
        except ParseError:
            raise SourceError(
                f"{path} 已损坏：工作表 {name} 不是完整的 XML，请用 Excel 或 WPS 打开后另存"
            ) from None


_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")


def _area(ref: str) -> int:
    """Cells covered by a range like "A1:XFD1048576" (1 for a single cell or an unreadable ref)."""
    corners = [_REF.fullmatch(part.strip().replace("$", "").upper()) for part in ref.split(":")]
    if len(corners) != 2 or not all(corners):
        return 1
    (c0, r0), (c1, r1) = ((_column(m.group(1)), int(m.group(2))) for m in corners if m)
    return (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
