"""Read a .xls (Excel 97-2003) into a grid.Document with xlrd: one table per sheet with data.

``formatting_info=True`` is what makes xlrd report merged ranges (``sheet.merged_cells``). A .xls
is at most 65,536 rows x 256 columns and the file size is capped before xlrd reads it, so the
whole workbook in memory is bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import SourceError
from . import files
from .grid import Document, Table
from .xlsx import cell_text, trimmed

if TYPE_CHECKING:
    from pathlib import Path


def read(path: Path) -> Document:
    files.expect(path, "xls")
    import xlrd  # lazily: only `gongkai import` of a .xls needs it

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, AssertionError... for bad files
        if "encrypt" in str(exc).lower():
            raise SourceError(
                f"{path} 设置了打开密码（已加密）：请在 Excel/WPS 中取消密码后另存，再导入"
            ) from None
        raise SourceError(
            f"{path} 无法作为 Excel 97-2003 工作簿打开：文件可能已损坏，请用 Excel 或 WPS 打开后另存为 .xlsx"
        ) from None
    tables: list[Table] = []
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception:
                raise SourceError(f"{path} 的第 {index + 1} 个工作表已损坏，无法读取") from None
            where = f"工作表“{sheet.name}”"
            files.check_size(path, where, sheet.nrows, sheet.ncols)
            texts = [[_text(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
            merges = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in sheet.merged_cells]
            table = trimmed(path, texts, merges, where)
            if table is not None:
                tables.append(table)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return Document(str(path), "xls", tables, [])


def _text(book: Any, cell: Any) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return cell_text(cell.value)
