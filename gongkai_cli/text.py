"""Small text helpers: normalisation, Chinese numerals, suggestions (for the parsers), and text made
inert for terminals, spreadsheets and Markdown (for every output)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGITS = "零一二三四五六七八九"


def normalize(text: str) -> str:
    """Fold what people type into one form: NFKC (full-width ``（，`` -> ``(,``), no white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def cn_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 14 -> 十四, 20 -> 二十, 99 -> 九十九 (the range tables use)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def parse_cn_numeral(text: str) -> int | None:
    """Parse 一..九十九 (also 两, 〇) or ASCII digits; None when it is not a number."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" in text:
        head, _, tail = text.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = _DIGITS[head] if head else 1
        ones = _DIGITS[tail] if tail else 0
        value = tens * 10 + ones
        return value or None
    if len(text) == 1:
        return _DIGITS[text] or None
    return None


def suggest(word: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Closest names to what was typed: names containing it first, then fuzzy matches."""
    pool = list(dict.fromkeys(candidates))
    key = normalize(word)
    containing = [c for c in pool if key and (key in normalize(c) or normalize(c) in key)]
    containing.sort(key=len)
    fuzzy = difflib.get_close_matches(key, pool, n=limit, cutoff=0.5)
    out = list(dict.fromkeys(containing + fuzzy))
    return out[:limit]


# ---------------------------------------------------------------------------------------------
# Text that cannot act on a terminal, a spreadsheet or a Markdown renderer. Written by hand: each is
# a few lines over str.translate, and no library draws the line where gongkai needs it.

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0x200E, 0x200F, 0x061C)
_SHOWN = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x0A}
_SHOWN[0x09] = " "
for _c in _BIDI:
    _SHOWN[_c] = f"\\u{_c:04x}"
_SHOWN_LINE = {**_SHOWN, 0x0A: "\\x0a"}
# JSON already escapes C0 controls; these it passes raw, and \uNNNN is the same string to a parser.
_JSON_SHOWN = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), *_BIDI)}


def inert(text: str) -> str:
    """``text`` with everything a terminal would act on shown as an escape (newlines kept): C0 and
    C1 controls (ESC sequences, BEL, CSI) as ``\\xNN``, bidirectional overrides and line or
    paragraph separators (U+202E, U+2028) as ``\\uNNNN``, a tab as a space."""
    return text if text.isprintable() else text.translate(_SHOWN)


def inert_line(text: str) -> str:
    """``inert`` and a newline shown as ``\\x0a`` too: a one-line message stays one line."""
    return text if text.isprintable() else text.translate(_SHOWN_LINE)


def inert_json(text: str) -> str:
    """JSON text for a terminal: the characters ``json.dumps`` leaves raw that a terminal acts on
    (C1 controls, bidirectional overrides, U+2028) written as ``\\uNNNN`` escapes, so the text
    still parses to the same strings."""
    return text if text.isascii() else text.translate(_JSON_SHOWN)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """A spreadsheet cell's text that Excel, WPS or LibreOffice will not run as a formula: text
    starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe (OWASP's
    CSV-injection advice; the apostrophe makes the cell text)."""
    return "'" + text if text.startswith(FORMULA_START) else text


_MD_SPECIAL = {ord(c): "\\" + c for c in "\\`*_[]<>|~&"}
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def md_text(text: str, line_start: bool = False) -> str:
    """Text that Markdown shows as written: emphasis, code, links, HTML, table pipes and
    strikethrough escaped with a backslash; at the start of a line (``line_start``) also a heading,
    quote, list or setext marker; newlines as ``<br>``; terminal controls shown (``inert``)."""
    text = text.translate(_MD_SPECIAL)
    if line_start:
        text = _MD_LINE_START.sub(lambda m: m.group(1) + _md_lead(m.group(2)), text, count=1)
    return inert(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def _md_lead(lead: str) -> str:
    return lead + "\\" if lead.isdigit() else "\\" + lead
