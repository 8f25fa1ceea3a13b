"""Read a saved web page (.html/.htm) into a grid.Document: its data tables, rowspan/colspan expanded.

The standard library's html.parser, which is forgiving and never recurses, so neither sloppy markup
(unclosed <td>, <tr>, <p>) nor deep nesting can overflow a stack; the open-element stack is capped
all the same. Government pages lay out the page with tables, so the tables returned are the ones
that look like data: tables holding no other table, at least two rows by two columns (or, when
none does, every table with rows). The text of a layout table's own cells joins the paragraphs. ``where``
counts every table of the page in order ("第 3 个表格"), so a person can find the one meant.

The encoding comes from a byte-order mark, else a ``<meta charset>`` (GB2312 and GBK are read as
their superset GB18030), else the first of UTF-8, GB18030 and Big5 that decodes the whole page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from ..errors import SourceError
from . import files
from .grid import Cell, Document, Table

if TYPE_CHECKING:
    from pathlib import Path

MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_SPAN = 1_000

# fmt: off
VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "keygen",
))
SKIP = frozenset(("script", "style", "noscript", "template", "select", "textarea"))
BLOCK = frozenset((
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "section", "article", "header", "footer", "nav", "center", "blockquote", "pre", "address", "form",
    "fieldset", "figure", "figcaption", "title", "head", "body", "html", "caption",
))
# fmt: on
SELF_CLOSING_SIBLINGS = frozenset(("p", "li", "dt", "dd", "option"))
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\n\r\f]+")
# A line break in the page source between two Chinese characters is no space (CSS Text 3 segment
# break rule; Word's "save as web page" wraps long Chinese lines mid-sentence).
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_WIDE}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_WIDE}])")
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}


def read(path: Path) -> Document:
    found = files.sniff(path)
    if found not in ("html", "text"):
        files.expect(path, "html")
    if path.stat().st_size > MAX_HTML_BYTES:
        raise SourceError(f"{path} 超过网页导入上限 {MAX_HTML_BYTES // (1024 * 1024)} MB")
    text = defuse(decode(path.read_bytes()))
    parser = _Parser(path)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # _markupbase asserts on some broken declarations
        raise SourceError(f"{path} 的网页标记已损坏，无法解析：请在浏览器中打开后另存为网页再导入") from None
    parser.finish()
    data = [t for i, t in enumerate(parser.tables) if i not in parser.holders and _looks_like_data(t)]
    return Document(str(path), "html", data or [t for t in parser.tables if t.rows], parser.paragraphs)


def decode(data: bytes) -> str:
    """The page's text: by byte-order mark, then meta charset, then trial (UTF-8, GB18030, Big5)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    trials = ["utf-8", "gb18030", "big5"]
    match = _CHARSET.search(data[:8192])
    if match:
        declared = match.group(1).decode("ascii").lower()
        trials.insert(0, _ALIASES.get(declared, declared))
    for codec in trials:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


_ANGLE = re.compile(r"[<>]")


def defuse(text: str) -> str:
    """Escape every "<" that no ">" closes before the next "<": text, not a tag.

    html.parser's tolerant start-tag pattern backtracks without end over an unclosed tag followed by
    more tag-like text ("<a <a <a …": 60 KB took 30 s), and "</</</…" is quadratic too. A real tag
    closes before the next one opens, so escaping the rest changes nothing a page means. Linear."""
    out: list[str] = []
    start = 0
    pending = -1
    for match in _ANGLE.finditer(text):
        if match.group() == ">":
            pending = -1
            continue
        if pending >= 0:
            out.append(text[start:pending])
            out.append("&lt;")
            start = pending + 1
        pending = match.start()
    if pending >= 0:
        out.append(text[start:pending])
        out.append("&lt;")
        start = pending + 1
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def _looks_like_data(table: Table) -> bool:
    return len(table.rows) >= 2 and len(table.rows[0]) >= 2


class _TableBuild:
    def __init__(self, where: str) -> None:
        self.where = where
        self.rows: list[list[tuple[str, int, int]]] = []  # cell text, rowspan, colspan as written
        self.row: list[tuple[str, int, int]] | None = None
        self.cell: list[str] | None = None  # lines of the open cell
        self.spans = (1, 1)

    def expand(self, path: Path) -> Table:
        """The grid: each written cell placed at the first free column, covering its spans."""
        height = len(self.rows)
        grid: list[dict[int, Cell]] = [{} for _ in range(height)]
        width = work = 0
        for r, row in enumerate(self.rows):
            c = 0
            for text, rowspan, colspan in row:
                while c in grid[r]:
                    c += 1
                down_to = height if rowspan == 0 else min(height, r + rowspan)
                if c + colspan > files.MAX_COLUMNS:
                    files.check_size(path, self.where, height, c + colspan)
                work += (down_to - r) * colspan  # overlapping spans cost work but add no cells
                if work > 2 * files.MAX_CELLS:
                    raise SourceError(
                        f"{path} 的{self.where}合并单元格覆盖超过 {2 * files.MAX_CELLS} 个位置，超过导入上限"
                    )
                for rr in range(r, down_to):
                    for cc in range(c, c + colspan):
                        grid[rr].setdefault(cc, Cell(text, down=rr > r, right=cc > c))
                c += colspan
                width = max(width, c)
            files.check_size(path, self.where, height, width)
        rows = [[line.get(c, Cell("")) for c in range(width)] for line in grid]
        return Table(rows, self.where)


class _Parser(HTMLParser):
    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.stack: list[str] = []
        self.open_tables: list[_TableBuild] = []
        self.tables: list[Table] = []
        self.order: list[_TableBuild] = []  # every table in the order it starts
        self.paragraphs: list[str] = []
        self.line: list[str] = []  # text outside tables, current line
        self.skipping = 0
        self.holders: set[int] = set()  # indexes of tables with a table inside a cell: page layout

    # -- element stack, with the end tags HTML lets authors leave out -----------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            self.handle_startendtag(tag, attrs)
            return
        if tag in SELF_CLOSING_SIBLINGS and self.stack and self.stack[-1] == tag:
            self._pop()
        if tag in ("td", "th"):
            self._close_within_table(("td", "th"), stop_at=("tr",))
            if not self.open_tables:
                return
            if self.open_tables[-1].row is None:
                self._push("tr")
        elif tag == "tr":
            self._close_within_table(("td", "th", "tr"), stop_at=())
            if not self.open_tables:
                return
        elif tag in ("tbody", "thead", "tfoot"):
            self._close_within_table(("td", "th", "tr", "tbody", "thead", "tfoot"), stop_at=())
        self._push(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            if tag == "br":
                self._break()
            return
        if tag == "table":
            boundary: tuple[str, ...] = ()  # </table> closes its open rows and cells
        elif tag in ("td", "th", "tr", "tbody", "thead", "tfoot"):
            boundary = ("table",)
        else:
            boundary = ("table", "td", "th")
        for i in range(len(self.stack) - 1, -1, -1):
            name = self.stack[i]
            if name == tag:
                while len(self.stack) > i:
                    self._pop()
                return
            if name in boundary:
                return  # a stray end tag: never let it close a cell or a table

    def _close_within_table(self, names: tuple[str, ...], stop_at: tuple[str, ...]) -> None:
        """Close the outermost open element among ``names`` inside the innermost table (not past an
        element in ``stop_at``), with everything opened after it: a new <tr> ends the open row."""
        found = -1
        for i in range(len(self.stack) - 1, -1, -1):
            name = self.stack[i]
            if name == "table" or name in stop_at:
                break
            if name in names:
                found = i
        if found >= 0:
            while len(self.stack) > found:
                self._pop()

    def _push(self, tag: str, attrs: list[tuple[str, str | None]] | None = None) -> None:
        self.stack.append(tag)
        if len(self.stack) > files.MAX_HTML_DEPTH:
            raise SourceError(
                f"{self.path} 的网页元素嵌套超过 {files.MAX_HTML_DEPTH} 层，不像正常的网页，已拒绝读取"
            )
        if tag in SKIP:
            self.skipping += 1
        elif tag == "table":
            if self.open_tables and self.open_tables[-1].cell is not None:
                self.holders.add(self.order.index(self.open_tables[-1]))
            self._break()
            build = _TableBuild(f"第 {len(self.order) + 1} 个表格")
            self.open_tables.append(build)
            self.order.append(build)
            self.tables.append(Table([], build.where))
        elif tag == "tr" and self.open_tables:
            self.open_tables[-1].row = []
        elif tag in ("td", "th") and self.open_tables:
            build = self.open_tables[-1]
            build.cell = [""]
            build.spans = (_span(attrs, "rowspan"), _span(attrs, "colspan"))
        elif tag in BLOCK:
            self._break()

    def _pop(self) -> None:
        tag = self.stack.pop()
        if tag in SKIP:
            self.skipping -= 1
        elif tag in ("td", "th") and self.open_tables:
            build = self.open_tables[-1]
            if build.cell is not None and build.row is not None:
                text = files.lines_of("\n".join(spaced(line) for line in build.cell))
                build.row.append((text, *build.spans))
            build.cell = None
        elif tag == "tr" and self.open_tables:
            build = self.open_tables[-1]
            if build.row is not None:
                build.rows.append(build.row)
                files.check_size(self.path, build.where, len(build.rows), 1)
            build.row = None
        elif tag == "table" and self.open_tables:
            build = self.open_tables.pop()
            index = self.order.index(build)
            self.tables[index] = build.expand(self.path)
            if index in self.holders:  # page layout: its own text is text outside the data tables
                for row in build.rows:
                    self.paragraphs.extend(line for text, _, _ in row for line in text.split("\n") if line)
        elif tag in BLOCK:
            self._break()

    # -- text ---------------------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        cell = self.open_tables[-1].cell if self.open_tables else None
        if cell is not None:
            cell[-1] += data
        else:  # outside any table, or a table's caption or stray text: text outside the data
            self.line.append(data)

    def _break(self) -> None:
        cell = self.open_tables[-1].cell if self.open_tables else None
        if cell is not None:
            cell.append("")
            return
        text = spaced("".join(self.line)).replace("\xa0", " ").strip()
        if text:
            self.paragraphs.append(text)
        self.line = []

    def finish(self) -> None:
        """Close whatever the page left open (a truncated page still gives its rows)."""
        while self.stack:
            self._pop()
        self._break()


def spaced(text: str) -> str:
    """Source text as a browser shows it: line breaks between Chinese characters dropped, other
    runs of white space one space."""
    return _SPACE.sub(" ", _CJK_BREAK.sub("", text))


def _span(attrs: list[tuple[str, str | None]] | None, name: str) -> int:
    for key, value in attrs or ():
        if key == name and value is not None:
            digits = re.match(r"\s*(\d+)", value)
            if digits:
                n = int(digits.group(1))
                return max(1, min(n, MAX_SPAN)) if name == "colspan" else min(n, 65534)
    return 1
