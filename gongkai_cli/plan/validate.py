"""The plan format, described once (SCHEMA), and validation of a mapping into a Plan.

The mapping is either what ``read.read_yaml`` gives (dicts and lists that know their line numbers)
or plain data an importer builds (dicts, lists or tuples, str, int, bool, datetime.date): the same
rules and messages apply to both; problems carry a line only when the mapping has one. Every
problem is reported, not just the first. ``SCHEMA`` drives both the messages and ``gongkai schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeGuard

from ..dates import resolve_deadline
from ..errors import PlanError
from ..model import NO_SECTION, UNIT_KINDS, Deadline, Group, Part, Plan, PlanMeta, Section, Task, Unit
from ..text import suggest
from . import SCHEMA_VERSION


class Problem(NamedTuple):
    line: int  # 1-based; 0 when the problem has no single place (or the mapping has no lines)
    message: str

    def render(self, path: str) -> str:
        if path:
            return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"
        return f"第 {self.line} 行：{self.message}" if self.line else self.message


# ---------------------------------------------------------------------------------------------
# The format, described once


class Field(NamedTuple):
    name: str
    types: tuple[type, ...]
    required: bool
    doc: str


def _f(name: str, types: type | tuple[type, ...], required: bool, doc: str) -> Field:
    return Field(name, types if isinstance(types, tuple) else (types,), required, doc)


SCHEMA: dict[str, tuple[str, tuple[Field, ...]]] = {
    "top": (
        "文件顶层",
        (
            _f("schema", int, True, f"格式版本，目前为 {SCHEMA_VERSION}"),
            _f("plan", dict, True, "分解表的基本信息（见 plan）"),
            _f(
                "parts",
                list,
                False,
                "部分（一、二、……），每项见 part；表格没有这一级标题时省略（只有一级标题时写在 sections 中）",
            ),
            _f(
                "sections",
                list,
                False,
                "各项工作任务（(一)(二)……，全表连续编号），每项见 section；表格没有任何标题时省略",
            ),
            _f("units", list, True, "单位名录：每个具名单位一项，见 unit"),
            _f("groups", list, False, "统称（如 区政府各部门单位、各镇(街道)）及其成员，见 group"),
            _f("tasks", list, True, "分解表的每一行，按原文顺序，见 task"),
        ),
    ),
    "plan": (
        "plan：分解表的基本信息",
        (
            _f("title", str, True, "分解表标题"),
            _f(
                "doc_number",
                str,
                True,
                "发文字号，如 济任政办字〔2023〕24号；与 year 一起标识完成记录所属的计划",
            ),
            _f("issuer", str, True, "发布机关"),
            _f("issued", dt.date, False, "成文日期，YYYY-MM-DD"),
            _f("year", int, True, "年度；“12月底前”等时限按这一年解析"),
            _f("timezone", str, False, "时区，默认 Asia/Shanghai；“今天”按这个时区计算"),
            _f("notice_title", str, False, "印发通知的标题"),
            _f("source", str, False, "原文出处（网址或文件名）"),
        ),
    ),
    "part": (
        "part：部分",
        (
            _f("number", int, True, "序号：1 表示“一、”"),
            _f("title", str, True, "标题，不含序号"),
        ),
    ),
    "section": (
        "section：工作任务（全表连续编号）",
        (
            _f("number", int, True, "序号：5 表示“(五)”"),
            _f("part", int, False, "所属部分的序号；计划没有 parts 时省略"),
            _f("title", str, True, "标题，不含序号"),
        ),
    ),
    "unit": (
        "unit：具名单位",
        (
            _f("name", str, True, "表中使用的简称，如 区教体局"),
            _f("kind", str, True, "类别：" + "、".join(f"{k}（{v}）" for k, v in UNIT_KINDS.items())),
            _f("aliases", list, False, "别名；去掉开头“区”字的简称和镇街去掉“镇/街道”的名称会自动加入"),
            _f("full_name", str, False, "全称"),
            _f("note", str, False, "备注"),
        ),
    ),
    "group": (
        "group：统称",
        (
            _f("name", str, True, "表中写法，如 各镇(街道)"),
            _f("members", list, False, "成员单位名单；留空表示成员未知（如无官方名单）"),
            _f(
                "open", bool, False, "true 表示开放式表述（如“等区政府有关部门单位”），不确定地分配给任何单位"
            ),
            _f("within", list, False, "开放式或成员未知时，哪些统称的成员可能相关"),
            _f("aliases", list, False, "别名"),
            _f("note", str, False, "备注：成员名单的来源、有争议之处"),
        ),
    ),
    "task": (
        "task：分解表的一行",
        (
            _f("id", int, True, "编号：原文中的顺序（从 1 起），不要改动，完成记录按它关联"),
            _f("section", int, False, "所属工作任务的序号；计划有 sections 时必填，没有时省略"),
            _f("topic", str, False, "第三级标题（如“1.”开头的小项），原文照录；没有时省略"),
            _f("units", list, True, "责任单位，按原文写法和顺序；统称照写"),
            _f("lead", list, False, "其中的牵头（主办）单位，须是 units 中的名称；原文没有写明时省略"),
            _f("requirement", str, True, "具体要求，逐字照录原文"),
            _f(
                "deadline_text",
                str,
                False,
                "完成时限原文，如 12月底前；持续推进 等表示没有截止日期；原表没有完成时限时省略（持续推进）",
            ),
            _f("deadline", dt.date, False, "解析后的截止日期 YYYY-MM-DD；写了就必须与原文一致"),
        ),
    ),
}


def schema_markdown() -> str:
    """The plan format as a Markdown page, from SCHEMA (``gongkai schema``)."""
    names = {str: "文本", int: "整数", bool: "true/false", list: "列表", dict: "映射", dt.date: "日期"}
    out = ["# 计划文件格式", "", f"YAML，UTF-8 编码，格式版本 {SCHEMA_VERSION}。", ""]
    for _key, (title, fields) in SCHEMA.items():
        out += [f"## {title}", "", "| 字段 | 类型 | 必填 | 说明 |", "|---|---|---|---|"]
        for f in fields:
            kind = "/".join(names.get(t, t.__name__) for t in f.types)
            out.append(f"| `{f.name}` | {kind} | {'是' if f.required else '否'} | {f.doc} |")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Entry points


def check_mapping(mapping: Any, path: str = "") -> tuple[Plan | None, list[Problem]]:
    """Validate a mapping and build the Plan from it: the plan when it is clean, and every problem.

    ``path`` is only recorded in the Plan (``Plan.path``); problems carry their line, not the path.
    """
    return check_document(mapping, path, _line(mapping))


def check_document(mapping: Any, path: str, root_line: int) -> tuple[Plan | None, list[Problem]]:
    """check_mapping, with the line to blame when the whole document is not a mapping (a YAML file
    holding just a string or nothing has no line of its own: line 1)."""
    c = _Checker()
    top = c.record(mapping, "top", root_line, "计划文件")
    if top is None:
        return None, c.problems
    version = top.get("schema")
    if _is_int(version) and version != SCHEMA_VERSION:
        c.add(_at(top, "schema"), f"格式版本 {version} 不受支持（本程序支持 {SCHEMA_VERSION}）")
    for key in ("units", "tasks"):
        seq = top.get(key)
        if key in top and _is_seq(seq) and not seq:
            c.add(_at(top, key), f"{key} 不能为空")
    if top.get("parts") and not top.get("sections"):
        c.add(_at(top, "parts"), "有 parts 时 sections 不能为空（只有一级标题时，把它写在 sections 中）")

    meta = _build_meta(c, top)
    year = meta.year if meta else 0
    parts = _build_parts(c, top)
    sections = _build_sections(c, top, {p.number for p in parts})
    units, groups = _build_directory(c, top)
    names = {u.name for u in units} | {g.name for g in groups}
    tasks = _build_tasks(c, top, {s.number: s for s in sections}, names, year)

    if c.problems or meta is None:
        return None, c.problems
    plan = Plan(
        meta=meta,
        parts=tuple(parts),
        sections=tuple(sections),
        tasks=tuple(tasks),
        units=tuple(units),
        groups=tuple(groups),
        path=path,
    )
    return plan, []


def validate_plan(mapping: Any, path: str = "") -> Plan:
    """A valid Plan from a mapping, or a PlanError naming the first problem and how many there are
    (all of them in ``.problems``)."""
    plan, problems = check_mapping(mapping, path)
    if plan is None:
        raise plan_error(problems, path)
    return plan


def plan_error(problems: list[Problem], path: str, hint: str = "") -> PlanError:
    """One error for a list of problems: the first rendered, the count (and ``hint``) when several."""
    first = problems[0].render(path) if problems else f"{path or '计划'}: 无效的计划文件"
    more = f"（共 {len(problems)} 个问题{hint}）" if len(problems) > 1 else ""
    return PlanError(first + more, problems)


# ---------------------------------------------------------------------------------------------
# Validation: structure from SCHEMA, then meaning


def _line(obj: Any) -> int:
    """Where a mapping or sequence starts; 0 for plain data."""
    line: int = getattr(obj, "line", 0)
    return line


def _at(obj: Any, key: Any) -> int:
    """The line of ``obj[key]``; the line of ``obj`` itself when the key has none."""
    lines = getattr(obj, "lines", None)
    line: int | None = lines.get(key) if isinstance(lines, dict) else None
    return _line(obj) if line is None else line


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seq(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _items(seq: Any) -> Iterator[tuple[Any, int]]:
    """A sequence's items with their lines (0 for plain data)."""
    lines = getattr(seq, "lines", None)
    if isinstance(lines, list) and len(lines) == len(seq):
        yield from zip(seq, lines, strict=True)
    else:
        for item in seq:
            yield item, 0


def _earlier(line: int, where: str) -> str:
    """Where the first of two duplicates was: its line in a file, its position in a mapping."""
    return f"上一次在第 {line} 行" if line else f"上一次是 {where}"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def record(self, obj: Any, kind: str, line: int, where: str) -> Mapping[Any, Any] | None:
        """Check one mapping against SCHEMA[kind]; None when it is not a mapping at all."""
        _title, fields = SCHEMA[kind]
        if not _is_map(obj):
            self.add(line, f"{where}应是一个映射（字段: 值），而不是 {_type_name(obj)}")
            return None
        known = {f.name: f for f in fields}
        for key in obj:
            if key not in known:
                hint = suggest(str(key), known, limit=1)
                tip = f"（是否想写 {hint[0]}？）" if hint else ""
                self.add(_at(obj, key), f"{where}有未知字段 {key!r}{tip}")
        for f in fields:
            if f.name not in obj or obj[f.name] is None:
                if f.required:
                    self.add(_line(obj), f"{where}缺少必填字段 {f.name}（{f.doc}）")
                continue
            value = obj[f.name]
            if not _has_type(value, f.types):
                self.add(
                    _at(obj, f.name),
                    f"{where}字段 {f.name} 应为{_type_name_of(f.types)}，"
                    f"实际是 {_type_name(value)}：{value!r}",
                )
        return obj

    def items(self, top: Mapping[Any, Any], key: str) -> Iterator[tuple[Any, int]]:
        seq = top.get(key)
        if _is_seq(seq):
            yield from _items(seq)


def _is_map(value: Any) -> bool:
    return isinstance(value, (dict, Mapping))  # dict first: the ABC check is slow


def _has_type(value: Any, types: tuple[type, ...]) -> bool:
    if type(value) in types:  # the common case, exactly (a bool is not taken for an int here)
        return True
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, dt.datetime):
        return dt.datetime in types
    if isinstance(value, tuple):  # a sequence built in Python, as good as a list
        return list in types
    if _is_map(value):
        return dict in types
    return isinstance(value, types)


def _type_name(value: Any) -> str:
    if value is None:
        return "空值"
    return _type_name_of((type(value),))


_TYPE_NAMES: dict[type, str] = {
    str: "文本",
    int: "整数",
    bool: "true/false",
    list: "列表",
    tuple: "列表",
    dict: "映射",
    dt.date: "日期",
    dt.datetime: "日期时间",
    float: "小数",
}


def _type_name_of(types: tuple[type, ...]) -> str:
    def name(t: type) -> str:
        for known in (bool, dt.datetime, dict, list, tuple, *_TYPE_NAMES):
            if issubclass(t, known):
                return _TYPE_NAMES[known]
        return t.__name__

    return "或".join(name(t) for t in types)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str_list(value: Any) -> list[str]:
    return [v.strip() for v in value if isinstance(v, str) and v.strip()] if _is_seq(value) else []


def _build_meta(c: _Checker, top: Mapping[Any, Any]) -> PlanMeta | None:
    raw = c.record(top.get("plan"), "plan", _at(top, "plan"), "plan ")
    if raw is None:
        return None
    year = raw.get("year")
    if _is_int(year) and not 1990 <= year <= 2200:
        c.add(_at(raw, "year"), f"年度 {year} 不在合理范围内")
    tz = _text(raw.get("timezone")) or "Asia/Shanghai"
    if "timezone" in raw and isinstance(raw.get("timezone"), str):
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            if tz != "Asia/Shanghai":
                c.add(_at(raw, "timezone"), f"无法识别的时区：{tz}")
    issued = raw.get("issued")
    if not all(isinstance(raw.get(k), str) for k in ("title", "doc_number", "issuer")):
        return None
    if not _is_int(year):
        return None
    return PlanMeta(
        title=raw["title"].strip(),
        doc_number=raw["doc_number"].strip(),
        issuer=raw["issuer"].strip(),
        issued=issued if isinstance(issued, dt.date) and not isinstance(issued, dt.datetime) else None,
        year=year,
        timezone=tz,
        notice_title=_text(raw.get("notice_title")),
        source=_text(raw.get("source")),
    )


def _positive(c: _Checker, obj: Mapping[Any, Any], key: str, what: str) -> int | None:
    value = obj.get(key)
    if _is_int(value):
        if value <= 0:
            c.add(_at(obj, key), f"{what}应为正整数，实际是 {value}")
            return None
        return int(value)
    return None


def _build_parts(c: _Checker, top: Mapping[Any, Any]) -> list[Part]:
    parts: list[Part] = []
    seen: dict[int, str] = {}
    for i, (raw, line) in enumerate(c.items(top, "parts"), 1):
        where = f"parts 第 {i} 项"
        obj = c.record(raw, "part", line, where)
        if obj is None:
            continue
        number = _positive(c, obj, "number", "部分序号")
        if number is None or not isinstance(obj.get("title"), str):
            continue
        if number in seen:
            c.add(_line(obj), f"部分序号 {number} 重复（{seen[number]}）")
            continue
        seen[number] = _earlier(_line(obj), where)
        parts.append(Part(number, obj["title"].strip()))
    return parts


def _build_sections(c: _Checker, top: Mapping[Any, Any], part_numbers: set[int]) -> list[Section]:
    sections: list[Section] = []
    seen: dict[int, str] = {}
    for i, (raw, line) in enumerate(c.items(top, "sections"), 1):
        where = f"sections 第 {i} 项"
        obj = c.record(raw, "section", line, where)
        if obj is None:
            continue
        number = _positive(c, obj, "number", "工作任务序号")
        part = _positive(c, obj, "part", "部分序号") if obj.get("part") is not None else 0
        if number is None or part is None or not isinstance(obj.get("title"), str):
            continue
        if number in seen:
            c.add(_line(obj), f"工作任务序号 {number} 重复（{seen[number]}）")
            continue
        seen[number] = _earlier(_line(obj), where)
        if part and part not in part_numbers:
            c.add(_at(obj, "part"), f"工作任务 {number} 所属的部分 {part} 不存在")
            continue
        if not part and part_numbers:
            c.add(_line(obj), f"工作任务 {number} 缺少必填字段 part（所属部分的序号）")
            continue
        sections.append(Section(number, part, obj["title"].strip()))
    return sections


def _build_directory(c: _Checker, top: Mapping[Any, Any]) -> tuple[list[Unit], list[Group]]:
    units: list[Unit] = []
    groups: list[Group] = []
    where_named: dict[str, str] = {}
    for i, (raw, line) in enumerate(c.items(top, "units"), 1):
        where = f"units 第 {i} 项"
        obj = c.record(raw, "unit", line, where)
        if obj is None or not isinstance(obj.get("name"), str) or not isinstance(obj.get("kind"), str):
            continue
        name = obj["name"].strip()
        if name in where_named:
            c.add(_line(obj), f"单位 {name} 重复（{where_named[name]}）")
            continue
        where_named[name] = _earlier(_line(obj), where)
        if obj["kind"] not in UNIT_KINDS:
            c.add(_at(obj, "kind"), f"单位类别 {obj['kind']!r} 无效，可选：{'、'.join(UNIT_KINDS)}")
            continue
        units.append(
            Unit(
                name=name,
                kind=obj["kind"],
                aliases=tuple(_str_list(obj.get("aliases"))),
                full_name=_text(obj.get("full_name")),
                note=_text(obj.get("note")),
            )
        )
    unit_names = {u.name for u in units}
    raw_groups = list(c.items(top, "groups"))
    group_names = {r["name"].strip() for r, _ in raw_groups if _is_map(r) and isinstance(r.get("name"), str)}
    for i, (raw, line) in enumerate(raw_groups, 1):
        where = f"groups 第 {i} 项"
        obj = c.record(raw, "group", line, where)
        if obj is None or not isinstance(obj.get("name"), str):
            continue
        name = obj["name"].strip()
        if name in where_named:
            c.add(_line(obj), f"名称 {name} 重复（{where_named[name]}）")
            continue
        where_named[name] = _earlier(_line(obj), where)
        raw_members = obj.get("members")
        listed = _items(raw_members) if _is_seq(raw_members) else iter(())
        named = [(v.strip(), at) for v, at in listed if isinstance(v, str) and v.strip()]
        members = [member for member, _ in named]
        for member, at in named:
            if member not in unit_names:
                c.add(at or _line(obj), _unknown(f"统称 {name} 的成员", member, unit_names))
        if len(set(members)) != len(members):
            c.add(_at(obj, "members"), f"统称 {name} 的成员有重复")
        within = _str_list(obj.get("within"))
        for w in within:
            if w not in group_names and w not in unit_names:
                c.add(_at(obj, "within"), _unknown(f"统称 {name} 的 within", w, group_names))
        groups.append(
            Group(
                name=name,
                members=tuple(members),
                open=obj.get("open") is True,
                within=tuple(within),
                aliases=tuple(_str_list(obj.get("aliases"))),
                note=_text(obj.get("note")),
            )
        )
    _check_aliases(c, top, units, groups)
    return units, groups


def _check_aliases(c: _Checker, top: Mapping[Any, Any], units: list[Unit], groups: list[Group]) -> None:
    from ..units import explicit_names

    owner: dict[str, str] = {}
    things: list[Unit | Group] = [*units, *groups]
    for thing in things:
        for key in explicit_names(thing):
            other = owner.setdefault(key, thing.name)
            if other != thing.name:
                c.add(_at(top, "units"), f"名称或别名 {key} 同时指向 {other} 和 {thing.name}")


def _unknown(what: str, name: str, pool: set[str]) -> str:
    hint = suggest(name, pool)
    tip = f"（是否想写：{'、'.join(hint)}？）" if hint else ""
    return f"{what} {name} 不在单位名录中{tip}"


def _build_tasks(
    c: _Checker, top: Mapping[Any, Any], sections: dict[int, Section], names: set[str], year: int
) -> list[Task]:
    tasks: list[Task] = []
    seen: dict[int, str] = {}
    for i, (raw, line) in enumerate(c.items(top, "tasks"), 1):
        where = f"tasks 第 {i} 项"
        obj = c.record(raw, "task", line, where)
        if obj is None:
            continue
        task_id = _positive(c, obj, "id", "任务编号")
        label = f"任务 {task_id}" if task_id else where
        if task_id is not None:
            if task_id in seen:
                c.add(_at(obj, "id"), f"任务编号 {task_id} 重复（{seen[task_id]}）")
                task_id = None
            else:
                seen[task_id] = _earlier(_line(obj), where)
        number = obj.get("section")
        section = sections.get(number) if _is_int(number) else None
        if _is_int(number) and section is None:
            c.add(_at(obj, "section"), f"{label}所属的工作任务 {obj['section']} 不存在")
        if number is None:
            section = NO_SECTION if not sections else None
            if sections:
                c.add(_line(obj), f"{label}缺少必填字段 section（所属工作任务的序号）")
        units = _task_units(c, obj, label, names)
        lead = _task_lead(c, obj, label, units)
        requirement = obj.get("requirement")
        if isinstance(requirement, str) and not requirement.strip():
            c.add(_at(obj, "requirement"), f"{label}的具体要求为空")
            requirement = None
        deadline = _task_deadline(c, obj, label, year)
        if task_id is None or section is None or not units or not isinstance(requirement, str):
            continue
        if deadline is None:
            continue
        tasks.append(
            Task(
                id=task_id,
                section=section.number,
                part=section.part,
                units=tuple(units),
                requirement=requirement.strip(),
                deadline=deadline,
                line=_line(obj),
                lead=lead,
                topic=_text(obj.get("topic")),
            )
        )
    return tasks


def _task_units(c: _Checker, obj: Mapping[Any, Any], label: str, names: set[str]) -> list[str]:
    raw = obj.get("units")
    if not _is_seq(raw):
        return []
    if not raw:
        c.add(_at(obj, "units"), f"{label}没有责任单位")
        return []
    units: list[str] = []
    for value, line in _items(raw):
        at = line or _at(obj, "units")
        if not isinstance(value, str) or not value.strip():
            c.add(at, f"{label}的责任单位应为单位名称，实际是 {_type_name(value)}：{value!r}")
            continue
        name = value.strip()
        if names and name not in names:
            c.add(at, _unknown(f"{label}的责任单位", name, names))
            continue
        if name in units:
            c.add(at, f"{label}的责任单位 {name} 重复")
            continue
        units.append(name)
    return units if len(units) == len(raw) else []


def _task_lead(c: _Checker, obj: Mapping[Any, Any], label: str, units: list[str]) -> tuple[str, ...]:
    lead = _str_list(obj.get("lead"))
    for name in lead:
        if name not in units:
            c.add(_at(obj, "lead"), f"{label}的牵头单位 {name} 不在它的责任单位（units）中")
    return tuple(dict.fromkeys(lead))


def _task_deadline(c: _Checker, obj: Mapping[Any, Any], label: str, year: int) -> Deadline | None:
    text = obj.get("deadline_text")
    given = obj.get("deadline")
    if text is None and given is None:
        return Deadline("", None)  # the table has no 完成时限: ongoing
    if not isinstance(text, str):
        if given is not None and "deadline_text" not in obj:
            c.add(_at(obj, "deadline"), f"{label}写了 deadline 却没有 deadline_text（完成时限原文）")
        return None
    if given is not None and (not isinstance(given, dt.date) or isinstance(given, dt.datetime)):
        return None
    try:
        resolved = resolve_deadline(text, year) if year else None
    except ValueError:
        if given is None:
            c.add(
                _at(obj, "deadline_text"),
                f"{label}的完成时限 {text!r} 无法识别；请改写（如 12月底前）或加上 deadline: YYYY-MM-DD",
            )
            return None
        return Deadline(text.strip(), given)
    if given is not None and given != resolved:
        c.add(
            _at(obj, "deadline"),
            f"{label}的 deadline {given.isoformat()} 与完成时限 {text!r}"
            f"（{resolved.isoformat() if resolved else '无截止日期'}）不一致",
        )
        return None
    return Deadline(text.strip(), resolved)
