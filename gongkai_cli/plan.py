"""Plan files: YAML -> model, with every problem reported with its place (file:line).

The YAML is read as a stream of events, never constructed by a YAML loader: no tag can run code,
aliases are refused (no alias bombs), nesting is bounded, and every value keeps its line number so
that each problem can say where it is. The field descriptions in ``SCHEMA`` drive both the
validation messages and ``gongkai schema`` (the documentation of the format).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from .dates import resolve_deadline
from .errors import PlanError
from .model import UNIT_KINDS, Deadline, Group, Part, Plan, PlanMeta, Section, Task, Unit

# Loading lives in planfile.py, cheap to import; these names stay importable from here too.
from .planfile import (  # noqa: F401
    MAX_BYTES,
    PLAN_ENV,
    SCHEMA_VERSION,
    default_plan_path,
    load_plan,
    plan_path,
    read_bytes,
)
from .text import suggest

MAX_DEPTH = 32


class Problem(NamedTuple):
    line: int  # 1-based; 0 when the problem has no single place
    message: str

    def render(self, path: str) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


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
            _f("parts", list, True, "四个部分（一、二、……），每项见 part"),
            _f("sections", list, True, "各项工作任务（(一)(二)……，全表连续编号），每项见 section"),
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
            _f("part", int, True, "所属部分的序号"),
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
            _f("section", int, True, "所属工作任务的序号"),
            _f("units", list, True, "责任单位，按原文写法和顺序；统称照写"),
            _f("requirement", str, True, "具体要求，逐字照录原文"),
            _f("deadline_text", str, True, "完成时限原文，如 12月底前；持续推进 等表示没有截止日期"),
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
# Reading YAML safely, with line numbers


class LDict(dict[Any, Any]):
    """A mapping that remembers the line of each key's value."""

    line: int
    lines: dict[Any, int]


class LList(list[Any]):
    """A sequence that remembers the line of each item."""

    line: int
    lines: list[int]


class _YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "bool", "null", "timestamp", "float")}
_COLLECTION_TAGS = {_STD + "map", _STD + "seq"}


def read_yaml(text: str) -> Any:
    """Parse YAML text into dicts/lists/scalars with line numbers, refusing what a plan never needs."""
    import yaml
    from yaml import events
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolver = Resolver()
    constructor = SafeConstructor()
    stack: list[LDict | LList] = []
    pending_key: list[Any] = []
    root: Any = None
    documents = 0

    def put(value: Any, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        if isinstance(top, LList):
            top.append(value)
            top.lines.append(line)
        elif pending_key[-1] is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise _YamlProblem(line, "不支持以映射或列表作键")
            if value in top:
                raise _YamlProblem(line, f"键 {value!r} 重复（上一次在第 {top.lines[value]} 行）")
            pending_key[-1] = value
        else:
            key = pending_key[-1]
            top[key] = value
            top.lines[key] = line
            pending_key[-1] = _NO_KEY

    try:
        for ev in yaml.parse(text, Loader=loader):
            line = ev.start_mark.line + 1 if ev.start_mark else 0
            if isinstance(ev, events.AliasEvent):
                raise _YamlProblem(line, "不支持 YAML 别名（*引用）")
            if isinstance(ev, events.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _YamlProblem(line, "一个计划文件只能有一个 YAML 文档（不要用 ---  分隔多个）")
            elif isinstance(ev, events.ScalarEvent):
                put(_scalar(ev, line, resolver, constructor), line)
            elif isinstance(ev, (events.MappingStartEvent, events.SequenceStartEvent)):
                if ev.tag not in (None, "!") and ev.tag not in _COLLECTION_TAGS:
                    raise _YamlProblem(line, f"不支持的 YAML 标签：{ev.tag}")
                if len(stack) >= MAX_DEPTH:
                    raise _YamlProblem(line, f"嵌套超过 {MAX_DEPTH} 层")
                container: LDict | LList
                if isinstance(ev, events.MappingStartEvent):
                    container = LDict()
                    container.lines = {}
                else:
                    container = LList()
                    container.lines = []
                container.line = line
                stack.append(container)
                pending_key.append(_NO_KEY)
            elif isinstance(ev, (events.MappingEndEvent, events.SequenceEndEvent)):
                done = stack.pop()
                pending_key.pop()
                put(done, done.line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or ""
        if "nesting depth" in what:
            raise _YamlProblem(line, "嵌套层数过多，不像是一张分解表") from None
        raise _YamlProblem(line, f"YAML 格式错误：{_yaml_problem_in_chinese(what)}") from None
    except yaml.YAMLError as exc:
        raise _YamlProblem(0, f"YAML 格式错误：{exc}") from None
    return root


_YAML_PROBLEMS = {
    "did not find expected node content": "此处缺少内容",
    "mapping values are not allowed": "此处不能出现“键: 值”（缩进不对，或文本中的“: ”需要加引号）",
    "could not find expected ':'": "缺少冒号“:”",
    "did not find expected key": "缩进不一致",
    "did not find expected '-' indicator": "列表项的缩进不一致",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合？）",
    "did not find expected ',' or ']'": "方括号 [ ] 没有闭合",
    "did not find expected ',' or '}'": "花括号 { } 没有闭合",
    "found character that cannot start any token": "出现了不能开始一个值的字符（是否用了 Tab 缩进？）",
    "found unknown escape character": "双引号文本中有无法识别的转义字符“\\”",
}


def _yaml_problem_in_chinese(problem: str) -> str:
    for english, chinese in _YAML_PROBLEMS.items():
        if problem.startswith(english) or english in problem:
            return chinese
    return f"无法解析（{problem}）" if problem else "无法解析"


class _NoKey:
    pass


_NO_KEY = _NoKey()


def _scalar(ev: Any, line: int, resolver: Any, constructor: Any) -> Any:
    from yaml.nodes import ScalarNode

    plain = ev.style is None or ev.style == ""
    if ev.tag in (None, "!"):
        if not plain or ev.tag == "!":
            return ev.value
        tag = resolver.resolve(ScalarNode, ev.value, (True, False))
    else:
        tag = ev.tag
        if tag not in _SCALAR_TAGS:
            raise _YamlProblem(line, f"不支持的 YAML 标签：{tag}")
    if tag == _STD + "str":
        return ev.value
    node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark)
    try:
        return constructor.yaml_constructors[tag](constructor, node)
    except Exception:
        raise _YamlProblem(line, f"无法解析的值：{ev.value!r}") from None


# ---------------------------------------------------------------------------------------------
# Loading


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 text (a BOM is fine), or a PlanError with the line of the first bad byte."""
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise PlanError(f"{path}:{line}: 不是文本文件（含二进制内容）")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanError(f"{path}:{line}: 不是 UTF-8 编码的文本（请用 UTF-8 另存）") from None


def check_plan(path: Path, data: bytes | None = None) -> tuple[Plan | None, list[Problem]]:
    """Read and validate a plan file: the plan when it is clean, and every problem found."""
    text = decode_text(read_bytes(path) if data is None else data, path)
    if not text.strip():
        return None, [Problem(0, "计划文件是空的")]
    try:
        doc = read_yaml(text)
    except _YamlProblem as exc:
        return None, [Problem(exc.line, exc.message)]
    return build_plan(doc, str(path))


# ---------------------------------------------------------------------------------------------
# Validation: structure from SCHEMA, then meaning


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def record(self, obj: Any, kind: str, line: int, where: str) -> LDict | None:
        """Check one mapping against SCHEMA[kind]; None when it is not a mapping at all."""
        _title, fields = SCHEMA[kind]
        if not isinstance(obj, LDict):
            self.add(line, f"{where}应是一个映射（字段: 值），而不是 {_type_name(obj)}")
            return None
        known = {f.name: f for f in fields}
        for key in obj:
            if key not in known:
                hint = suggest(str(key), known, limit=1)
                tip = f"（是否想写 {hint[0]}？）" if hint else ""
                self.add(obj.lines[key], f"{where}有未知字段 {key!r}{tip}")
        for f in fields:
            if f.name not in obj or obj[f.name] is None:
                if f.required:
                    self.add(obj.line, f"{where}缺少必填字段 {f.name}（{f.doc}）")
                continue
            value = obj[f.name]
            ok = isinstance(value, f.types) and not (isinstance(value, bool) and bool not in f.types)
            if dt.date in f.types and isinstance(value, dt.datetime):
                ok = False
            if not ok:
                self.add(
                    obj.lines[f.name],
                    f"{where}字段 {f.name} 应为{_type_name_of(f.types)}，"
                    f"实际是 {_type_name(value)}：{value!r}",
                )
        return obj

    def items(self, doc: LDict, key: str) -> Iterator[tuple[Any, int]]:
        seq = doc.get(key)
        if isinstance(seq, LList):
            yield from zip(seq, seq.lines, strict=True)


def _type_name(value: Any) -> str:
    if value is None:
        return "空值"
    return _type_name_of((type(value),))


def _type_name_of(types: tuple[type, ...]) -> str:
    names = {
        str: "文本",
        int: "整数",
        bool: "true/false",
        list: "列表",
        dict: "映射",
        LDict: "映射",
        LList: "列表",
        dt.date: "日期",
        dt.datetime: "日期时间",
        float: "小数",
    }
    return "或".join(names.get(t, t.__name__) for t in types)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str_list(value: Any) -> list[str]:
    return [v.strip() for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def build_plan(doc: Any, path: str) -> tuple[Plan | None, list[Problem]]:
    """Validate a parsed document and build the Plan from it; every problem is reported."""
    c = _Checker()
    top = c.record(doc, "top", getattr(doc, "line", 1), "计划文件")
    if top is None:
        return None, c.problems
    version = top.get("schema")
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        c.add(top.lines["schema"], f"格式版本 {version} 不受支持（本程序支持 {SCHEMA_VERSION}）")
    for key in ("parts", "sections", "units", "groups", "tasks"):
        seq = top.get(key)
        if key in top and isinstance(seq, list) and not seq and key != "groups":
            c.add(top.lines[key], f"{key} 不能为空")

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


def _build_meta(c: _Checker, top: LDict) -> PlanMeta | None:
    raw = c.record(top.get("plan"), "plan", top.lines.get("plan", top.line), "plan ")
    if raw is None:
        return None
    year = raw.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and not 1990 <= year <= 2200:
        c.add(raw.lines["year"], f"年度 {year} 不在合理范围内")
    tz = _text(raw.get("timezone")) or "Asia/Shanghai"
    if "timezone" in raw and isinstance(raw.get("timezone"), str):
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            if tz != "Asia/Shanghai":
                c.add(raw.lines["timezone"], f"无法识别的时区：{tz}")
    issued = raw.get("issued")
    if not all(isinstance(raw.get(k), str) for k in ("title", "doc_number", "issuer")):
        return None
    if not isinstance(year, int) or isinstance(year, bool):
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


def _positive(c: _Checker, obj: LDict, key: str, what: str) -> int | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            c.add(obj.lines[key], f"{what}应为正整数，实际是 {value}")
            return None
        return value
    return None


def _build_parts(c: _Checker, top: LDict) -> list[Part]:
    parts: list[Part] = []
    seen: dict[int, int] = {}
    for i, (raw, line) in enumerate(c.items(top, "parts"), 1):
        obj = c.record(raw, "part", line, f"parts 第 {i} 项")
        if obj is None:
            continue
        number = _positive(c, obj, "number", "部分序号")
        if number is None or not isinstance(obj.get("title"), str):
            continue
        if number in seen:
            c.add(obj.line, f"部分序号 {number} 重复（上一次在第 {seen[number]} 行）")
            continue
        seen[number] = obj.line
        parts.append(Part(number, obj["title"].strip()))
    return parts


def _build_sections(c: _Checker, top: LDict, part_numbers: set[int]) -> list[Section]:
    sections: list[Section] = []
    seen: dict[int, int] = {}
    for i, (raw, line) in enumerate(c.items(top, "sections"), 1):
        obj = c.record(raw, "section", line, f"sections 第 {i} 项")
        if obj is None:
            continue
        number = _positive(c, obj, "number", "工作任务序号")
        part = _positive(c, obj, "part", "部分序号")
        if number is None or part is None or not isinstance(obj.get("title"), str):
            continue
        if number in seen:
            c.add(obj.line, f"工作任务序号 {number} 重复（上一次在第 {seen[number]} 行）")
            continue
        seen[number] = obj.line
        if part_numbers and part not in part_numbers:
            c.add(obj.lines["part"], f"工作任务 {number} 所属的部分 {part} 不存在")
            continue
        sections.append(Section(number, part, obj["title"].strip()))
    return sections


def _build_directory(c: _Checker, top: LDict) -> tuple[list[Unit], list[Group]]:
    units: list[Unit] = []
    groups: list[Group] = []
    where_named: dict[str, int] = {}
    for i, (raw, line) in enumerate(c.items(top, "units"), 1):
        obj = c.record(raw, "unit", line, f"units 第 {i} 项")
        if obj is None or not isinstance(obj.get("name"), str) or not isinstance(obj.get("kind"), str):
            continue
        name = obj["name"].strip()
        if name in where_named:
            c.add(obj.line, f"单位 {name} 重复（上一次在第 {where_named[name]} 行）")
            continue
        where_named[name] = obj.line
        if obj["kind"] not in UNIT_KINDS:
            c.add(obj.lines["kind"], f"单位类别 {obj['kind']!r} 无效，可选：{'、'.join(UNIT_KINDS)}")
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
    group_names = {
        r["name"].strip() for r, _ in raw_groups if isinstance(r, dict) and isinstance(r.get("name"), str)
    }
    for i, (raw, line) in enumerate(raw_groups, 1):
        obj = c.record(raw, "group", line, f"groups 第 {i} 项")
        if obj is None or not isinstance(obj.get("name"), str):
            continue
        name = obj["name"].strip()
        if name in where_named:
            c.add(obj.line, f"名称 {name} 重复（上一次在第 {where_named[name]} 行）")
            continue
        where_named[name] = obj.line
        members = _str_list(obj.get("members"))
        for j, member in enumerate(members):
            if member not in unit_names:
                at = obj["members"].lines[j] if isinstance(obj.get("members"), LList) else obj.line
                c.add(at, _unknown(f"统称 {name} 的成员", member, unit_names))
        if len(set(members)) != len(members):
            c.add(obj.lines.get("members", obj.line), f"统称 {name} 的成员有重复")
        within = _str_list(obj.get("within"))
        for w in within:
            if w not in group_names and w not in unit_names:
                c.add(obj.lines.get("within", obj.line), _unknown(f"统称 {name} 的 within", w, group_names))
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


def _check_aliases(c: _Checker, top: LDict, units: list[Unit], groups: list[Group]) -> None:
    from .units import explicit_names

    owner: dict[str, str] = {}
    things: list[Unit | Group] = [*units, *groups]
    for thing in things:
        for key in explicit_names(thing):
            other = owner.setdefault(key, thing.name)
            if other != thing.name:
                c.add(top.lines.get("units", 0), f"名称或别名 {key} 同时指向 {other} 和 {thing.name}")


def _unknown(what: str, name: str, pool: set[str]) -> str:
    hint = suggest(name, pool)
    tip = f"（是否想写：{'、'.join(hint)}？）" if hint else ""
    return f"{what} {name} 不在单位名录中{tip}"


def _build_tasks(
    c: _Checker, top: LDict, sections: dict[int, Section], names: set[str], year: int
) -> list[Task]:
    tasks: list[Task] = []
    seen: dict[int, int] = {}
    for i, (raw, line) in enumerate(c.items(top, "tasks"), 1):
        obj = c.record(raw, "task", line, f"tasks 第 {i} 项")
        if obj is None:
            continue
        task_id = _positive(c, obj, "id", "任务编号")
        label = f"任务 {task_id}" if task_id else f"tasks 第 {i} 项"
        if task_id is not None:
            if task_id in seen:
                c.add(obj.lines["id"], f"任务编号 {task_id} 重复（上一次在第 {seen[task_id]} 行）")
                task_id = None
            else:
                seen[task_id] = obj.line
        number = obj.get("section")
        section = sections.get(number) if isinstance(number, int) else None
        if isinstance(number, int) and section is None and sections:
            c.add(obj.lines["section"], f"{label}所属的工作任务 {obj['section']} 不存在")
        units = _task_units(c, obj, label, names)
        requirement = obj.get("requirement")
        if isinstance(requirement, str) and not requirement.strip():
            c.add(obj.lines["requirement"], f"{label}的具体要求为空")
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
                line=obj.line,
            )
        )
    return tasks


def _task_units(c: _Checker, obj: LDict, label: str, names: set[str]) -> list[str]:
    raw = obj.get("units")
    if not isinstance(raw, LList):
        return []
    if not raw:
        c.add(obj.lines["units"], f"{label}没有责任单位")
        return []
    units: list[str] = []
    for value, line in zip(raw, raw.lines, strict=True):
        if not isinstance(value, str) or not value.strip():
            c.add(line, f"{label}的责任单位应为单位名称，实际是 {_type_name(value)}：{value!r}")
            continue
        name = value.strip()
        if names and name not in names:
            c.add(line, _unknown(f"{label}的责任单位", name, names))
            continue
        if name in units:
            c.add(line, f"{label}的责任单位 {name} 重复")
            continue
        units.append(name)
    return units if len(units) == len(raw) else []


def _task_deadline(c: _Checker, obj: LDict, label: str, year: int) -> Deadline | None:
    text = obj.get("deadline_text")
    given = obj.get("deadline")
    if not isinstance(text, str):
        return None
    if given is not None and (not isinstance(given, dt.date) or isinstance(given, dt.datetime)):
        return None
    try:
        resolved = resolve_deadline(text, year) if year else None
    except ValueError:
        if given is None:
            c.add(
                obj.lines["deadline_text"],
                f"{label}的完成时限 {text!r} 无法识别；请改写（如 12月底前）或加上 deadline: YYYY-MM-DD",
            )
            return None
        return Deadline(text.strip(), given)
    if given is not None and given != resolved:
        c.add(
            obj.lines["deadline"],
            f"{label}的 deadline {given.isoformat()} 与完成时限 {text!r}"
            f"（{resolved.isoformat() if resolved else '无截止日期'}）不一致",
        )
        return None
    return Deadline(text.strip(), resolved)
