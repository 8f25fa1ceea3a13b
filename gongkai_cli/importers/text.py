"""Text readers: CSV, TSV, cells pasted from a spreadsheet or Word (tab- or ``|``-separated), and
the flattened text a government web page prints for its attached table.

Each gives one grid (grid.Table) and knows nothing about 分解表 beyond, for the flattened page
text, what separates a row (a 完成时限 line ends each row). Empty cells stay empty: a CSV written
from merged cells has nothing below the merge's first cell, and carrying that down is the
normaliser's decision, not the reader's.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..dates import resolve_deadline
from ..errors import SourceError, os_reason
from .grid import Cell, Document, Table

MAX_TEXT_BYTES = 64 * 1024 * 1024  # a 分解表 is kilobytes; a 2,000-row sheet a megabyte or two
_ENCODINGS = ("utf-8-sig", "gb18030", "big5")  # Excel on Chinese Windows writes GBK CSV

csv.field_size_limit(8 * 1024 * 1024)


def decode(data: bytes, path: Path) -> str:
    """Bytes -> text: UTF-8 (with or without a BOM), else GB18030 (GBK), else Big5."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\0" in data:
        raise SourceError(f"{path}: 不是文本文件（含二进制内容），无法按文本表格读取")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{path}: 无法识别文本编码（请另存为 UTF-8 编码的 CSV 或文本）")


def read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"{path}: 无法读取（{os_reason(exc)}）") from None
    if len(data) > MAX_TEXT_BYTES:
        raise SourceError(f"{path}: 文件超过 {MAX_TEXT_BYTES // (1024 * 1024)} MB，不像一张分解表")
    return data


def read(path: Path) -> Document:
    """A .csv, .tsv or text file -> one grid, by its extension and then by its content."""
    text = decode(read_bytes(path), path)
    return read_text(text, str(path), path.suffix.lower())


def read_text(text: str, where: str, suffix: str = "") -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if suffix == ".csv":
        return Document(where, "csv", [_delimited(text, _sniff_csv(lines), where)], [])
    if suffix == ".tsv" or sum("\t" in line for line in lines) >= 2:
        return Document(where, "tsv" if suffix == ".tsv" else "text", [_delimited(text, "\t", where)], [])
    if sum(line.count("|") >= 2 for line in lines) >= 2:
        return Document(where, "text", [_pipes(lines, where)], [])
    return flattened(lines, where)


def _sniff_csv(lines: list[str]) -> str:
    """Comma, unless the first lines clearly use semicolons (a European Excel's CSV)."""
    head = "\n".join(lines[:20])
    return ";" if head.count(";") > head.count(",") else ","


def _delimited(text: str, delimiter: str, path: str) -> Table:
    rows = [[Cell(_cell_text(v)) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return _table(rows, "表格", path)


def _cell_text(value: str) -> str:
    """A cell's lines, each stripped, empty ones dropped (grid.Cell's convention)."""
    return "\n".join(p.strip() for p in value.split("\n") if p.strip())


_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _pipes(lines: list[str], path: str) -> Table:
    """``| a | b |`` lines (Markdown tables, or cells pasted with bars); rule lines skipped."""
    rows: list[list[Cell]] = []
    for line in lines:
        if not line.strip() or _RULE.match(line):
            rows.append([])
            continue
        body = line.strip()
        if body.startswith("|"):
            body = body[1:]
        if body.endswith("|"):
            body = body[:-1]
        rows.append([Cell(_cell_text(v.replace("<br>", "\n"))) for v in body.split("|")])
    return _table(rows, "表格", path)


def _table(rows: list[list[Cell]], where: str, path: str = "") -> Table:
    from .files import check_size

    width = max((len(r) for r in rows), default=0)
    check_size(Path(path), where, len(rows), width)
    return Table([r + [Cell("")] * (width - len(r)) for r in rows], where, 1)


# ---------------------------------------------------------------------------------------------
# The flattened page text: heading lines, then per row unit lines, the 具体要求, the 完成时限


_HEADER_WORDS = re.compile(
    r"^(序号|编号|工作任务|主要任务|重点任务|责任单位|责任部门|牵头单位|配合单位|具体要求|工作要求|完成时限|时限要求|完成时间)$"
)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])\S")


def _is_deadline_line(line: str) -> bool:
    """A line that is a 完成时限 cell: short, and wording the deadline grammar understands."""
    if len(line) > 30:
        return False
    try:
        resolve_deadline(line, 2000)
    except ValueError:
        return False
    return True


def flattened(lines: list[str], where: str) -> Document:
    """A web page's text with the table flattened to one cell a line (as a browser copies it).

    The table starts at its header (a run of header words, one a line); each row is the lines of
    its 责任单位, the 具体要求 (the line before the 完成时限), and the 完成时限. Part and section
    headings stand on their own lines and become rows merged across. What comes before the header
    is kept as the document's paragraphs (title, 文号, issuer); what follows the last row is left
    out (the normaliser reports rows, not page footers).
    """
    content = [(i + 1, line.strip()) for i, line in enumerate(lines) if line.strip()]
    start = _header_start(content)
    if start is None:
        return Document(where, "text", [], [line for _, line in content])
    header_end = start
    while header_end < len(content) and _HEADER_WORDS.match(content[header_end][1]):
        header_end += 1
    header = [Cell(line) for _, line in content[start:header_end]]
    width = len(header)
    rows: list[list[Cell]] = [header]
    pending: list[tuple[int, str]] = []
    for number, line in content[header_end:]:
        if _HEADING.match(line) and not pending:
            rows.append([Cell(line)] + [Cell(line, right=True)] * (width - 1))
        elif _is_deadline_line(line) and pending:
            *unit_lines, (_, requirement) = pending
            cells = {
                "units": "\n".join(u for _, u in unit_lines),
                "requirement": requirement,
                "deadline": line,
            }
            rows.append([Cell(cells.get(_role(h.text), "")) for h in header])
            pending = []
        else:
            pending.append((number, line))
    # Before the header: title, 文号, notice; after the last row: the page's footer (download
    # links, contacts). Both are text outside the table.
    paragraphs = [line for _, line in content[:start]] + [line for _, line in pending]
    # Rows here are not lines of the file: messages count the table's rows (the header is row 1).
    return Document(
        where, "text", [Table(rows, "正文中的表格（行号按表格的行计，表头为第 1 行）", 1)], paragraphs
    )


def _role(header: str) -> str:
    if "单位" in header or "部门" in header:
        return "units"
    if "要求" in header or "内容" in header:
        return "requirement"
    if "时限" in header or "时间" in header:
        return "deadline"
    return "task"


def _header_start(content: list[tuple[int, str]]) -> int | None:
    for i in range(len(content) - 1):
        if _HEADER_WORDS.match(content[i][1]) and _HEADER_WORDS.match(content[i + 1][1]):
            return i
    return None
