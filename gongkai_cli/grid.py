"""Tables for people, drawn here rather than by a rendering library.

Rich drew these before: importing its console cost ~45 ms of a ~100 ms command (python -X importtime,
2026-11), and it laid out a large table at ~0.7 ms a row. What gongkai draws is small: boxed tables
and borderless grids of Chinese text. This module does it with the standard library only:

- widths in terminal cells: East Asian Wide/Fullwidth characters count 2, combining marks and
  zero-width format characters 0, everything else 1 (ambiguous-width characters such as “ and ●
  count 1, as in wcwidth and most terminals);
- wrapping that breaks between CJK characters or at spaces, folds words longer than the column,
  and never starts a line with closing punctuation nor ends one with opening punctuation (the
  Chinese line-breaking rule, 避头尾);
- ANSI styles (bold, dim, red, green, yellow) only when colour is on; the text reads the same
  without them;
- control characters in the text shown as \\xNN, never sent to the terminal.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, TextIO

# A cell is plain text, or a sequence of (text, style) spans; style is "" or words from _SGR.
Spans = Sequence[tuple[str, str]]
Cell = str | Spans

_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33"}
_COLORS = frozenset({"red", "green", "yellow"})

# Chinese line-breaking rule: these never begin a line ...
_NO_START = frozenset("，。、；：！？）》」』】〕〉”’…—·,.;:!?)]}%")
# ... and these never end one.
_NO_END = frozenset("（《「『【〔〈“‘([{")

# GONGKAI_ASCII=1: for consoles that draw East Asian "ambiguous" characters two cells wide (the
# legacy Windows console with a CJK font draws ─│┌ “” ● █ that way): borders in ASCII, and those
# characters counted as two cells, so the columns line up there too.
ASCII = os.environ.get("GONGKAI_ASCII", "") not in ("", "0")
#           corners: top, middle, bottom (left, cross, right); horizontal; vertical
_BOX = ("┌┬┐", "├┼┤", "└┴┘", "─", "│") if not ASCII else ("+++", "+++", "+++", "-", "|")
_PANEL = ("╭", "╮", "╰", "╯") if not ASCII else ("+", "+", "+", "+")
_WIDE_KINDS = ("W", "F", "A") if ASCII else ("W", "F")

_widths: dict[str, int] = {}


def char_width(ch: str) -> int:
    w = _widths.get(ch)
    if w is None:
        if "\u4e00" <= ch <= "\u9fff" or "\uff01" <= ch <= "\uff60":
            w = 2  # CJK ideographs and full-width forms: all Wide/Fullwidth, the common case
        elif (
            ch < " "
            or "\x7f" <= ch < "\xa0"
            or unicodedata.combining(ch)
            or unicodedata.category(ch) in ("Mn", "Me", "Cf")
        ):
            w = 0
        else:
            w = 2 if unicodedata.east_asian_width(ch) in _WIDE_KINDS else 1
        _widths[ch] = w
    return w


def _widths_of(text: str) -> list[int]:
    try:
        return list(map(_widths.__getitem__, text))
    except KeyError:
        for ch in set(text):
            char_width(ch)
        return list(map(_widths.__getitem__, text))


def text_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(_widths_of(text))


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Lines of ``text`` no wider than ``width`` cells, as (start, end) slices of ``text``.

    Explicit newlines are kept; spaces where a line is broken are dropped."""
    return [(a, b) for a, b, _ in _wrap(text, width)]


def _wrap(text: str, width: int) -> list[tuple[int, int, int]]:
    """As wrap(), each line with its width in cells."""
    width = max(width, 1)
    out: list[tuple[int, int, int]] = []
    start = 0
    for para in text.split("\n"):
        end = start + len(para)
        cells = text_width(para)
        if cells <= width:
            out.append((start, end, cells))
        else:
            out.extend(_wrap_paragraph(text, start, end, width))
        start = end + 1
    return out


def _wrap_paragraph(text: str, start: int, end: int, width: int) -> list[tuple[int, int, int]]:
    """Greedy filling: each line takes as many characters as fit (prefix sums and a binary search,
    so the cost is per line, not per character), then steps back to the nearest allowed break."""
    seg = text[start:end]
    ws = _widths_of(seg)
    prefix = list(accumulate(ws, initial=0))
    n = len(seg)
    lines: list[tuple[int, int]] = []
    ls = 0
    while True:
        # e: characters ls..e-1 fit; spaces may hang past the edge (they are dropped at a break).
        e = bisect_right(prefix, prefix[ls] + width, ls) - 1
        while e < n and seg[e] == " ":
            e += 1
        if e >= n:
            break
        cut = e
        while cut > ls and not _may_break(seg, ws, cut):
            cut -= 1
        if cut == ls:  # no allowed break on this line: fold the word at the edge
            cut = max(e, ls + 1)
        stop = cut
        while stop > ls and seg[stop - 1] == " ":
            stop -= 1
        lines.append((ls, stop))
        while cut < n and seg[cut] == " ":
            cut += 1
        ls = cut
    stop = n
    while stop > ls and seg[stop - 1] == " ":
        stop -= 1
    if stop > ls or not lines:
        lines.append((ls, stop))
    return [(a + start, b + start, prefix[b] - prefix[a]) for a, b in lines]


def _may_break(seg: str, ws: list[int], i: int) -> bool:
    """May a line end before seg[i]? After a space, or between two characters one of which is
    wide, unless that starts a line with closing punctuation or ends one with opening."""
    after = seg[i]
    if after == " ":
        return False
    before = seg[i - 1]
    if before == " ":
        return True
    return (ws[i] == 2 or ws[i - 1] == 2) and after not in _NO_START and before not in _NO_END


# Control characters never reach the terminal from a cell (a plan or a note could carry an escape
# sequence): a tab becomes a space, the rest are shown as \xNN. Newlines separate lines.
_VISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x0A}
_VISIBLE[0x09] = " "


def visible(text: str) -> str:
    return text.translate(_VISIBLE) if not text.isprintable() else text


def _visible(cell: Cell) -> Cell:
    if isinstance(cell, str):
        return visible(cell)
    return [(visible(text), style) for text, style in cell]


def _plain(cell: Cell) -> str:
    return cell if isinstance(cell, str) else "".join(t for t, _ in cell)


def _slice(cell: Cell, start: int, end: int) -> Spans:
    if isinstance(cell, str):
        return ((cell[start:end], ""),)
    out = []
    pos = 0
    for text, style in cell:
        a, b = max(start, pos), min(end, pos + len(text))
        if a < b:
            out.append((text[a - pos : b - pos], style))
        pos += len(text)
    return out


def highlight(text: str, words: Sequence[str], style: str) -> Spans:
    """``text`` with every occurrence of each word in ``style``."""
    marks = [False] * len(text)
    for word in words:
        if not word:
            continue
        at = text.find(word)
        while at >= 0:
            for k in range(at, at + len(word)):
                marks[k] = True
            at = text.find(word, at + len(word))
    out: list[tuple[str, str]] = []
    run_start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or marks[k] != marks[run_start]:
            out.append((text[run_start:k], style if marks[run_start] else ""))
            run_start = k
    return out


class Painter:
    """Turns spans into terminal text: ANSI styles when colour is on, the bare text otherwise."""

    def __init__(self, styles: bool, colors: bool) -> None:
        self.styles = styles
        self.colors = colors

    def __call__(self, spans: Spans) -> str:
        if not self.styles:
            return "".join(t for t, _ in spans)
        out = []
        for text, style in spans:
            codes = [_SGR[s] for s in style.split() if s in _SGR and (self.colors or s not in _COLORS)]
            out.append(f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes and text else text)
        return "".join(out)


def painter_for(stream: TextIO, color: str = "auto") -> Painter:
    """``--color auto|always|never``, NO_COLOR and FORCE_COLOR, decided the way terminals expect:
    styles only on a terminal (or when forced); NO_COLOR keeps bold and dim but drops colours."""
    if color == "never":
        return Painter(False, False)
    no_color = bool(os.environ.get("NO_COLOR"))
    if color == "always" or os.environ.get("FORCE_COLOR"):
        return Painter(True, not no_color)
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty or os.environ.get("TERM") == "dumb":
        return Painter(False, False)
    _enable_windows_ansi(stream)
    return Painter(True, not no_color)


def _enable_windows_ansi(stream: TextIO) -> None:
    if sys.platform != "win32":
        return
    try:  # Windows 10+: let the console interpret ANSI sequences
        import ctypes
        import msvcrt

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = msvcrt.get_osfhandle(stream.fileno())  # type: ignore[attr-defined,unused-ignore]
        mode = ctypes.c_uint32()
        if kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            kernel32.SetConsoleMode(handle, mode.value | 0x0004)
    except Exception:
        pass


def terminal_width(stream: TextIO) -> int:
    """COLUMNS when set, else the terminal's width, else 80 (a pipe or a file)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        pass
    return 80


class Column:
    def __init__(
        self, header: str, right: bool = False, wrap: bool = True, ratio: int = 0, min_width: int = 4
    ) -> None:
        self.header = header
        self.right = right  # right-justified (numbers)
        self.wrap = wrap  # False: never wrapped, the column is as wide as its widest cell
        self.ratio = ratio  # share of spare width among wrapping columns; 0 takes its natural width
        self.min_width = min_width


class Table:
    """A boxed table (``box=True``) or a borderless grid with ``gap`` spaces between columns."""

    def __init__(
        self,
        columns: list[Column],
        title: str = "",
        caption: str = "",
        box: bool = True,
        gap: int = 2,
        first_bold: bool = False,  # grids: the label column in bold
    ) -> None:
        self.columns = columns
        self.title = visible(title)
        self.caption = visible(caption)
        self.box = box
        self.gap = gap
        self.first_bold = first_bold
        self.rows: list[tuple[list[Cell], bool]] = []

    def add_row(self, *cells: Cell, end_section: bool = False) -> None:
        self.rows.append(([_visible(c) for c in cells], end_section))

    def end_section(self) -> None:
        if self.rows:
            self.rows[-1] = (self.rows[-1][0], True)

    # -- layout ------------------------------------------------------------------------------

    def _widths(self, total: int) -> tuple[list[int], list[list[int]]]:
        """Each column's width, and each cell's width on one line (-1: it has several lines)."""
        n = len(self.columns)
        natural = [text_width(c.header) if self.box else 0 for c in self.columns]
        measured: list[list[int]] = []
        for cells, _ in self.rows:
            row = []
            for k, cell in enumerate(cells):
                plain = _plain(cell)
                if "\n" in plain:
                    w = max(map(text_width, plain.split("\n")))
                    row.append(-1)
                else:
                    w = text_width(plain)
                    row.append(w)
                if w > natural[k]:
                    natural[k] = w
            measured.append(row)
        frame = (3 * n + 1) if self.box else self.gap * (n - 1)
        room = total - frame
        widths = list(natural)
        flex = [k for k, c in enumerate(self.columns) if c.wrap and c.ratio]
        if flex:
            # Fixed columns keep their natural width; the rest is shared by ratio, no column
            # growing past what its text needs (leftover goes to the others).
            spare = room - sum(widths[k] for k in range(n) if k not in flex)
            todo = list(flex)
            while todo:
                share = sum(self.columns[k].ratio for k in todo)
                capped = [k for k in todo if natural[k] <= spare * self.columns[k].ratio // max(share, 1)]
                if not capped:
                    for k in todo:
                        widths[k] = max(spare * self.columns[k].ratio // share, 2)
                    widths[todo[-1]] += max(spare - sum(widths[k] for k in todo), 0)  # rounding
                    break
                for k in capped:
                    widths[k] = natural[k]
                    spare -= natural[k]
                    todo.remove(k)
        # Too wide still: narrow the widest wrapping column, one cell at a time, down to minimums.
        over = sum(widths) - room
        while over > 0:
            candidates = [
                k
                for k, c in enumerate(self.columns)
                if c.wrap and widths[k] > max(min(c.min_width, natural[k]), 2)
            ]
            if not candidates:
                break
            k = max(candidates, key=lambda j: widths[j])
            widths[k] -= 1
            over -= 1
        return widths, measured

    # -- drawing -----------------------------------------------------------------------------

    def render(self, width: int, paint: Painter) -> list[str]:
        widths, measured = self._widths(width)
        out: list[str] = []
        if self.title:
            out += [paint(((self.title[a:b], "bold"),)) for a, b in wrap(self.title, width)]
        if self.box:
            out.append(_rule(_BOX[0], widths))
            out += self._row_lines([(c.header, "bold") for c in self.columns], widths, paint, header=True)
            out.append(_rule(_BOX[1], widths))
        rule = _rule(_BOX[1], widths)
        for i, (cells, end) in enumerate(self.rows):
            if not self.box and self.first_bold and cells and isinstance(cells[0], str):
                cells = [((cells[0], "bold"),), *cells[1:]]
            out += self._row_lines(cells, widths, paint, measured=measured[i])
            if end and self.box and i + 1 < len(self.rows):
                out.append(rule)
        if self.box:
            out.append(_rule(_BOX[2], widths))
        if self.caption:
            out += [paint(((self.caption[a:b], "dim"),)) for a, b in wrap(self.caption, width)]
        return out

    def _row_lines(
        self,
        cells: Sequence[Any],
        widths: list[int],
        paint: Painter,
        header: bool = False,
        measured: Sequence[int] = (),
    ) -> list[str]:
        columns: list[list[str]] = []  # per column: its lines, painted and padded to the width
        styles = paint.styles
        for k, col in enumerate(self.columns):
            if header:
                text, style = cells[k]
                cell: Cell = ((text, style),)
            else:
                cell = cells[k] if k < len(cells) else ""
            plain = _plain(cell)
            full = widths[k]
            known = measured[k] if k < len(measured) else -1
            if known >= 0 and (known <= full or not col.wrap):
                slices = [(0, len(plain), known)]  # one line, measured already
            else:
                slices = _wrap(plain, full)
            lines = []
            for a, b, w in slices:
                if isinstance(cell, str):
                    painted = plain[a:b] if not styles else paint(((plain[a:b], ""),))
                else:
                    painted = paint(_slice(cell, a, b)) if styles else plain[a:b]
                pad = " " * (full - w) if full > w else ""
                lines.append(pad + painted if col.right else painted + pad)
            columns.append(lines)
        height = max(map(len, columns))
        bar = _BOX[4]
        sep, left, right = (f" {bar} ", f"{bar} ", f" {bar}") if self.box else (" " * self.gap, "", "")
        out = []
        for j in range(height):
            parts = [c[j] if j < len(c) else " " * widths[k] for k, c in enumerate(columns)]
            line = left + sep.join(parts) + right
            out.append(line if self.box else line.rstrip())
        return out


def _rule(corners: str, widths: list[int]) -> str:
    """A horizontal border: ``┌──┬──┐`` and the like."""
    return corners[0] + corners[1].join(_BOX[3] * (w + 2) for w in widths) + corners[2]


def panel(title: str, lines: Sequence[str], width: int) -> list[str]:
    """Lines framed with rounded corners and a title in the top border (help pages)."""
    inner = width - 4
    dash, bar = _BOX[3], _BOX[4]
    head = f"{_PANEL[0]}{dash} {title} "
    out = [head + dash * max(width - text_width(head) - 1, 0) + _PANEL[1]]
    for line in lines:
        out.append(f"{bar} " + line + " " * max(inner - text_width(_strip_ansi(line)), 0) + f" {bar}")
    out.append(_PANEL[2] + dash * (width - 2) + _PANEL[3])
    return out


def _strip_ansi(text: str) -> str:
    if "\x1b" not in text:
        return text
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def emit(tables: Sequence[Table], stream: TextIO | None = None, color: str = "auto") -> None:
    stream = stream or sys.stdout
    paint = painter_for(stream, color)
    width = terminal_width(stream)
    lines: list[str] = []
    for table in tables:
        lines += table.render(width, paint)
    stream.write("\n".join(lines) + "\n")
