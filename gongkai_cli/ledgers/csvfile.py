"""The 台账 as CSV for Excel: the XLSX 台账's columns, UTF-8 with a BOM and CRLF line ends.

Excel on a Chinese Windows PC reads a CSV without a BOM as GBK and garbles every character; with the
BOM it reads UTF-8. Cells are made formula-safe the OWASP way: a text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (``'``), which Excel and
LibreOffice show as text and never evaluate; every cell is quoted. Numbers (编号) and dates (ISO
``2023-12-31``) are written as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from ..text import formula_safe
from . import COLUMNS, Cell, Ledger, table_rows

BOM = "\ufeff"


def safe_cell(value: Cell) -> str:
    """One cell's text: ISO dates, and an apostrophe before text a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return formula_safe(value)  # the rule every CSV and TSV gongkai writes follows (text.py)


def to_csv(ledger: Ledger, bom: bool = True) -> bytes:
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([header for header, _ in COLUMNS])
    for values in table_rows(ledger):
        writer.writerow([safe_cell(v) for v in values])
    return out.getvalue().encode("utf-8")
