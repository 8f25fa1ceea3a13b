"""Plan → YAML: the file gongkai writes for people to read, edit and validate (as data/tasks.yaml).

Written by hand rather than with yaml.dump, because the layout is for people: a header comment,
fixed key order, short records on one line, one task per block under comments naming its part and
section, Chinese as is. What PyYAML decides is the one thing that must be exact: a string is
written plain only when PyYAML's resolver (the one read.py uses) reads it back as that same string
and no character in it could end or change a plain scalar; otherwise it is double-quoted, with
every character YAML would not keep as is (controls, line breaks, BOM) written as an escape. So the
具体要求 come back character for character, and the output has no alias or tag for read.py to refuse.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .. import __version__
from ..dates import resolve_deadline
from ..model import Group, Plan, Task, Unit
from . import SCHEMA_VERSION

WIDTH = 100  # flow lists wrap here (display columns: a Chinese character is two)
RECORD_WIDTH = 120  # a unit on one line up to this width, else one field per line

# Characters YAML keeps as they are in a plain or quoted scalar: printable, and not a line break
# (NEL, LS, PS), a BOM or a bidirectional control (U+202E would reverse the text in an editor or a
# terminal showing the plan). Everything else is escaped inside double quotes.
_KEEP = (
    "\x20-\x7e\xa0-\u061b\u061d-\u200d\u2010-\u2027\u202f-\u2065\u206a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    "\U00010000-\U0010ffff"
)
_NOT_KEPT = re.compile(f"[^{_KEEP}]")
# A plain scalar may not start with an indicator, nor hold ": " or " #" (block context); in a flow
# collection ({...}, [...]) it may not hold ",?[]{}:" at all (a conservative reading of both
# PyYAML's and libyaml's scanners).
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_BLOCK_BREAKERS = re.compile(r": | #|:$")
_FLOW_BREAKERS = re.compile(r"[,?\[\]{}:]| #")
_RESOLVER = Resolver()
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def dump_plan(plan: Plan) -> str:
    """The plan as YAML text that ``load_plan`` reads back to an equal plan."""
    out = _header(plan)
    out += [f"schema: {SCHEMA_VERSION}", "", "plan:"]
    m = plan.meta
    meta: list[tuple[str, Any]] = [
        ("title", m.title),
        ("doc_number", m.doc_number),
        ("issuer", m.issuer),
        ("issued", m.issued),
        ("year", m.year),
        ("timezone", m.timezone),
        ("notice_title", m.notice_title),
        ("source", m.source),
    ]
    optional = {"issued", "notice_title", "source"}
    out += [f"  {key}: {_scalar(value)}" for key, value in meta if key not in optional or value]
    if plan.parts:  # a table without a part level has none
        out += ["", "parts:"]
        out += [f"  - {_flow_record([('number', p.number), ('title', p.title)])}" for p in plan.parts]
    if plan.sections:
        out += ["", "sections:"]
        for s in plan.sections:
            fields: list[tuple[str, Any]] = [("number", s.number), ("part", s.part), ("title", s.title)]
            out.append(f"  - {_flow_record([f for f in fields if f[0] != 'part' or s.part])}")
    out += ["", "units:"]
    for unit in plan.units:
        out += _unit(unit)
    if plan.groups:
        out += ["", "groups:"]
        for group in plan.groups:
            out += _group(group)
    out += ["", "tasks:"]
    out += _tasks(plan)
    return "\n".join(out) + "\n"


def _header(plan: Plan) -> list[str]:
    return [
        f"# {_comment(plan.meta.title)}（{_comment(plan.meta.doc_number)}）",
        "#",
        f"# 由 gongkai {__version__} 生成的计划文件：YAML，UTF-8。可以直接手工修改，",
        "# 改完运行 `gongkai validate` 检查；字段说明见 `gongkai schema`。",
        "# tasks 的 id 是该行在原文中的顺序，完成记录按它关联，不要重新编号。",
    ]


def _unit(unit: Unit) -> list[str]:
    fields: list[tuple[str, Any]] = [("name", unit.name), ("kind", unit.kind)]
    fields += [(k, v) for k, v in (("full_name", unit.full_name), ("aliases", unit.aliases)) if v]
    fields += [("note", unit.note)] if unit.note else []
    line = f"  - {_flow_record(fields)}"
    if _width(line) <= RECORD_WIDTH:
        return [line]
    return _block_record(fields)


def _group(group: Group) -> list[str]:
    fields: list[tuple[str, Any]] = [("name", group.name)]
    fields += [("aliases", group.aliases)] if group.aliases else []
    fields += [("open", True)] if group.open else []
    fields += [("note", group.note)] if group.note else []
    # A closed group with no members says so ("members: []": not known yet); an open one has none.
    fields += [("members", group.members)] if group.members or not group.open else []
    fields += [("within", group.within)] if group.within else []
    return _block_record(fields)


def _tasks(plan: Plan) -> list[str]:
    parts = {p.number: p for p in plan.parts}
    sections = {s.number: s for s in plan.sections}
    out: list[str] = []
    part = section = None
    for task in plan.tasks:
        if task.part != part and task.part in parts:
            p = parts[task.part]
            out += ["", f"  # ===== {p.label}{_comment(p.title)} ====="]
        if task.section != section and task.section in sections:
            s = sections[task.section]
            out += ["", f"  # {s.label}{_comment(s.title)}"]
        part, section = task.part, task.section
        out += _block_record(_task_fields(task, plan.meta.year))
    return out


def _task_fields(task: Task, year: int) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [("id", task.id)]
    fields += [("section", task.section)] if task.section else []
    fields += [("topic", task.topic)] if task.topic else []
    fields.append(("units", task.units))
    fields += [("lead", task.lead)] if task.lead else []
    fields.append(("requirement", task.requirement))
    if task.deadline.text or task.deadline.date is not None:  # neither: the table gives no 完成时限
        fields.append(("deadline_text", task.deadline.text))
    if task.deadline.date is not None and _needs_date(task, year):
        fields.append(("deadline", task.deadline.date))
    return fields


def _needs_date(task: Task, year: int) -> bool:
    """Validation resolves the wording itself and insists that a written deadline agrees with it, so
    the date is written only when the wording cannot be resolved (and then it must be)."""
    try:
        return resolve_deadline(task.deadline.text, year) != task.deadline.date
    except ValueError:
        return True


# ---------------------------------------------------------------------------------------------
# Records and scalars


def _block_record(fields: list[tuple[str, Any]]) -> list[str]:
    """A list item with one field per line: ``  - key: value`` then ``    key: value``."""
    out = []
    for i, (key, value) in enumerate(fields):
        lead = f"{'  - ' if i == 0 else '    '}{key}: "
        if isinstance(value, (list, tuple)):
            out += _flow_list(lead, value)
        else:
            out.append(lead + _scalar(value))
    return out


def _flow_record(fields: list[tuple[str, Any]]) -> str:
    items = [f"{key}: {_flow_value(value)}" for key, value in fields]
    return "{" + ", ".join(items) + "}"


def _flow_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v, flow=True) for v in value) + "]"
    return _scalar(value, flow=True)


def _flow_list(lead: str, values: tuple[str, ...] | list[str]) -> list[str]:
    """``key: [a, b, c]``, wrapped at WIDTH with each continuation line under the first item."""
    items = [_scalar(v, flow=True) for v in values]
    if not items:
        return [lead + "[]"]
    indent = " " * _width(lead + "[")
    lines: list[str] = []
    line, used = lead + "[", _width(lead + "[")
    for i, item in enumerate(items):
        piece = item + ("]" if i == len(items) - 1 else ",")
        width = _width(piece)
        if i and used + 1 + width > WIDTH:
            lines.append(line)
            line, used = indent + piece, len(indent) + width
        else:
            line, used = line + (" " if i else "") + piece, used + (1 if i else 0) + width
    lines.append(line)
    return lines


def _scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else _quoted(value)
    raise TypeError(f"cannot write {type(value).__name__} in a plan: {value!r}")


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text[0] in _INDICATORS or text[0].isspace() or text[-1].isspace():
        return False
    if _NOT_KEPT.search(text) or (_FLOW_BREAKERS if flow else _BLOCK_BREAKERS).search(text):
        return False
    return _resolves_to_str(text)


def _resolves_to_str(text: str) -> bool:
    """True when YAML reads ``text`` unquoted as a string (not 2023, true, null, 2023-07-26, ~, =)."""
    return _RESOLVER.resolve(ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def _quoted(text: str) -> str:
    out = []
    for ch in text:
        escape = _ESCAPES.get(ch)
        if escape is not None:
            out.append(escape)
        elif _NOT_KEPT.match(ch) is None:
            out.append(ch)
        else:
            code = ord(ch)
            width = 2 if code <= 0xFF else 4 if code <= 0xFFFF else 8
            out.append(f"\\{'x' if width == 2 else 'u' if width == 4 else 'U'}{code:0{width}X}")
    return '"' + "".join(out) + '"'


def _comment(text: str) -> str:
    """Text for a comment line: anything that would end or break the line becomes a space."""
    return _NOT_KEPT.sub(" ", text)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
