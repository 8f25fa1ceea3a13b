"""Read a .docx into a grid.Document: every table (nested ones too) and the paragraphs outside tables.

python-docx opens the package; the tables are read from its XML directly, because
``table.rows[i].cells`` repeats a merged cell by identity and so cannot say whether a cell *continues*
a merge or merely holds the same text. In WordprocessingML a row is a sequence of ``w:tc`` cells,
each covering ``w:gridSpan`` grid columns (a horizontal merge), after ``w:gridBefore`` empty grid
columns; a cell with ``w:vMerge`` and no ``val="restart"`` continues the merge of the cell above it
in the same grid column (a vertical merge). Nested tables become tables of their own, listed after
the table that holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import SourceError
from . import files
from .grid import Cell, Document, Table

if TYPE_CHECKING:
    from pathlib import Path

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, TBL, TR, TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
SDT, SDT_CONTENT, CUSTOM_XML = _W + "sdt", _W + "sdtContent", _W + "customXml"
VAL = _W + "val"


def read(path: Path) -> Document:
    files.expect(path, "docx")
    files.open_zip(path).close()
    import docx  # python-docx, lazily: only `gongkai import` of a .docx needs it

    try:
        body = docx.Document(str(path)).element.body
    except Exception:  # python-docx raises many kinds for a damaged package; each means the same here
        raise SourceError(
            f"{path} 无法作为 Word 文档打开：文件可能已损坏，请用 Word 或 WPS 打开后另存为 .docx"
        ) from None
    reader = _Reader(path)
    reader.block(body)
    return Document(str(path), "docx", reader.tables, reader.paragraphs)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tables: list[Table] = []
        self.paragraphs: list[str] = []
        self.cells = 0

    def block(self, parent: Any) -> None:
        """Body-level content: paragraphs go to Document.paragraphs, tables are read in order."""
        for child in parent.iterchildren():
            if child.tag == P:
                text = files.lines_of(paragraph_text(child))
                if text:
                    self.paragraphs.extend(text.split("\n"))
            elif child.tag == TBL:
                self.table(child, f"第 {len(self.tables) + 1} 个表格")
            elif child.tag in (SDT, SDT_CONTENT, CUSTOM_XML):
                self.block(child)

    def table(self, tbl: Any, where: str) -> None:
        index = len(self.tables)
        self.tables.append(Table([], where))  # placeholder keeps document order: outer before nested
        nested: list[Any] = []
        rows: list[list[Cell]] = []
        for tr in _children(tbl, TR):
            before = max(0, _int(tr, "trPr", "gridBefore", 0))
            files.check_size(self.path, where, len(rows) + 1, before)
            row: list[Cell] = [Cell("") for _ in range(before)]
            for tc in _children(tr, TC):
                span = max(1, _int(tc, "tcPr", "gridSpan", 1))
                col = len(row)
                files.check_size(self.path, where, len(rows) + 1, col + span)
                if _continues_down(tc) and rows and col < len(rows[-1]):
                    text, down = rows[-1][col].text, True
                else:
                    text, down = self.cell_text(tc, nested), False
                row.append(Cell(text, down=down))
                row.extend(Cell(text, down=down, right=True) for _ in range(span - 1))
            rows.append(row)
            width = max(len(r) for r in rows)
            self.cells += width
            files.check_size(self.path, where, len(rows), width)
            if self.cells > files.MAX_CELLS:
                raise SourceError(f"{self.path} 的表格共超过 {files.MAX_CELLS} 个单元格，超过导入上限")
        width = max((len(r) for r in rows), default=0)
        for row in rows:
            row.extend(Cell("") for _ in range(width - len(row)))
        self.tables[index] = Table(rows, where)
        for n, inner in enumerate(nested, 1):
            self.table(inner, f"{where}内的第 {n} 个表格")

    def cell_text(self, tc: Any, nested: list[Any]) -> str:
        lines: list[str] = []
        for child in _flatten(tc):
            if child.tag == P:
                text = files.lines_of(paragraph_text(child))
                if text:
                    lines.append(text)
            elif child.tag == TBL:
                nested.append(child)
        return "\n".join(lines)


def paragraph_text(p: Any) -> str:
    """A paragraph's visible text: runs anywhere inside it (hyperlinks, insertions, smart tags, content
    controls), tabs as tabs, line breaks as new lines; deleted text (``w:delText``) is not read."""
    parts: list[str] = []
    for r in p.iter(_W + "r"):
        for el in r.iterchildren():
            tag = el.tag
            if tag == _W + "t":
                parts.append(el.text or "")
            elif tag == _W + "tab":
                parts.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
    return "".join(parts)


def _flatten(parent: Any) -> list[Any]:
    """Children of a cell, with content controls and custom XML wrappers opened."""
    out: list[Any] = []
    for child in parent.iterchildren():
        if child.tag in (SDT, SDT_CONTENT, CUSTOM_XML):
            out.extend(_flatten(child))
        else:
            out.append(child)
    return out


def _children(parent: Any, tag: str) -> list[Any]:
    return [child for child in _flatten(parent) if child.tag == tag]


def _int(el: Any, props: str, name: str, default: int) -> int:
    pr = el.find(_W + props)
    node = pr.find(_W + name) if pr is not None else None
    if node is None:
        return default
    try:
        return int(node.get(VAL, default))
    except ValueError:
        return default


def _continues_down(tc: Any) -> bool:
    pr = tc.find(_W + "tcPr")
    node = pr.find(_W + "vMerge") if pr is not None else None
    return node is not None and node.get(VAL, "continue") != "restart"
