"""Output for scripts: JSON, CSV, TSV and Markdown, from the records a command returns.

A contract: keys and columns are only ever added, never renamed or removed; absent values are
null; an empty result is ``[]``; dates are YYYY-MM-DD. No Rich here (scripts must not pay for it).

Text from plans, notes and files is data, never an instruction: in CSV and TSV a text cell that a
spreadsheet would run as a formula gets a leading apostrophe (numbers never do: ``-3`` days stays
``-3``); Markdown escapes what a renderer would interpret; and on a terminal control characters,
ESC sequences and bidirectional overrides are shown as escapes (``text.inert``). ``-f json`` keeps
every string exactly as stored (piped; on a terminal the same strings, more characters escaped).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..text import cn_numeral, formula_safe, inert, inert_json, md_text

MACHINE_FORMATS = ("json", "csv", "tsv", "md")

TASK_COLUMNS = (
    "id", "part", "part_title", "section", "section_label", "section_title", "units", "requirement",
    "deadline", "deadline_text", "relation", "via", "status", "overdue", "unit_done", "responsible",
    "done_units", "pending_units", "state", "on_time", "late_units", "lead", "topic",
)  # fmt: skip
UNIT_COLUMNS = ("name", "kind", "kind_label", "full_name", "aliases", "groups", "direct_tasks", "note")
UNIT_HEADERS = ("名称", "类别代码", "类别", "全称", "别名", "所属统称", "直接点名的任务数", "备注")
EVENT_COLUMNS = (
    "seq",
    "at",
    "at_local",
    "action",
    "task_id",
    "unit",
    "done_on",
    "note",
    "by",
    "source",
    "plan",
    "old_done_on",
    "old_note",
    "claimed_under",
    "choice",
)
EVENT_HEADERS = (
    "序号",
    "时间(UTC)",
    "时间",
    "操作",
    "编号",
    "单位",
    "完成日期",
    "备注",
    "操作人",
    "来源",
    "计划",
    "原完成日期",
    "原备注",
    "认领统称",
    "导入冲突的决定",
)
STATUS_COLUMNS = (
    "key", "label", "rows", "done", "partial", "open", "overdue", "due_soon", "done_parts", "parts",
    "progress", "light", "done_on_time", "done_late", "placeholder",
)  # fmt: skip
STATUS_HEADERS = (
    "键", "名称", "任务数", "已完成", "部分完成", "未完成", "逾期", "临近", "已完成份数", "总份数",
    "完成率", "状态", "按时完成", "逾期完成", "待认领",
)  # fmt: skip
PAIR_COLUMNS = (
    "id", "unit", "via", "part", "section", "section_label", "section_title", "requirement", "deadline",
    "deadline_text",
)  # fmt: skip
PAIR_HEADERS = (
    "编号",
    "单位",
    "经由统称",
    "部分",
    "工作任务",
    "序号",
    "工作任务标题",
    "具体要求",
    "截止日期",
    "完成时限",
)
PLAN_COLUMNS = (
    "name", "title", "year", "doc_number", "issuer", "rows", "path", "builtin", "current", "installed_at",
    "broken", "problem",
)  # fmt: skip
PLAN_HEADERS = (
    "名称", "标题", "年度", "文号", "发布机关", "行数", "位置", "内置", "当前使用", "安装时间", "无法使用",
    "问题",
)  # fmt: skip
DAYS_HEADERS = {"days_overdue": "逾期天数", "days_left": "剩余天数"}
TASK_MD_COLUMNS = ("id", "part", "section", "units", "requirement", "deadline", "relation")
TASK_MD_HEADERS = ("编号", "部分", "工作任务", "责任单位", "具体要求", "完成时限", "归属")
RELATION_LABELS = {"direct": "直接", "group": "经由统称", "possible": "可能相关"}


def write_json(data: Any, out: Any = None) -> None:
    """Indented for a person at a terminal. Piped, a list is written one record per line as it is
    produced: C-encoded (ten times faster than indenting) and never held whole in memory."""
    import json

    out = out or sys.stdout
    if _on_terminal(out):
        data = list(data) if not isinstance(data, (dict, list)) else data
        out.write(inert_json(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")
        return
    if isinstance(data, dict):
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    encode = _record_encoder()
    chunk: list[str] = []
    count = 0
    for record in data:
        chunk.append(encode(record))
        count += 1
        if len(chunk) == 1000:
            out.write(("[\n" if count == 1000 else ",\n") + ",\n".join(chunk))
            chunk = []
    if chunk:
        out.write(("[\n" if count == len(chunk) else ",\n") + ",\n".join(chunk))
    out.write("\n]\n" if count else "[]\n")


def _record_encoder() -> Callable[[Any], str]:
    """``json.dumps(record, ensure_ascii=False)``, made once for every record of a listing.

    ``JSONEncoder.encode`` builds a new C encoder for each call, a cost that counts over 70,000
    records (``due`` at 10,000 rows). ``json.encoder.c_make_encoder`` is that same C encoder,
    built here once with the arguments ``encode`` gives it, minus the circular-reference check
    (records are plain trees). Its string encoder is ``encode_basestring`` behind a memo: the
    keys, and values like a row's requirement that ``due`` repeats for each of its units, are
    escaped once. The text is identical. ``c_make_encoder`` is undocumented: on a Python without
    it, ``encode`` as usual.
    """
    import json.encoder

    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # not in typeshed either
    if c_make_encoder is None:  # pragma: no cover - Pythons without the C accelerator
        return json.JSONEncoder(ensure_ascii=False).encode
    default = json.JSONEncoder().default  # the TypeError of a value JSON has no form for
    escape = _Escaped(json.encoder.encode_basestring).__getitem__
    probe = {"键": ["值\n", 1, 2.5, None, True]}
    try:  # an undocumented function may change its arguments in another Python: check it once
        chunks = c_make_encoder(None, default, escape, None, ": ", ", ", False, False, True)
        if "".join(chunks(probe, 0)) != json.dumps(probe, ensure_ascii=False):
            raise TypeError("c_make_encoder")
    except TypeError:  # pragma: no cover - a Python whose accelerator differs
        return json.JSONEncoder(ensure_ascii=False).encode
    return lambda record: "".join(chunks(record, 0))


class _Escaped(dict[str, str]):
    """str -> its JSON form; looked up in C, so a string seen before costs no Python call."""

    LIMIT = 50_000  # strings kept: bounds the memory of a listing of unique notes

    def __init__(self, escape: Callable[[str], str]) -> None:
        super().__init__()
        self.escape = escape

    def __missing__(self, text: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        escaped = self[text] = self.escape(text)
        return escaped


def _on_terminal(out: Any) -> bool:
    return hasattr(out, "isatty") and bool(out.isatty())


def flat(value: Any) -> str:
    """One cell: lists joined by 、, booleans as true/false, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def safe_flat(value: Any) -> str:
    """One CSV/TSV cell (``flat``), formula-safe when it is text: ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return at the start gets a leading apostrophe; numbers are written as they are."""
    text = flat(value)
    return formula_safe(text) if isinstance(value, (str, list)) else text


def write_delimited(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, out: Any = None
) -> None:
    """CSV (RFC 4180, header row) or TSV (tabs and newlines inside cells become spaces); text cells
    formula-safe, and inert on a terminal."""
    out = out or sys.stdout
    cell = (lambda v: inert(safe_flat(v))) if _on_terminal(out) else safe_flat
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
        return
    out.write("\t".join(columns) + "\n")
    for row in rows:
        cells = [cell(row.get(c)).replace("\t", " ").replace("\r", " ").replace("\n", " ") for c in columns]
        out.write("\t".join(cells) + "\n")


def md_cell(value: Any) -> str:
    """A Markdown table cell: text escaped (``md_text``: no emphasis, links, HTML or pipes; controls
    shown), newlines as ``<br>``."""
    return md_text(flat(value))


def write_markdown(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: Sequence[str], out: Any = None
) -> None:
    out = out or sys.stdout
    out.write("| " + " | ".join(headers) + " |\n")
    out.write("|" + "|".join("---" for _ in headers) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(md_cell(row.get(c)) for c in columns) + " |\n")


def _task_md_rows(records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for r in records:
        yield {
            "id": r["id"],
            "part": f"{cn_numeral(r['part'])}、{r['part_title']}" if r["part"] else "",
            "section": f"{r['section_label']}{r['section_title']}",
            "units": r.get("units_text") or r["units"],
            "requirement": r["requirement"],
            "deadline": f"{r['deadline_text'] or '持续推进'}（{r['deadline'] or '无截止日期'}）",
            "relation": _relation_label(r),
        }


PAIR_MD_COLUMNS = ("unit", "id", "section", "requirement", "deadline", "days", "via")
PAIR_MD_HEADERS = ("单位", "编号", "工作任务", "具体要求", "完成时限", "天数", "经由统称")


def _pair_md_rows(records: Iterable[dict[str, Any]], days_key: str) -> Iterable[dict[str, Any]]:
    """``overdue``/``due`` as a person reads them, like ``tasks -f md``: names, not numbers."""
    for r in records:
        yield {
            "unit": r["unit"],
            "id": r["id"],
            "section": f"{r['section_label']}{r['section_title']}",
            "requirement": r["requirement"],
            "deadline": f"{r['deadline_text']}（{r['deadline'] or '无截止日期'}）",
            "days": r.get(days_key),
            "via": r.get("via"),
        }


def _relation_label(record: dict[str, Any]) -> str:
    relation = record.get("relation")
    if relation is None:
        return ""
    label = RELATION_LABELS.get(relation, relation)
    return f"{label}：{record['via']}" if record.get("via") else label


def write(kind: str, records: Any, fmt: str, days_key: str = "") -> None:
    """``records`` of a command of ``kind`` in a machine format."""
    if fmt == "json":
        write_json(records)
        return
    if kind == "tasks":
        if fmt == "md":
            rows = list(records)
            n = len(TASK_MD_COLUMNS) if any(r.get("relation") for r in rows) else len(TASK_MD_COLUMNS) - 1
            write_markdown(_task_md_rows(rows), TASK_MD_COLUMNS[:n], TASK_MD_HEADERS[:n])
        else:
            write_delimited(records, TASK_COLUMNS, fmt)
        return
    columns, headers = {
        "units": (UNIT_COLUMNS, UNIT_HEADERS),
        "log": (EVENT_COLUMNS, EVENT_HEADERS),
        "status": (STATUS_COLUMNS, STATUS_HEADERS),
        "plans": (PLAN_COLUMNS, PLAN_HEADERS),
        "pairs": ((*PAIR_COLUMNS, days_key), (*PAIR_HEADERS, DAYS_HEADERS.get(days_key, days_key))),
    }[kind]
    if kind == "units":
        records = records["units"]
    if kind == "pairs" and fmt == "md":
        headers = (*PAIR_MD_HEADERS[:5], DAYS_HEADERS.get(days_key, days_key), PAIR_MD_HEADERS[6])
        write_markdown(_pair_md_rows(records, days_key), PAIR_MD_COLUMNS, headers)
        return
    if fmt == "md":
        write_markdown(records, columns, headers)
    else:
        write_delimited(records, columns, fmt)
