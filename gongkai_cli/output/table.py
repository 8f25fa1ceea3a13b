"""Tables for people, drawn by Rich from the records a command returns.

Rich lays the tables out and draws them; two things are done here before text reaches it:

- every text is made inert (``inert``): control characters, bidirectional overrides and line or
  paragraph separators from a plan or a note are shown as ``\\xNN``/``\\uNNNN``, never sent to the
  terminal, and text is always ``rich.text.Text``, never parsed as markup;
- cell text is folded by the Chinese line-breaking rule (避头尾: no line starts with ，。、）」 and the
  like, none ends with （「“), which Rich's wrapping (at spaces, folding anything else anywhere) does
  not know. ``Folded`` is a renderable: Rich measures it, gives it its column's width, and it
  yields the lines.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from ..text import cn_numeral, inert

# GONGKAI_ASCII=1: for consoles that draw box-drawing characters, ● and █ two cells wide (the legacy
# Windows console with a CJK font): Rich's ASCII box, and ASCII bar and lights.
ASCII = os.environ.get("GONGKAI_ASCII", "") not in ("", "0")
BOX = box.ASCII if ASCII else box.SQUARE
MIN_WIDTH = 40  # narrower COLUMNS values (1, 0, junk) are taken as this

# ---------------------------------------------------------------------------------------------
# Text that cannot act on the terminal: ``inert`` (text.py)


def plain(text: str, style: str = "") -> Text:
    return Text(inert(text), style=style)


# ---------------------------------------------------------------------------------------------
# Folding by the Chinese line-breaking rule

_NO_START = frozenset("，。、；：！？）》」』】〕〉”’…—·,.;:!?)]}%")
_NO_END = frozenset("（《「『【〔〈“‘([{")
_ASCII_RUN = re.compile(r"[\x21-\x7e]+")


def _width(ch: str) -> int:
    return 1 if ch < "\u0300" and ch >= " " else get_character_cell_size(ch)


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Lines of ``text`` no wider than ``width`` cells, as (start, end) slices; newlines kept,
    spaces at a break dropped, a word longer than the line folded at the edge."""
    width = max(width, 1)
    out: list[tuple[int, int]] = []
    start = 0
    for para in text.split("\n"):
        end = start + len(para)
        if cell_len(para) <= width:
            out.append((start, end))
        else:
            out.extend((a + start, b + start) for a, b in _wrap_paragraph(para, width))
        start = end + 1
    return out


def _wrap_paragraph(seg: str, width: int) -> list[tuple[int, int]]:
    ws = [_width(ch) for ch in seg]
    n = len(seg)
    lines: list[tuple[int, int]] = []
    ls = 0
    while True:
        used, e = 0, ls
        while e < n and used + ws[e] <= width:
            used += ws[e]
            e += 1
        while e < n and seg[e] == " ":  # spaces may hang past the edge: dropped at the break
            e += 1
        if e >= n:
            break
        cut = e
        while cut > ls and not _may_break(seg, ws, cut):
            cut -= 1
        if cut == ls:  # no allowed break on this line: fold at the edge
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
    return lines


def _may_break(seg: str, ws: list[int], i: int) -> bool:
    """May a line end before seg[i]? After a space, or next to a wide character, unless that
    starts a line with closing punctuation or ends one with opening punctuation."""
    after, before = seg[i], seg[i - 1]
    if after == " ":
        return False
    if before == " ":
        return True
    return (ws[i] == 2 or ws[i - 1] == 2) and after not in _NO_START and before not in _NO_END


class Folded:
    """A cell's text, folded to whatever width Rich gives its column.

    ``pad`` spaces either side are drawn here rather than by the table: a table with padding wraps
    every cell in a rich.padding.Padding, a second layer of rendering that cost a 30-row table a
    fifth of its drawing time (bench/RESULTS.md).
    """

    __slots__ = ("_measured", "pad", "text")

    def __init__(self, text: Text, pad: int = 0) -> None:
        self.text = text
        self.pad = pad
        self._measured: tuple[int, int] | None = None  # (narrowest, widest): a table measures twice

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if self._measured is None:
            plain_text = self.text.plain
            widest = max((cell_len(line) for line in plain_text.split("\n")), default=0)
            # The narrowest sensible width: a run of ASCII (a date, a number, a link) kept whole,
            # else two wide characters (one with its punctuation).
            runs = [len(m) for m in _ASCII_RUN.findall(plain_text)]
            narrowest = max([*runs, 4 if not plain_text.isascii() else 1])
            self._measured = (min(narrowest, widest), widest)
        edge = 2 * self.pad
        narrowest, widest = self._measured
        return Measurement(narrowest + edge, widest + edge).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Segments, not Text: each line is already folded, and Rich's own wrapping of a Text is
        # what a table spends most of its time on. Rich pads each line to the column's width.
        # A line is one Segment when the text has no styles (most cells), the leading space
        # included: every Segment costs Rich a measurement and a crop.
        text = self.text
        plain_text = text.plain
        lead = " " * self.pad
        width = max(options.max_width - 2 * self.pad, 1)
        right = options.justify == "right"
        lines = wrap(plain_text, width)
        if not (text.spans or text.style):
            for start, end in lines:
                piece = plain_text[start:end]
                if right:
                    piece = " " * (width - cell_len(piece)) + piece
                yield Segment(lead + piece + "\n")
            return
        # Styled: one division of the Text for all its lines (slicing it line by line divides it
        # once per line).
        parts = text.divide([offset for line in lines for offset in line])
        lead_segment = Segment(lead) if lead else None
        for i, (start, end) in enumerate(lines):
            if lead_segment:
                yield lead_segment
            if right:
                yield Segment(" " * (width - cell_len(plain_text[start:end])))
            yield from parts[2 * i + 1].render(console)
            yield _NEWLINE


_NEWLINE = Segment.line()

Cell = str | Text | Sequence[tuple[str, str]]


def cell(value: Cell, pad: int = 1) -> RenderableType:
    """Plain text, a Text, or (text, style) spans -> a folded, inert cell with ``pad`` spaces
    either side (tables from new_table have no padding of their own)."""
    if isinstance(value, Text):
        return Folded(value, pad)
    if isinstance(value, str):
        return Folded(plain(value), pad)
    text = Text()
    for piece, style in value:
        text.append(inert(piece), style=style or None)
    return Folded(text, pad)


# An empty cell (the other columns of a heading row). Rich would make each "" a Text of its own and
# wrap it; one Folded serves them all (Rich never changes what it draws).
BLANK = Folded(Text(), 1)


def highlight(text: str, words: Iterable[str], style: str) -> Text:
    """``text`` with every occurrence of each word in ``style``."""
    out = plain(text)
    for word in words:
        if word:
            out.highlight_words([inert(word)], style=style)
    return out


# ---------------------------------------------------------------------------------------------
# Consoles


def terminal_width(stream: Any) -> int:
    """COLUMNS when set (scripts and tests set it); else the width of the terminal ``stream`` is on;
    else, output piped or redirected in a terminal session (``gongkai tasks | less``), the width of
    the terminal stderr or stdin is on, which is what the COLUMNS an interactive shell keeps (but
    does not export) says; else 80 (cron, CI)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit():
        return max(int(columns), MIN_WIDTH)
    for candidate in (stream, sys.stderr, sys.stdin):
        try:
            if candidate.isatty():
                return max(os.get_terminal_size(candidate.fileno()).columns, MIN_WIDTH)
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def console_for(color: str = "auto", stderr: bool = False) -> Console:
    """``--color auto|always|never``: styles on a terminal only, unless forced; NO_COLOR (read by
    Rich) keeps bold and drops colours."""
    stream = sys.stderr if stderr else sys.stdout
    kwargs: dict[str, Any] = {"file": stream, "width": terminal_width(stream), "highlight": False}
    if color == "never":
        kwargs["color_system"] = None
    elif color == "always":
        kwargs.update(force_terminal=True, color_system="standard")
    return Console(**kwargs, emoji=False, markup=False, soft_wrap=False)


def draw(renderables: Sequence[RenderableType], color: str = "auto") -> None:
    """Print tables one after another, a blank line between them."""
    console = console_for(color)
    for i, renderable in enumerate(renderables):
        if i:
            console.print()
        if isinstance(renderable, Table):
            _share_width(console, renderable)
        console.print(renderable)


FLEX_MIN = 10  # cells a column with a ratio needs to be worth sharing out the width


def _share_width(console: Console, table: Table) -> None:
    """Share the terminal's width out by the columns' ratios (the requirement column wider than
    the units column) when the other columns leave room; otherwise leave it to Rich, which narrows
    the widest columns first. Rich applies ratios only to an expanded table, and an expanded table
    gives its other columns their whole natural width even when that starves the ratio columns."""
    flexible = [c for c in table.columns if c.ratio]
    if not flexible:
        return
    options = console.options
    fixed = 0
    for column in table.columns:
        if not column.ratio:
            cells = [column.header, *column.cells]
            fixed += max((Measurement.get(console, options, c).maximum for c in cells), default=0)
    edges = len(table.columns) + 1 + 2 * len(flexible)  # borders, and the flexible cells' own spaces
    table.expand = console.width >= edges + fixed + FLEX_MIN * len(flexible)


def new_table(*columns: Column, title: str = "", caption: str = "", header: bool = True) -> Table:
    return Table(
        *columns,
        title=plain(title, "bold") if title else None,
        caption=plain(caption, "dim") if caption else None,
        box=BOX,
        show_header=header,
        title_style="bold",
        caption_style="dim",
        caption_justify="left",
        header_style="bold",
        padding=0,  # each cell pads itself (Folded)
    )


def col(header: str, *, right: bool = False, ratio: int | None = None) -> Column:
    header_cell = Folded(plain(header), 1)
    return Column(header_cell, justify="right" if right else "left", overflow="fold", ratio=ratio)


# ---------------------------------------------------------------------------------------------
# tasks


def deadline_text(record: dict[str, Any]) -> str:
    return f"{record['deadline_text'] or '持续推进'}\n{record['deadline'] or '无截止日期'}"


def _units_cell(record: dict[str, Any], who: str | None) -> Text:
    """The 责任单位 cell; with --unit, the name that brought the row is bold, and how it came is said."""
    text = record.get("units_text") or "、".join(record["units"])
    relation = record.get("relation")
    if relation is None:
        return plain(text)
    out = highlight(
        text, [w for w in (who if relation == "direct" else None, record.get("via")) if w], "bold"
    )
    if record.get("via"):
        note = "经由统称" if relation == "group" else "可能相关，开放式表述"
        out.append(f"\n（{note}）", style="dim")
    return out


def _progress_cell(record: dict[str, Any]) -> Text:
    """The asked unit's own part, the row's ``3/44``, and ``逾期`` in red."""
    out = Text()
    responsible = record.get("responsible") or []
    done = record.get("done_units") or []
    whole = f"{len(done)}/{len(responsible)}" if len(responsible) > 1 else ""
    own = record.get("unit_done")
    mine = record.get("for_units") or []
    if len(mine) > 1:  # several units asked: each one's own part
        for i, m in enumerate(mine):
            word = STATE_WORDS.get(m["state"] or "", "无本单位部分")
            out.append(("\n" if i else "") + f"{m['unit']}：{word}", style=STATE_STYLES.get(m["state"] or ""))
        if whole:
            out.append(f"\n全行 {whole}", style="dim")
        return out
    if own is not None:
        out.append("已完成" if own else "未完成", style="green" if own else None)
        if record.get("unit_state") == "done_late":
            out.append("（逾期完成）", style="yellow")
        if whole:
            out.append(f"\n全行 {whole}", style="dim")
    elif record.get("status") == "done":
        out.append("已完成", style="green")
        if record.get("state") == "done_late":
            out.append("（逾期完成）", style="yellow")
    else:
        out.append(whole or "未完成")
    if record.get("overdue"):
        out.append("\n逾期", style="bold red")
    return out


STATE_WORDS = {
    "open": "未到期",
    "overdue": "逾期未完成",
    "done": "按时完成",
    "done_late": "逾期完成",
    "ongoing": "持续推进",
}
STATE_STYLES = {"overdue": "bold red", "done": "green", "done_late": "yellow"}


def tasks_table(records: Sequence[dict[str, Any]], title: str, caption: str, who: str | None) -> Table:
    """The rows as the official table lays them out: a heading row for each 工作任务, then its rows."""
    table = new_table(
        col("编号", right=True),
        col("责任单位", ratio=2),
        col("具体要求", ratio=5),
        col("完成时限"),
        col("进度"),
        title=title,
        caption=caption,
    )
    previous = None
    for r in records:
        if r["section"] != previous:
            if previous is not None:
                table.rows[-1].end_section = True
            heading = plain(f"{r['section_label']}{r['section_title']}", "bold")
            table.add_row(BLANK, BLANK, cell(heading), BLANK, BLANK)
            previous = r["section"]
        table.add_row(
            cell(str(r["id"])),
            cell(_units_cell(r, who)),
            cell(r["requirement"]),
            cell(deadline_text(r)),
            cell(_progress_cell(r)),
        )
    return table


# ---------------------------------------------------------------------------------------------
# show


def group_summary(group: dict[str, Any]) -> str:
    if group.get("open"):
        where = "、".join(group.get("within") or []) or "—"
        return f"开放式表述，不确定分配给具体单位；{where} 的成员可能相关"
    members = group.get("members") or []
    if not members:
        return "成员未知（名录中没有名单），按一个单位计"
    return f"共{len(members)}个单位：" + "、".join(members)


def _grid(rows: Iterable[tuple[str, Cell]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(plain(key), cell(value, pad=0))
    return grid


def show_panel(record: dict[str, Any]) -> Table:
    date = record["deadline"] or "无截止日期"
    rows: list[tuple[str, Cell]] = [
        ("编号", str(record["id"])),
        ("部分", f"{cn_numeral(record['part'])}、{record['part_title']}" if record["part"] else "—"),
        ("工作任务", f"{record['section_label']}{record['section_title']}" or "—"),
        *([("小项", record["topic"])] if record.get("topic") else []),
        ("责任单位", record["units_text"]),
        ("具体要求", record["requirement"]),
        ("完成时限", f"{record['deadline_text'] or '持续推进'}（{date}）"),
        *([("牵头单位", "、".join(record["lead"]))] if record.get("lead") else []),
    ]
    rows += [("统称", f"{g['name']}：{group_summary(g)}") for g in record["expanded"] if g["group"]]
    rows += [("认领", claim_text(c)) for c in record.get("claims") or ()]
    if record.get("state"):
        rows.append(("完成情况", f"{record['state_label']}（截至 {record['as_of']}）"))
    return _grid(rows)


def show_tables(record: dict[str, Any], who: str | None) -> list[RenderableType]:
    """The row, then each unit's part (only the scope's units when there is one), then its history."""
    out: list[RenderableType] = [show_panel(record)]
    progress = record.get("progress")
    if who and not progress:
        out.append(plain(f"{who} 在这一行没有自己的部分。", "dim"))
    if progress:
        done = sum(1 for p in progress if p["done_on"])
        late = sum(1 for p in progress if p["state"] == "done_late")
        caption = f"已完成 {done}/{len(progress)}（其中逾期完成 {late}），未完成 {len(progress) - done}"
        if who:
            caption = f"单位：{who}；{caption}"
        table = new_table(
            col("单位", ratio=2),
            col("完成情况"),
            col("完成日期"),
            col("佐证材料", ratio=3),
            col("标记人", ratio=1),
            title="各单位完成情况",
            caption=caption,
        )
        for p in progress:
            unit: Cell = p["unit"]
            if p.get("via"):
                unit = [(p["unit"], ""), (f"\n（经由：{p['via']}）", "dim")]
            elif p.get("claimed_by"):
                unit = [(p["unit"], ""), (f"\n（{'、'.join(p['claimed_by'])} 认领）", "dim")]
            elif p.get("placeholder"):
                unit = [(p["unit"], ""), ("\n（待认领：开放式表述）", "dim")]
            table.add_row(
                cell(unit),
                cell([(p["state_label"], STATE_STYLES.get(p["state"], ""))]),
                cell(p["done_on"] or ""),
                cell(p.get("note") or ""),
                cell(p.get("by") or ""),
            )
        out.append(table)
    history = record.get("history")
    if history:
        total = record.get("history_total", len(history))
        table = log_table(history)
        table.title = plain(f"最近的历史记录（{len(history)}/{total}）", "bold")
        if total > len(history):
            table.caption = plain(f"全部历史：gongkai log {record['id']}", "dim")
        out.append(table)
    return out


def claim_text(claim: dict[str, Any]) -> str:
    """``区教体局 以“区政府有关部门单位”认领，2023-11-20 完成（佐证：…）``."""
    note = f"（佐证：{claim['note']}）" if claim.get("note") else ""
    return f"{claim['unit']} 以“{claim['claimed_under']}”认领，{claim['done_on']} 完成{note}"


# ---------------------------------------------------------------------------------------------
# units


def units_tables(records: dict[str, Any]) -> list[Table]:
    units = new_table(
        col("名称", ratio=2),
        col("类别", ratio=2),
        col("别名", ratio=3),
        col("所属统称", ratio=2),
        col("点名任务", right=True),
        col("备注", ratio=3),
        title="单位名录",
    )
    for u in records["units"]:
        units.add_row(
            cell(u["name"]),
            cell(u["kind_label"]),
            cell("、".join(u["aliases"])),
            cell("、".join(u["groups"])),
            cell(str(u["direct_tasks"])),
            cell(u["note"] or ""),
        )
    groups = new_table(
        col("统称"), col("点名任务", right=True), col("成员", ratio=3), col("说明", ratio=2), title="统称"
    )
    for g in records["groups"]:
        groups.add_row(
            cell(g["name"]), cell(str(g["direct_tasks"])), cell(group_summary(g)), cell(g["note"] or "")
        )
    return [units, groups]


# ---------------------------------------------------------------------------------------------
# log

ACTION_LABELS = {"done": "标记完成", "undo": "撤销", "amend": "修改", "keep": "冲突：保留本地"}
CHOICE_LABELS = {"mine": "保留本地", "theirs": "采用导入文件", "newer": "采用较新的"}


def _log_action(r: dict[str, Any]) -> str:
    label = ACTION_LABELS.get(r["action"], r["action"])
    if r["source"] == "import":
        choice = r.get("choice")
        label += f"（导入，{CHOICE_LABELS[choice]}）" if choice and r["action"] == "amend" else "（导入）"
    if r.get("claimed_under") and r["action"] == "done":
        label += f"\n认领：{r['claimed_under']}"
    return label


def _log_value(r: dict[str, Any], key: str) -> str:
    """The value an event wrote; an amendment shows the old one and the new; an undo shows none
    (the date it removed is not a completion date)."""
    new, old = r[key] or "", r.get(f"old_{key}") or ""
    if r["action"] == "undo":
        return ""
    if r["action"] == "amend" and new != old:
        return f"{old or '（无）'} → {new or '（无）'}"
    return new


def log_table(records: Sequence[dict[str, Any]]) -> Table:
    table = new_table(
        col("时间"),
        col("操作"),
        col("编号", right=True),
        col("单位", ratio=2),
        col("完成日期"),
        col("备注", ratio=3),
        col("操作人", ratio=1),
        title="完成情况历史",
    )
    for r in records:
        table.add_row(
            cell(r["at_local"][:16]),
            cell(_log_action(r)),
            cell(str(r["task_id"])),
            cell(r["unit"]),
            cell(_log_value(r, "done_on")),
            cell(_log_value(r, "note")),
            cell(r["by"]),
        )
    return table


# ---------------------------------------------------------------------------------------------
# status, overdue, due

LIGHT_LABELS = {"red": "逾期", "yellow": "临近", "green": "正常"}
LIGHT_STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "green"}


def progress_bar(ratio: float, width: int = 8) -> str:
    """A bar that reads without colour: ``███░░░░░  40%`` (full only when everything is done)."""
    filled = min(width, int(ratio * width))
    full, empty = ("#", "-") if ASCII else ("█", "░")
    return full * filled + empty * (width - filled) + f" {int(ratio * 100):>3d}%"


def status_table(records: Sequence[dict[str, Any]], by: str, caption: str) -> Table:
    title = {"unit": "各单位完成情况", "section": "各项工作任务完成情况", "part": "各部分完成情况"}[by]
    # Two-line headers keep the numbers narrow enough for 80 columns.
    numbers = (
        "任务",
        "按时\n完成",
        "逾期\n完成",
        *(("部分",) if by != "unit" else ()),
        "未完",
        "逾期",
        "临近",
    )
    table = new_table(
        col("状态"),
        col({"unit": "单位", "section": "工作任务", "part": "部分"}[by], ratio=1),
        *(col(h, right=True) for h in numbers),
        col("进度"),
        title=title,
        caption=caption,
    )
    dot = "*" if ASCII else "●"
    for s in records:
        if s.get("placeholder"):
            continue
        done_late = s.get("done_late") or 0
        cells: list[Cell] = [
            [(f"{dot} {LIGHT_LABELS[s['light']]}", LIGHT_STYLES[s["light"]])],
            s["label"],
            str(s["rows"]),
            str(s["done"] - done_late),
            [(str(done_late), "yellow" if done_late else "")],
        ]
        if by != "unit":
            cells.append(str(s["partial"]))
        cells += [
            str(s["open"]),
            [(str(s["overdue"]), "bold red" if s["overdue"] else "")],
            [(str(s["due_soon"]), "yellow" if s["due_soon"] else "")],
            progress_bar(s["progress"]),
        ]
        table.add_row(*map(cell, cells))
    return table


def placeholder_table(records: Sequence[dict[str, Any]]) -> Table:
    """Open-ended phrases (区政府有关部门单位……): rows to be claimed by whichever unit does the work,
    not units to chase, so no light and no overdue count."""
    table = new_table(
        col("表述", ratio=1),
        col("任务", right=True),
        col("已认领", right=True),
        col("待认领", right=True),
        title="待认领（开放式表述，不是单位）",
        caption="由实际承办的单位认领：gongkai done 编号 --unit 单位",
    )
    for s in records:
        table.add_row(cell(s["label"]), cell(str(s["rows"])), cell(str(s["done"])), cell(str(s["open"])))
    return table


def pairs_table(records: Sequence[dict[str, Any]], title: str, days_key: str, caption: str) -> Table:
    """One line per (row, unit), grouped by unit as a coordinator reads it out at a meeting."""
    header = "逾期天数" if days_key == "days_overdue" else "剩余天数"
    table = new_table(
        col("单位", ratio=2),
        col("编号", right=True),
        col("具体要求", ratio=6),
        col("完成时限"),
        col(header, right=True),
        title=title,
        caption=caption,
    )
    days_style = "bold red" if days_key == "days_overdue" else "yellow"
    for i, p in enumerate(records):
        first = i == 0 or records[i - 1]["unit"] != p["unit"]
        last = i + 1 == len(records) or records[i + 1]["unit"] != p["unit"]
        requirement: Cell = p["requirement"]
        if p["via"]:
            requirement = [(p["requirement"], ""), (f"\n（经由统称：{p['via']}）", "dim")]
        unit: Cell = ""
        if first:
            unit = [(p["unit"], ""), ("\n（待认领）", "dim")] if p.get("placeholder") else p["unit"]
        table.add_row(
            cell(unit),
            cell(str(p["id"])),
            cell(requirement),
            cell(deadline_text(p)),
            cell([(str(p[days_key]), days_style)]),
            end_section=last,
        )
    return table


def pairs_digest_table(records: Sequence[dict[str, Any]], title: str, days_key: str, caption: str) -> Table:
    """One line per unit, for reports too long to read row by row: how many, which, the worst."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for p in records:
        by_unit.setdefault(p["unit"], []).append(p)
    overdue = days_key == "days_overdue"
    table = new_table(
        col("单位", ratio=2),
        col("项数", right=True),
        col("编号", ratio=5),
        col("最多逾期天数" if overdue else "最少剩余天数", right=True),
        title=title,
        caption=caption,
    )
    for unit, items in sorted(by_unit.items(), key=lambda kv: -len(kv[1])):
        ids = [str(p["id"]) for p in items]
        shown = ", ".join(ids[:40]) + (f" ……等 {len(ids)} 项" if len(ids) > 40 else "")
        days = [p[days_key] for p in items]
        name: Cell = [(unit, ""), ("\n（待认领）", "dim")] if items[0].get("placeholder") else unit
        table.add_row(
            cell(name), cell(str(len(items))), cell(shown), cell(str(max(days) if overdue else min(days)))
        )
    return table


# ---------------------------------------------------------------------------------------------
# plans


def plans_table(records: Sequence[dict[str, Any]], caption: str) -> Table:
    table = new_table(
        col(""),
        col("名称", ratio=2),
        col("年度", right=True),
        col("文号", ratio=2),
        col("标题", ratio=4),
        col("行数", right=True),
        col("位置", ratio=3),
        title="计划",
        caption=caption,
    )
    for r in records:
        title: Cell = r["title"] or ""
        if r["broken"]:
            title = [("无法使用：", "bold red"), (r["problem"] or "", "")]
        table.add_row(
            cell([("当前", "bold")] if r["current"] else ""),
            cell(r["name"]),
            cell(str(r["year"] or "")),
            cell(r["doc_number"] or ""),
            cell(title),
            cell("" if r["rows"] is None else str(r["rows"])),
            cell(r["path"]),
        )
    return table


def tables_for(view: Any) -> list[RenderableType]:
    """The table (or tables) drawing one View."""
    kind, records = view.kind, view.records
    if kind == "tasks":
        return [tasks_table(records, view.title, view.caption, view.who)]
    if kind == "show":
        return show_tables(records, view.who)
    if kind == "units":
        return list(units_tables(records))
    if kind == "log":
        return [log_table(records)]
    if kind == "status":
        placeholders = [s for s in records if s.get("placeholder")]
        tables: list[RenderableType] = []
        if len(placeholders) < len(records):
            tables.append(status_table(records, view.by, view.caption))
        if placeholders:
            tables.append(placeholder_table(placeholders))
        return tables
    if kind == "pairs":
        make = pairs_digest_table if view.digest else pairs_table
        return [make(records, view.title, view.days_key, view.caption)]
    if kind == "plans":
        return [plans_table(records, view.caption)]
    raise ValueError(kind)
