"""Reading a plan file safely: its bytes (size-capped), its text (UTF-8), and its YAML as plain data.

The YAML is read as a stream of events, never constructed by a YAML loader: no tag can run code,
aliases are refused (no alias bombs), nesting is bounded, a key may appear only once, and every
value keeps its line number so that each problem can say where it is.

Absurd input is refused fast and in bounded memory: at most MAX_BYTES of file, MAX_DEPTH levels
of nesting, MAX_NODES values (scalars, mappings and lists), and past DENSE_FROM values at least
MIN_CHARS_PER_NODE characters of text per value on average (a real plan has 12 to 19; a flow list
of 24 million one-digit integers has 2 and is refused after 131,072 of them, not after reading
them all). PyYAML is imported only when
a file is actually parsed: a plan served from the cache never loads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PlanError, os_reason
from ..inputs import NOT_REGULAR, NotRegularFileError, open_regular

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 1_000_000  # a 50,000-row synthetic plan has 708,000; a real one a few thousand
DENSE_FROM = 1 << 17  # checked every 65,536 values from here on
MIN_CHARS_PER_NODE = 4


def read_bytes(path: Path) -> bytes:
    """The plan file's bytes, or a PlanError that says why the file cannot be read."""
    try:
        with open_regular(path) as fh:  # a FIFO or a device is refused, never waited on
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(f"找不到计划文件：{path}") from None
    except IsADirectoryError:
        raise PlanError(f"计划文件路径是一个目录：{path}") from None
    except PermissionError:
        raise PlanError(f"没有权限读取计划文件：{path}") from None
    except NotRegularFileError:
        raise PlanError(f"计划文件{NOT_REGULAR}：{path}") from None
    except OSError as exc:
        raise PlanError(f"无法读取计划文件 {path}：{os_reason(exc)}") from None
    if len(data) > MAX_BYTES:
        raise PlanError(f"{path}: 计划文件超过 {MAX_BYTES // (1024 * 1024)} MB，不像是一张分解表")
    return data


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


class LDict(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key's value (1-based)."""

    line: int
    lines: dict[Any, int]


class LList(list[Any]):
    """A sequence that remembers the line of itself and of each item (1-based)."""

    line: int
    lines: list[int]


class YamlProblem(Exception):
    """The text is not YAML a plan may be written in; ``line`` is 1-based, 0 when unknown."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "bool", "null", "timestamp", "float")}
_COLLECTION_TAGS = {_STD + "map", _STD + "seq"}


class _NoKey:
    pass


_NO_KEY = _NoKey()


def read_yaml(text: str | bytes) -> Any:
    """Parse YAML text (or its UTF-8 bytes: no second copy of a large file) into LDict/LList/scalars
    with line numbers, refusing what a plan never needs.

    Raises YamlProblem (with the line and a Chinese message) for malformed or refused YAML.
    """
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
    nodes = 0

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
                raise YamlProblem(line, "不支持以映射或列表作键")
            if value in top:
                raise YamlProblem(line, f"键 {value!r} 重复（上一次在第 {top.lines[value]} 行）")
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
                raise YamlProblem(line, "不支持 YAML 别名（*引用）")
            if isinstance(ev, events.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlProblem(line, "一个计划文件只能有一个 YAML 文档（不要用 ---  分隔多个）")
            elif isinstance(ev, events.ScalarEvent):
                nodes += 1
                if nodes & 0xFFFF == 0 or nodes > MAX_NODES:
                    _check_count(nodes, ev, line)
                put(_scalar(ev, line, resolver, constructor), line)
            elif isinstance(ev, (events.MappingStartEvent, events.SequenceStartEvent)):
                nodes += 1
                if nodes & 0xFFFF == 0 or nodes > MAX_NODES:
                    _check_count(nodes, ev, line)
                if ev.tag not in (None, "!") and ev.tag not in _COLLECTION_TAGS:
                    raise YamlProblem(line, f"不支持的 YAML 标签：{ev.tag}")
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(line, f"嵌套超过 {MAX_DEPTH} 层")
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
            raise YamlProblem(line, "嵌套层数过多，不像是一张分解表") from None
        raise YamlProblem(line, f"YAML 格式错误：{_yaml_problem_in_chinese(what)}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(0, f"YAML 格式错误：{exc}") from None
    return root


def _check_count(nodes: int, ev: Any, line: int) -> None:
    """Refuse a file with more values than any plan (MAX_NODES), or, past DENSE_FROM, values packed
    tighter than plan text ever is: such a file is refused in a fraction of a second, not parsed
    for minutes into gigabytes."""
    if nodes > MAX_NODES:
        raise YamlProblem(line, f"值（标量、映射和列表）超过 {MAX_NODES:,} 个，不像是一张分解表")
    chars = ev.start_mark.index if ev.start_mark else nodes * MIN_CHARS_PER_NODE
    if nodes >= DENSE_FROM and chars < nodes * MIN_CHARS_PER_NODE:
        raise YamlProblem(
            line,
            f"前 {chars:,} 个字符里有 {nodes:,} 个值（平均每个值不足 {MIN_CHARS_PER_NODE} 个字符），"
            "不像是一张分解表",
        )


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
            raise YamlProblem(line, f"不支持的 YAML 标签：{tag}")
    if tag == _STD + "str":
        return ev.value
    node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark)
    try:
        return constructor.yaml_constructors[tag](constructor, node)
    except Exception:
        raise YamlProblem(line, f"无法解析的值：{ev.value!r}") from None
