"""A grid (grid.Document) -> the plan mapping ``validate_plan`` accepts, and the review report.

Written by hand because no library knows 分解表: which header names which column (by its key words),
which rows are part and section headings (rows merged across, or columns of their own, one to three
levels: 一、 / (一) / 1.), how a 责任单位 cell names its units (separators, 牵头/配合, ``等`` tails, verb
tails, group phrases), and what a 完成时限 cell means in the plan's year. Every judgement call is
written to the report (report.py) with the row it was made on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NamedTuple

from ..dates import resolve_deadline
from ..errors import NothingToImport, UsageError
from ..model import Plan
from .grid import Cell, Document, Table
from .hanzi import to_simplified, traditional_count
from .report import ImportReport

# ---------------------------------------------------------------------------------------------
# Columns: roles, recognised by key words


SEQ, TASK, REQUIREMENT, UNITS, LEAD, SUPPORT, DEADLINE, OTHER = (
    "seq", "task", "requirement", "units", "lead", "support", "deadline", "other",
)  # fmt: skip
ROLE_LABELS = {
    SEQ: "序号",
    TASK: "标题列（部分/工作任务）",
    REQUIREMENT: "具体要求",
    UNITS: "责任单位",
    LEAD: "牵头单位",
    SUPPORT: "配合单位",
    DEADLINE: "完成时限",
    OTHER: "未使用",
}
# Checked in this order: 时限要求 is a deadline, 任务内容 a requirement, 牵头单位 a lead column.
_ROLE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (role, re.compile(words))
    for role, words in (
        (SEQ, r"^(序号|编号|序|项次|No\.?)$"),
        (OTHER, r"备注|说明|联系人|电话|完成情况|进展"),
        (LEAD, r"牵头|主办|主责"),
        (SUPPORT, r"配合|协办|参与|协同"),
        (UNITS, r"单位|部门|科室|处室|主体|责任人|责任方"),
        (DEADLINE, r"时限|时间|期限|时间节点|进度安排|日期"),
        (REQUIREMENT, r"要求|内容|分工|措施|举措|目标|事项"),
        (TASK, r"任务|领域|类别|方面|板块|项目|重点"),
    )
)
_MAX_HEADER_CELL = 12  # a header cell is a few words, never a sentence
_HEADER_SCAN = 15  # rows looked at for the header, from the top of each table


def column_role(text: str) -> str | None:
    key = _squash(text)
    if not key or len(key) > _MAX_HEADER_CELL:
        return None
    for role, pattern in _ROLE_WORDS:
        if pattern.search(key):
            return role
    return None


class Column(NamedTuple):
    at: int  # 0-based position in the row
    header: str
    role: str


def _squash(text: str) -> str:
    """For comparing words: NFKC (full-width -> ASCII) and no white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# ---------------------------------------------------------------------------------------------
# 责任单位: one cell -> unit names, lead units, open-ended phrases


_OPEN = "([〔【《「“"
_CLOSE = ")]〕】》」”"
_SEPARATORS = frozenset("、，,；;\n/／①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳")  # circled numbers enumerate units
_PARENS = str.maketrans({"（": "(", "）": ")"})
_VERB_TAILS = (
    "按职责分工负责落实", "按照职责分工落实", "按职责分工落实", "按职责分工负责", "按职能分工落实",
    "按职责落实", "按职责负责", "根据职责落实", "分别负责落实", "共同负责落实", "负责落实", "具体落实",
    "抓好落实", "组织落实", "共同落实", "分别落实", "分工负责", "共同负责", "分别负责", "具体负责",
    "负责", "落实",
)  # fmt: skip
_ROLE_TAILS = (
    ("牵头落实", LEAD), ("牵头负责", LEAD), ("配合落实", SUPPORT), ("协助落实", SUPPORT),
    ("牵头", LEAD), ("主办", LEAD), ("主责", LEAD), ("配合", SUPPORT), ("协办", SUPPORT), ("参与", SUPPORT),
    ("协助", SUPPORT),
)  # fmt: skip
_LABELS = re.compile(
    r"^(牵头单位|主办单位|牵头部门|牵头|主办|配合单位|协办单位|配合部门|配合|协办|责任单位|责任部门)[:：]"
)
_GROUP_WORDS = re.compile(r"各|^(有关|相关|其他|其它)|(成员单位|有关部门|相关部门|有关单位|相关单位)$")
_OPEN_WORDS = re.compile(r"^(有关|相关|其他|其它)|(有关部门|相关部门|有关单位|相关单位)")
_ETC_PHRASE = re.compile(r"部门|单位|区直|有关|相关|各|成员|镇|街道|乡|科室|处室|机构|系统|企业|主体")
_TRAILING = "。.:：·"
_ROLE_IN_PARENS = re.compile(r"\((牵头单位|牵头|主办|配合单位|配合|协办)\)$")
_ENUMERATION = re.compile(r"^(?:\d{1,2}[.．]|[(（]\d{1,2}[)）])\s*")


class UnitSplit(NamedTuple):
    names: list[str]  # units and group phrases, in order, each once
    lead: list[str]  # the ones marked 牵头 / 主办
    open_ended: list[str]  # phrases after 等 (``等区政府有关部门单位``) and 有关/相关 … phrases
    groups: list[str]  # group phrases (各镇(街道), 区直各部门, and the open-ended ones)
    bare_etc: bool  # a 等 with no phrase after it (``A、B等按职责分工落实``)
    duplicates: list[str]  # names written twice in the cell


def split_units(text: str) -> UnitSplit:
    """A 责任单位 cell -> its unit names and what the cell says about them.

    Separators 、 ， , ； ; / and line breaks (outside brackets, so ``规划信息处(爱卫办)`` and
    ``市府办〔市大数据局〕`` stay whole); ``X牵头,Y配合`` and ``X主办、Y协办`` (a role word covers the
    names since the previous one); ``牵头单位：…`` labels; verb tails (负责落实, 按职责分工落实 …)
    dropped; ``A、B等<phrase>`` gives A, B and the phrase as an open-ended unit string.
    """
    pieces = _top_level_pieces(text.translate(_PARENS))
    names: list[str] = []
    roles: dict[str, str] = {}
    open_ended: list[str] = []
    duplicates: list[str] = []
    bare_etc = False
    label_role: str | None = None
    since_role: list[str] = []  # names since the last role word, which a role word then covers

    def add(name: str, role: str | None) -> None:
        if name in names:
            duplicates.append(name)
            return
        names.append(name)
        if role:
            roles[name] = role
        elif label_role is None:
            since_role.append(name)

    for raw in pieces:
        piece = raw.strip().strip(_TRAILING).strip()
        m = _LABELS.match(piece)
        if m:
            word = m.group(1)
            label_role = (
                LEAD if word[:2] in ("牵头", "主办") else SUPPORT if word[:2] in ("配合", "协办") else None
            )
            since_role.clear()
            piece = piece[m.end() :].strip()
        if piece.startswith("由"):
            piece = piece[1:]
        piece, role = _strip_tails(piece)
        if piece.isdigit():  # "1、区财政局": the number of an enumeration
            continue
        head, etc, phrase = _split_etc(piece)
        phrase, phrase_role = _strip_tails(phrase)
        role = role or phrase_role
        if head:
            add(head, label_role)
        if etc:
            if phrase:
                add(phrase, label_role)
                if phrase not in open_ended:
                    open_ended.append(phrase)
            else:
                bare_etc = True
        if role:
            for name in since_role:
                roles.setdefault(name, role)
            since_role.clear()
    for name in names:
        if _OPEN_WORDS.search(name) and name not in open_ended:
            open_ended.append(name)
    groups = [n for n in names if n in open_ended or _GROUP_WORDS.search(n)]
    lead = [n for n in names if roles.get(n) == LEAD]
    return UnitSplit(names, lead, open_ended, groups, bare_etc, duplicates)


def _top_level_pieces(text: str) -> list[str]:
    """Split at separators outside brackets. White space separates too, unless the pieces it
    leaves look like one spaced-out name (``区 财 政 局``, ``规划信息处 (爱卫办)``): then it is glued."""
    chunks: list[list[str]] = [[]]  # chunks between separators, each a list of space-separated parts
    depth = 0
    current: list[str] = []

    def close_part() -> None:
        if current:
            chunks[-1].append("".join(current))
            current.clear()

    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if depth == 0 and ch in _SEPARATORS:
            close_part()
            chunks.append([])
        elif depth == 0 and ch.isspace():
            close_part()
        else:
            current.append(ch)
    close_part()
    pieces: list[str] = []
    for parts in chunks:
        if len(parts) > 1 and any(len(p) == 1 or p[0] in _OPEN for p in parts):
            pieces.append("".join(parts))
        else:
            pieces.extend(parts)
    return [p for p in pieces if p.strip()]


def _strip_tails(piece: str) -> tuple[str, str | None]:
    """``X负责落实`` -> X; ``X牵头`` -> (X, lead); ``X牵头落实`` -> (X, lead)."""
    role: str | None = None
    piece = _ENUMERATION.sub("", piece)
    changed = True
    while changed and piece:
        changed = False
        m = _ROLE_IN_PARENS.search(piece)  # 区财政局(牵头)
        if m and m.start():
            word = m.group(1)
            piece, role, changed = (
                piece[: m.start()],
                role or (LEAD if word[:2] in ("牵头", "主办") else SUPPORT),
                True,
            )
        for tail, tail_role in _ROLE_TAILS:
            if (piece.endswith(tail) and len(piece) > len(tail)) or piece == tail:
                piece, role, changed = piece[: -len(tail)], role or tail_role, True
                break
        for tail in _VERB_TAILS:
            if piece.endswith(tail) and (len(piece) > len(tail) or piece == tail):
                piece, changed = piece[: -len(tail)], True
                break
    return "".join(piece.split()).strip(_TRAILING), role


def _split_etc(piece: str) -> tuple[str, bool, str]:
    """``A等区政府有关部门单位`` -> (A, True, 区政府有关部门单位); a 等 inside a name stays."""
    at = piece.find("等")
    while at >= 0:
        after = piece[at + 1 :]
        bare, _ = _strip_tails(after)
        if not bare or _ETC_PHRASE.search(bare):
            return piece[:at], True, after
        at = piece.find("等", at + 1)
    return piece, False, ""


# ---------------------------------------------------------------------------------------------
# Headings: 一、 / (一) / 1. as rows merged across or as columns


_NUMBERED = (
    (1, re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]\s*")),
    (2, re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]\s*")),
    (3, re.compile(r"^\d{1,3}(?:[、．]|\.(?!\d))\s*")),
    (4, re.compile(r"^[(（]\d{1,3}[)）]\s*")),
)


def heading_style(text: str) -> int:
    """1 for 一、, 2 for (一), 3 for 1., 4 for (1); 0 when the text carries no heading number."""
    for rank, pattern in _NUMBERED:
        if pattern.match(text):
            return rank
    return 0


def heading_title(text: str) -> str:
    """The heading without its number: ``(一)围绕稳经济`` -> ``围绕稳经济``."""
    for _rank, pattern in _NUMBERED:
        m = pattern.match(text)
        if m:
            return text[m.end() :].strip()
    return text.strip()


class _Heading(NamedTuple):
    rank: float
    text: str
    row: int


# ---------------------------------------------------------------------------------------------
# The whole grid


class Meta(NamedTuple):
    year: int | None = None
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None


class Result(NamedTuple):
    mapping: dict[str, Any]
    report: ImportReport


def normalise(doc: Document, given: Meta | None = None) -> Result:
    """The plan mapping for a document, and the report of every judgement made on the way.

    Raises NothingToImport (no table, no header row, no data rows) and UsageError (the year cannot
    be found and was not given).
    """
    given = given or Meta()
    report = ImportReport(source=doc.path, kind=doc.kind)
    doc = _simplified(doc, report)
    if not doc.tables:
        raise NothingToImport(f"{doc.path} 中没有表格：找不到可导入的分解表")
    found = _find_header(doc.tables)
    if found is None:
        raise NothingToImport(
            f"{doc.path} 中的表格都没有可识别的表头（应有“具体要求/工作任务”和“责任单位/完成时限”等列名）"
        )
    table, header_at, columns, header_rows = found
    report.table = table.where
    report.header_row = table.first_line + header_at
    report.columns = [
        {"column": c.at + 1, "header": c.header, "role": c.role, "role_label": ROLE_LABELS[c.role]}
        for c in columns
    ]
    builder = _Builder(table, columns, report)
    builder.read_rows(table, header_at, header_at + header_rows)
    header = [_squash(c.text) for c in table.rows[header_at]]
    position = next(i for i, t in enumerate(doc.tables) if t is table)
    for other in doc.tables[position + 1 :]:
        # A table broken at a page (or pasted in pieces) repeats its header: read on.
        at = next(
            (i for i, r in enumerate(other.rows[:_HEADER_SCAN]) if [_squash(c.text) for c in r] == header),
            None,
        )
        if at is not None:
            report.note(0, f"{other.where}与{table.where}表头相同，作为续表接着导入")
            builder.read_rows(other, at, at + header_rows)
    for other in doc.tables:
        if all(other is not t for t in builder.tables):
            report.note(0, f"跳过{other.where}：没有与分解表相同的表头")
    if not builder.rows:
        raise NothingToImport(f"{doc.path} 的{table.where}只有表头，没有数据行")
    meta = _metadata(doc, table, header_at, given, report)
    mapping = builder.mapping(meta)
    report.tasks_written = len(mapping["tasks"])
    return Result(mapping, report)


def _simplified(doc: Document, report: ImportReport) -> Document:
    """The document in Simplified script when it is written in Traditional (3+ distinct characters
    of the table in hanzi.py)."""
    sample = "".join(doc.paragraphs) + "".join(c.text for t in doc.tables for row in t.rows for c in row)
    if traditional_count(sample) < 3:
        return doc
    report.note(0, "原文为繁体字，已转换为简体（逐字对照，请核对专有名词）", review=True)
    tables = [
        t._replace(rows=[[c._replace(text=to_simplified(c.text)) for c in row] for row in t.rows])
        for t in doc.tables
    ]
    return doc._replace(tables=tables, paragraphs=[to_simplified(p) for p in doc.paragraphs])


class _Header(NamedTuple):
    table: Table
    at: int  # the header row's index
    columns: list[Column]
    rows: int  # rows the header takes


def _find_header(tables: list[Table]) -> _Header | None:
    """The table and row whose cells name the most roles (at least a requirement or task column,
    and a units or deadline column); on a tie, the table with more rows below its header."""
    best: tuple[tuple[int, int], _Header] | None = None
    for table in tables:
        for i, row in enumerate(table.rows[:_HEADER_SCAN]):
            found = _header_columns(table, i, row)
            if found is None:
                continue
            columns, rows = found
            score = (len({c.role for c in columns} - {OTHER}), len(table.rows) - i)
            if best is None or score > best[0]:
                best = (score, _Header(table, i, columns, rows))
            break  # the first header-like row of a table is its header
    return None if best is None else best[1]


def _header_columns(table: Table, at: int, row: list[Cell]) -> tuple[list[Column], int] | None:
    """The recognised columns of a header row, and how many rows the header takes (1, or 2 when
    a 责任单位 cell is split into 牵头单位 | 配合单位 below it)."""
    columns: list[Column] = []
    for i, cell in enumerate(row):
        if cell.down:
            continue
        role = column_role(cell.text)
        if role is not None:
            # A header merged across columns (工作任务 over a part and a section column, 责任单位
            # over two unit columns) names each of them.
            if cell.right and not (columns and columns[-1].at == i - 1):
                continue
            columns.append(Column(i, cell.text.replace("\n", ""), role))
    roles = [c.role for c in columns]
    if not ({REQUIREMENT, TASK} & set(roles)) or not ({UNITS, LEAD, SUPPORT, DEADLINE} & set(roles)):
        return None
    columns, extra = _sub_header(table, at, columns)
    if REQUIREMENT not in [c.role for c in columns]:
        # No 具体要求 column: the last 任务 column holds the rows' text (序号 | 重点任务 | 责任单位 | 时限).
        last = max(i for i, c in enumerate(columns) if c.role == TASK)
        columns[last] = columns[last]._replace(role=REQUIREMENT)
    first = [i for i, c in enumerate(columns) if c.role == REQUIREMENT]
    for i in first[1:]:
        columns[i] = columns[i]._replace(role=OTHER)
    deadline = [i for i, c in enumerate(columns) if c.role == DEADLINE]
    for i in deadline[1:]:
        columns[i] = columns[i]._replace(role=OTHER)
    return columns, extra


def _sub_header(table: Table, at: int, columns: list[Column]) -> tuple[list[Column], int]:
    """A two-row header: 责任单位 merged across over 牵头单位 | 配合单位 in the row below."""
    if at + 1 >= len(table.rows):
        return columns, 1
    below = table.rows[at + 1]
    top = table.rows[at]
    out = list(columns)
    for i, cell in enumerate(below):
        role = column_role(cell.text)
        if role not in (LEAD, SUPPORT) or cell.down:
            continue
        parent = top[i]
        if column_role(parent.text) != UNITS:
            continue
        out = [c for c in out if c.at != i]
        out.append(Column(i, f"{parent.text}/{cell.text}", role))
    if out == columns:
        return columns, 1
    return sorted(out, key=lambda c: c.at), 2


class _Row(NamedTuple):
    line: int
    headings: tuple[_Heading, ...]
    units: list[str]
    lead: list[str]
    requirement: str
    deadline: str | None  # None: the table has no 完成时限 column


class _Builder:
    def __init__(self, table: Table, columns: list[Column], report: ImportReport) -> None:
        self.table = table
        self.report = report
        self.by_role: dict[str, list[int]] = {}
        for c in columns:
            self.by_role.setdefault(c.role, []).append(c.at)
        self.rows: list[_Row] = []
        self.units: dict[str, None] = {}  # every name, in order of first appearance
        self.groups: dict[str, bool] = {}  # group phrase -> open-ended
        self.column_ranks: dict[int, float] = {}
        self.tables: list[Table] = []
        # Carried from row to row (and on into a continuation table):
        self.stack: list[_Heading] = []  # the headings the next row sits under, outermost first
        self.column_text: dict[int, str] = {}  # the current text of each heading column
        self.last_units: tuple[list[str], list[str]] | None = None
        self.last_deadline: str | None = None
        if DEADLINE not in self.by_role:
            report.note(0, "表格没有完成时限列：各行按“持续推进”（无截止日期）导入", review=True)
        if UNITS not in self.by_role and LEAD not in self.by_role:
            report.note(0, "表格没有责任单位列：各行的责任单位记为“责任单位未写明”", review=True)

    def cells(self, row: list[Cell], role: str) -> list[Cell]:
        return [row[i] for i in self.by_role.get(role, ()) if i < len(row)]

    def read_rows(self, table: Table, header_at: int, start: int) -> None:
        """The rows of ``table`` below its header; a continuation table (same header) carries the
        headings and merged values on from the table before it."""
        report = self.report
        self.tables.append(table)
        header_texts = [_squash(c.text) for c in table.rows[header_at]]
        stack = self.stack
        column_text = self.column_text
        task_columns = self.by_role.get(TASK, [])
        has_deadline = DEADLINE in self.by_role
        for index in range(start, len(table.rows)):
            row = table.rows[index]
            line = table.first_line + index
            report.rows_read += 1
            texts = [c.text.strip() for c in row]
            if not any(texts):
                report.rows_blank += 1
                continue
            if [_squash(t) for t in texts] == header_texts:
                report.skip(line, "重复的表头（跨页表格常见）")
                continue
            heading = self.heading_row(row)
            if heading is not None:
                rank = float(heading_style(heading) or 1)
                stack[:] = [h for h in stack if h.rank < rank]
                stack.append(_Heading(rank, heading, line))
                column_text.clear()
                continue
            for i in task_columns:
                cell = row[i]
                text = cell.text.strip()
                if not text or (cell.down and column_text.get(i) == text):
                    continue
                if column_text.get(i) == text:
                    continue
                style = heading_style(text)
                rank = float(style) if style else 10.0 + task_columns.index(i)
                self.column_ranks[i] = rank
                stack[:] = [h for h in stack if h.rank < rank]
                stack.append(_Heading(rank, text, line))
                column_text[i] = text
                for j in task_columns:
                    if j != i and self.column_rank(j) > rank:
                        column_text.pop(j, None)
            req_cells = self.cells(row, REQUIREMENT)
            requirement = req_cells[0].text.strip() if req_cells else ""
            unit_cells = self.cells(row, UNITS) + self.cells(row, LEAD) + self.cells(row, SUPPORT)
            deadline_cells = self.cells(row, DEADLINE)
            has_units = any(c.text.strip() for c in unit_cells)
            deadline_cell = deadline_cells[0] if deadline_cells else None
            if not requirement:
                if has_units or (deadline_cell is not None and deadline_cell.text.strip()):
                    report.review(line, "具体要求为空，这一行没有导入", " | ".join(t for t in texts if t))
                    report.skip(line, "具体要求为空")
                continue
            if req_cells[0].down and self.rows and self.rows[-1].requirement == requirement:
                report.note(line, "具体要求与上一行合并（同一要求分给不同单位），按两行导入")
            units, lead = self.row_units(row, line)
            if units:
                self.last_units = (units, lead)
            elif self.last_units is not None:
                units, lead = self.last_units
                merged = any(c.down for c in unit_cells)
                if not merged:
                    report.review(line, "责任单位为空，沿用上一行的责任单位", "、".join(units))
            else:
                units, lead = ["责任单位未写明"], []
                self.units.setdefault("责任单位未写明", None)
                if UNITS in self.by_role or LEAD in self.by_role:
                    report.review(line, "责任单位为空，记为“责任单位未写明”", requirement[:30])
            deadline: str | None = None
            if has_deadline and deadline_cell is not None:
                deadline = deadline_cell.text.strip()
                if deadline:
                    self.last_deadline = deadline
                elif self.last_deadline is not None:
                    deadline = self.last_deadline
                    if not deadline_cell.down:
                        report.review(line, "完成时限为空，沿用上一行的完成时限", deadline)
                else:
                    report.review(line, "完成时限为空，按“持续推进”（无截止日期）导入", requirement[:30])
                    deadline = None
            if _looks_truncated(requirement):
                report.review(line, "具体要求看似不完整（以逗号、顿号等结尾）", requirement[-20:])
            self.rows.append(_Row(line, tuple(stack), units, lead, requirement, deadline))

    def column_rank(self, index: int) -> float:
        return self.column_ranks.get(index, 10.0 + self.by_role.get(TASK, []).index(index))

    def heading_row(self, row: list[Cell]) -> str | None:
        """The text of a heading row (一、… merged across, or alone in its row), else None."""
        texts = {c.text.strip() for c in row if c.text.strip()}
        if len(texts) != 1:
            return None
        text = next(iter(texts))
        merged_across = sum(1 for c in row if c.right and c.text.strip()) >= 1
        only_in = [i for i, c in enumerate(row) if c.text.strip() and not c.right]
        in_data = any(i in self.by_role.get(r, ()) for i in only_in for r in (UNITS, LEAD, SUPPORT, DEADLINE))
        if in_data and not merged_across:
            return None
        style = heading_style(text)
        if merged_across and len(row) > 1:
            return text
        in_task = any(i in self.by_role.get(TASK, ()) for i in only_in)  # heading columns do their own
        if style in (1, 2) and len(text) <= 60 and not in_task:
            return text
        return None

    def row_units(self, row: list[Cell], line: int) -> tuple[list[str], list[str]]:
        units: list[str] = []
        lead: list[str] = []
        for role in (LEAD, UNITS, SUPPORT):
            for cell in self.cells(row, role):
                if not cell.text.strip():
                    continue
                split = split_units(cell.text)
                for name in split.names:
                    if name not in units:
                        units.append(name)
                lead += [n for n in (split.names if role == LEAD else split.lead) if n not in lead]
                for name in split.groups:
                    self.groups[name] = self.groups.get(name, False) or name in split.open_ended
                if split.bare_etc:
                    self.report.review(
                        line,
                        "责任单位以“等”结尾而没有写明统称，只导入了点名的单位",
                        cell.text.replace("\n", "、"),
                    )
                odd = [n for n in split.names if len(n) > 30 or "。" in n]
                if odd:
                    self.report.review(line, "责任单位中有看似不是单位名称的文字", odd[0][:30])
                if split.duplicates:
                    self.report.note(line, f"责任单位中重复写了 {'、'.join(split.duplicates)}，只保留一次")
        for name in units:
            self.units.setdefault(name, None)
        return units, lead

    # -----------------------------------------------------------------------------------------

    def mapping(self, meta: dict[str, Any]) -> dict[str, Any]:
        """The plan mapping: parts and sections from the heading levels the rows sit under."""
        ranks = sorted({h.rank for r in self.rows for h in r.headings})
        levels = {rank: i for i, rank in enumerate(ranks)}
        depth = min(len(ranks), 3)
        # 1 level: sections only; 2: parts and sections; 3 or more: and a topic (deeper ones joined).
        part_level = 0 if depth >= 2 else None
        section_level = 1 if depth >= 2 else 0 if depth == 1 else None
        parts: list[dict[str, Any]] = []
        sections: list[dict[str, Any]] = []
        part_key: dict[tuple[int, str], int] = {}
        section_key: dict[tuple[int, str], int] = {}
        tasks: list[dict[str, Any]] = []
        year = meta["year"]
        for task_id, row in enumerate(self.rows, 1):
            by_level: dict[int, _Heading] = {levels[h.rank]: h for h in row.headings}
            part = 0
            if part_level is not None:
                h = by_level.get(part_level)
                key = (h.row, h.text) if h else (0, "")
                if key not in part_key:
                    parts.append({"number": len(parts) + 1, "title": heading_title(h.text) if h else ""})
                    part_key[key] = len(parts)
                    if h is None:
                        self.report.review(row.line, "这一行之上没有部分标题，放入一个无标题的部分")
                part = part_key[key]
            section = 0
            if section_level is not None:
                h = by_level.get(section_level)
                key = (h.row, h.text) if h else (-part, "")
                if key not in section_key:
                    record: dict[str, Any] = {"number": len(sections) + 1}
                    if part:
                        record["part"] = part
                    record["title"] = heading_title(h.text) if h else ""
                    sections.append(record)
                    section_key[key] = len(sections)
                    if h is None:
                        self.report.review(row.line, "这一行之上没有工作任务标题，放入一个无标题的工作任务")
                section = section_key[key]
            topic = " / ".join(by_level[i].text for i in sorted(by_level) if i >= 2)
            task: dict[str, Any] = {"id": task_id}
            if section:
                task["section"] = section
            if topic:
                task["topic"] = topic
            task["units"] = row.units
            if row.lead:
                task["lead"] = row.lead
            task["requirement"] = row.requirement
            if row.deadline is not None:
                task.update(self.deadline(row, year))
            tasks.append(task)
        if len(ranks) > 3:
            self.report.note(
                0, f"表格有 {len(ranks)} 级标题：第三级及以下合并为 topic（以“ / ”分隔）", review=True
            )
        self.report.levels = depth
        self.report.parts, self.report.sections = len(parts), len(sections)
        mapping: dict[str, Any] = {"schema": 1, "plan": meta}
        if parts:
            mapping["parts"] = parts
        if sections:
            mapping["sections"] = sections
        units, groups = self.directory()
        mapping["units"] = units
        if groups:
            mapping["groups"] = groups
        mapping["tasks"] = tasks
        return mapping

    def deadline(self, row: _Row, year: int) -> dict[str, Any]:
        text = row.deadline or ""
        out: dict[str, Any] = {"deadline_text": text}
        try:
            resolve_deadline(text, year)
        except ValueError:
            out["deadline"] = _date(year, 12, 31)
            self.report.deadline_unknown(row.line, text, f"{year}-12-31")
            return out
        note = deadline_note(text, year)
        if note:
            self.report.deadline_judgement(row.line, text, note)
        return out

    def directory(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        units = [{"name": n, "kind": "unknown"} for n in self.units if n not in self.groups]
        groups: list[dict[str, Any]] = []
        for name, is_open in self.groups.items():
            record: dict[str, Any] = {"name": name}
            if is_open:
                record["open"] = True
            else:
                record["members"] = []
            groups.append(record)
        self.report.units_new = [u["name"] for u in units]
        self.report.groups = [g["name"] for g in groups]
        self.report.open_ended = [g["name"] for g in groups if g.get("open")]
        return units, groups


def _date(year: int, month: int, day: int) -> Any:
    import datetime as dt

    return dt.date(year, month, day)


def _looks_truncated(requirement: str) -> bool:
    text = requirement.rstrip()
    return bool(text) and (text[-1] in "，,、；;：:（(“" or text.count("“") > text.count("”"))


_STRICT_MONTH = re.compile(r"(?:(\d{4})年)?(\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?前")
_BEFORE_QUARTER = re.compile(r"[一二三四1-4]季度前")


def deadline_note(text: str, year: int) -> str | None:
    """Why a reviewer should look at how a deadline was read, or None."""
    key = _squash(text)
    notes = []
    if _STRICT_MONTH.search(key) and "底前" not in key and "末前" not in key:
        notes.append("“M月前”按严格含义理解为 M 月开始之前（上月底）；如原意是 M 月底，请改为“M月底前”")
    if _BEFORE_QUARTER.search(key):
        notes.append("“N季度前”理解为该季度末；如原意是该季度开始之前，请改为上一季度的“N季度末前”")
    if re.fullmatch(r"(?:\d{4}年)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月份?", key):
        notes.append("只写了月份，按该月月底理解")
    other = {int(y) for y in re.findall(r"(\d{4})年", key)} - {year}
    if other:
        notes.append(f"时限写明的年份（{'、'.join(map(str, sorted(other)))}）不是计划年度 {year}")
    return "；".join(notes) or None


# ---------------------------------------------------------------------------------------------
# Metadata: options, else what the document's paragraphs say


_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*\d{1,4}\s*号)")
_LABEL = re.compile(r"^(?:标\s*题|名\s*称)\s*[:：]\s*")
_TITLE_END = re.compile(r"(分解表|任务表|清单|台账|分工表|责任表|计划表|要点|分工方案|任务分工)$")
_ISSUER_LABEL = re.compile(r"(?:发布机[关构]|发文机关|发文单位)[:：\s]+([\u4e00-\u9fff()（）]{2,40})")
_ISSUER_END = re.compile(r"(人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|领导小组|管委会)$")
_ISSUED = re.compile(
    r"(?:成文日期|发布日期)[:：\s]*(\d{4})-(\d{1,2})-(\d{1,2})|^(\d{4})年(\d{1,2})月(\d{1,2})日$"
)


def _metadata(
    doc: Document, table: Table, header_at: int, given: Meta, report: ImportReport
) -> dict[str, Any]:
    lines = [p.strip() for p in doc.paragraphs if p.strip()]
    lines += [" ".join(c.text for c in row if c.text and not c.right) for row in table.rows[:header_at]]
    for other in doc.tables:
        if other is not table:
            lines += [" ".join(c.text for c in row if c.text and not c.right) for row in other.rows[:20]]
    lines = [_LABEL.sub("", line) for line in lines if line]
    title = given.title or _find_title(lines)
    doc_number, number_year = given.doc_number, None
    for line in lines:
        m = _DOC_NUMBER.search(line)
        if m:
            number_year = int(m.group(2))
            doc_number = doc_number or _bracketed(m.group(1))
            break
    year = given.year
    if year is None:
        m = re.match(r"^(\d{4})年", title or "")
        year = int(m.group(1)) if m else number_year
    if year is None:
        raise UsageError(
            f"无法从 {doc.path} 中确定年度（完成时限按年度解析）：请用 --year 指定，如 --year 2024"
        )
    issuer = given.issuer or _find_issuer(lines)
    if not title:
        title = _find_title([_stem(doc.path)])
        if title:
            report.note(0, f"标题取自文件名：{title}")
        else:
            title = _stem(doc.path)
            report.review(0, f"未找到分解表标题，暂用文件名“{title}”；可用 --title 指定")
    if not doc_number:
        doc_number = ""
        report.review(0, "未找到发文字号（文号）；完成记录按“文号+年度”关联，请用 --doc-number 指定")
    if not issuer:
        issuer = ""
        report.review(0, "未找到发布机关；可用 --issuer 指定")
    meta: dict[str, Any] = {"title": title, "doc_number": doc_number, "issuer": issuer}
    issued = _find_issued(lines)
    if issued is not None:
        meta["issued"] = issued
    meta["year"] = year
    notice = next((line for line in lines if line.startswith("关于") or "关于印发" in line), None)
    if notice and len(notice) <= 120:
        meta["notice_title"] = notice
    meta["source"] = _stem(doc.path, keep_suffix=True)
    report.meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    return meta


def _find_title(lines: Iterable[str]) -> str | None:
    for line in lines:
        text = re.sub(r"^附件\s*\d*\s*[:：]?\s*", "", line.strip()).strip("《》")
        if 4 <= len(text) <= 80 and _TITLE_END.search(text) and "关于" not in text:
            return text
    for line in lines:
        m = re.search(r"关于印发(.+?)的通知", line)
        if m:
            return m.group(1).strip("《》")
    return None


def _find_issuer(lines: list[str]) -> str | None:
    for line in lines:
        m = _ISSUER_LABEL.search(line)
        if m:
            return m.group(1)
    for line in lines:
        text = line.strip()
        if 4 <= len(text) <= 30 and _ISSUER_END.search(text) and " " not in text and "关于" not in text:
            return text
    for line in lines:  # the notice's title: 济宁市任城区人民政府办公室关于印发…的通知
        m = re.match(r"^(.{4,30}?)关于", line.strip())
        if m and _ISSUER_END.search(m.group(1)):
            return m.group(1)
    return None


def _find_issued(lines: list[str]) -> Any:
    for line in lines:
        m = _ISSUED.search(line.strip())
        if m:
            y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            try:
                return _date(y, mo, d)
            except ValueError:
                return None
    return None


def _bracketed(number: str) -> str:
    """A 文号 with its year in 〔〕, as official documents write it (济任政办字[2023]24号 too)."""
    return re.sub(r"[\[［【(（]\s*(\d{4})\s*[\]］】)）]", r"〔\1〕", "".join(number.split()))


def _stem(path: str, keep_suffix: bool = False) -> str:
    from pathlib import PurePath

    p = PurePath(path)
    return p.name if keep_suffix else p.stem


# ---------------------------------------------------------------------------------------------
# A known directory: kinds, full names and group members from a plan the user already has


def apply_directory(mapping: dict[str, Any], reference: Plan, report: ImportReport) -> None:
    """Take each unit's and group's record from ``reference`` (last year's plan of the same
    district) when the table writes the same name: kinds, full names, aliases, notes, and group
    members (which brings their member units along). Names the reference does not know stay
    ``unknown``. An alias that would name two things is dropped, the first owner keeping it.
    """
    from ..text import normalize

    units: dict[str, dict[str, Any]] = {u["name"]: u for u in mapping["units"]}
    groups: dict[str, dict[str, Any]] = {g["name"]: g for g in mapping.get("groups", [])}
    known_units = {u.name: u for u in reference.units}
    known_groups = {g.name: g for g in reference.groups}
    recognised: list[str] = []

    def take_unit(name: str) -> None:
        unit = known_units[name]
        record: dict[str, Any] = {"name": name, "kind": unit.kind}
        if unit.full_name:
            record["full_name"] = unit.full_name
        if unit.aliases:
            record["aliases"] = list(unit.aliases)
        if unit.note:
            record["note"] = unit.note
        units[name] = record

    def take_group(name: str) -> None:
        group = known_groups[name]
        record: dict[str, Any] = {"name": name}
        if group.aliases:
            record["aliases"] = list(group.aliases)
        if group.open:
            record["open"] = True
        if group.note:
            record["note"] = group.note
        record["members"] = list(group.members)
        if group.within:
            record["within"] = list(group.within)
        groups[name] = record
        for member in group.members:
            if member not in units or units[member]["kind"] == "unknown":
                take_unit(member)
        for outer in group.within:
            if outer in known_groups and outer not in groups:
                take_group(outer)
            elif outer in known_units and outer not in units:
                take_unit(outer)

    for name in [*units, *groups]:
        # The reference decides whether a name is a unit or a group (重大行政决策事项承办单位).
        if name in known_units:
            groups.pop(name, None)
            take_unit(name)
            recognised.append(name)
        elif name in known_groups:
            units.pop(name, None)
            take_group(name)
            recognised.append(name)
    taken: set[str] = {normalize(n) for n in (*units, *groups)}
    for record in (*units.values(), *groups.values()):
        kept = []
        for alias in record.get("aliases", []):
            key = normalize(alias)
            if key not in taken:
                taken.add(key)
                kept.append(alias)
        if "aliases" in record:
            if kept:
                record["aliases"] = kept
            else:
                del record["aliases"]
    mapping["units"] = list(units.values())
    if groups:
        mapping["groups"] = list(groups.values())
    # "tasks" last, as the writer and readers expect the directory before the rows
    mapping["tasks"] = mapping.pop("tasks")
    report.units_known = recognised
    report.groups = list(groups)
    report.open_ended = [n for n, g in groups.items() if g.get("open")]
    report.units_new = [n for n, u in units.items() if u["kind"] == "unknown"]
    report.note(0, f"单位名录取自 {reference.path or reference.meta.title}：已有 {len(recognised)} 个名称")
