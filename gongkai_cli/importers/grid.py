"""The one shape every importer reader produces: a document's tables as grids of cells.

A reader (docx, xlsx, xls, html, text) knows its file format and nothing about 分解表; the normaliser
(normalise.py) knows 分解表 and nothing about file formats. This module is the contract between them.

Merged cells are expanded by the reader: every position of the grid holds a Cell, and a cell that
continues a merge repeats its origin's text with ``down`` (merged from the cell above) or ``right``
(merged from the cell to its left) set, so the normaliser can tell a section title merged down over
its rows, or a heading row merged across the table, from text that merely repeats.
"""

from __future__ import annotations

from typing import NamedTuple


class Cell(NamedTuple):
    text: str  # the cell's paragraphs joined by "\n", each stripped; "" for an empty cell
    down: bool = False  # continues a vertical merge from the cell above (text repeats the origin's)
    right: bool = False  # continues a horizontal merge from the cell to its left

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p.strip()]


class Table(NamedTuple):
    rows: list[list[Cell]]  # rectangular: every row padded with empty cells to the widest row
    where: str  # how a person finds it, in Chinese: "第 1 个表格", "工作表“Sheet1”"
    first_line: int = 1  # the document's row/line number of rows[0], for messages ("第 12 行")


class Document(NamedTuple):
    path: str
    kind: str  # docx, xlsx, xls, html, csv, tsv, text
    tables: list[Table]
    paragraphs: list[str]  # text outside the tables, in order (title, 文号, notice): for metadata
