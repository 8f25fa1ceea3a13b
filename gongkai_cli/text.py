"""Small text helpers shared by the parsers: normalisation, Chinese numerals, suggestions."""

from __future__ import annotations

import difflib
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
