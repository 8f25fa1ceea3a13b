"""Tables drawn by Rich: folding that loses nothing and keeps the Chinese line-breaking rule,
aligned borders never wider than the terminal, colour only on a terminal, inert control characters."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from gongkai_cli.output.table import _share_width, cell, col, new_table, wrap

from .helpers.common import MINIMAL, ROWS, installed_gongkai

CLOSING = "，。、；：！？）》」』】”’"
OPENING = "（《「『【“‘"

# Text like the plan's: Chinese, ASCII words and digits, both kinds of punctuation, spaces.
plan_like = st.text(
    alphabet=st.sampled_from(
        list("政务公开信息区教体局镇街道推进落实加强2023年12月ab-xyz ,.()")
        + list(CLOSING + OPENING)
        + ["·", "—", "é", "\u0301"]
    ),
    max_size=120,
)


def reference_width(text: str) -> int:
    """Terminal cells by the Unicode tables, computed independently of grid.py."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return total


@settings(max_examples=300, deadline=None)
@given(text=plan_like, width=st.integers(min_value=2, max_value=60))
def test_wrap_loses_nothing_and_fits(text: str, width: int) -> None:
    lines = wrap(text, width)
    # Slices in order; between two lines only the spaces where it broke (or an explicit newline).
    position = 0
    for start, end in lines:
        assert start >= position
        assert text[position:start].strip(" ") in ("", "\n") or text[position:start].replace(" ", "") == "\n"
        position = end
    assert text[position:].strip(" ") == ""
    assert "".join(text[a:b] for a, b in lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    for a, b in lines:
        line = text[a:b]
        assert reference_width(line) <= width or len(line) == 1, (line, width)


# Chinese words, each followed by at most one punctuation mark (no two marks together: then there is
# always a place to break that keeps the rule, shortening a line by one character to carry a mark).
cjk_sentence = st.lists(
    st.tuples(
        st.text(alphabet=st.sampled_from(list("政务公开信息教育卫生")), min_size=1, max_size=6),
        st.sampled_from(["", *CLOSING, *OPENING]),
    ),
    max_size=30,
).map(lambda parts: "".join(word + mark if mark not in OPENING else mark + word for word, mark in parts))


@settings(max_examples=300, deadline=None)
@given(text=cjk_sentence, width=st.integers(min_value=6, max_value=40))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(text: str, width: int) -> None:
    lines = [text[a:b] for a, b in wrap(text, width)]
    for k, line in enumerate(lines):
        assert reference_width(line) <= width
        if k:
            assert line[:1] not in CLOSING, lines
        if k + 1 < len(lines):
            assert line[-1:] not in OPENING, lines


def test_the_rule_on_a_real_row() -> None:
    text = "加强民办教育学校和校外培训机构的监管,落实收费公示和公开承诺制度,推进办学资质等信息集中公开。"
    lines = [text[a:b] for a, b in wrap(text, 45)]
    # 44 cells of text then "开。" would leave the full stop alone on a line: it takes 开 with it.
    assert lines[-1] == "开。" and all(reference_width(x) <= 45 for x in lines)


def render(table, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    _share_width(console, table)
    console.print(table)
    return out.getvalue().splitlines()


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.tuples(plan_like, plan_like, st.integers(0, 99999)), min_size=1, max_size=6),
    width=st.integers(min_value=40, max_value=160),
)
def test_boxed_table_borders_line_up(cells: list[tuple[str, str, int]], width: int) -> None:
    table = new_table(col("单位", ratio=2), col("具体要求", ratio=5), col("编号", right=True), title="标题")
    for unit, requirement, number in cells:
        table.add_row(cell(unit.replace("\n", " ")), cell(requirement.replace("\n", " ")), cell(str(number)))
    lines = render(table, width)
    boxed = [x for x in lines if x and x[0] in "┌│├└"]
    assert len({reference_width(x) for x in boxed}) == 1, "\n".join(boxed)
    assert reference_width(boxed[0]) <= width
    # What each cell held reads back from its column, in order.
    rows = [x.split("│")[1:4] for x in boxed if x.startswith("│")][1:]  # [1:]: the header row
    for k in (0, 1):
        shown = "".join(r[k] for r in rows).replace(" ", "")
        assert shown == "".join(c[k].replace("\n", "").replace(" ", "") for c in cells)


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.tuples(plan_like, plan_like), min_size=1, max_size=4),
    width=st.integers(min_value=40, max_value=79),
)
def test_a_narrow_terminal_gets_aligned_columns_no_wider_than_itself(
    cells: list[tuple[str, str]], width: int
) -> None:
    table = new_table(col("单位", ratio=2), col("具体要求", ratio=5), col("完成时限"))
    for unit, requirement in cells:
        table.add_row(cell(unit.replace("\n", " ")), cell(requirement.replace("\n", " ")), cell("2023-12-31"))
    lines = render(table, width)
    assert len({reference_width(x) for x in lines}) == 1, "\n".join(lines)
    assert reference_width(lines[0]) <= width


@pytest.mark.parametrize("columns", ["60", "80", "100"])
@pytest.mark.parametrize(
    "args",
    [("status", "--as-of", "2023-12-01"), ("tasks", "--unit", "教体局"), ("overdue", "--unit", "卫健局")],
)
def test_command_tables_are_never_wider_than_the_terminal(run, args: tuple[str, ...], columns: str) -> None:  # type: ignore[no-untyped-def]
    r = (
        run(*args, "--as-of", "2023-12-01", env={"COLUMNS": columns})
        if "--as-of" not in args
        else run(*args, env={"COLUMNS": columns})
    )
    assert r.exit_code == 0, r.output
    assert max(reference_width(x) for x in r.stdout.splitlines()) <= int(columns)


def test_colour_on_a_terminal_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = shutil.which("script")
    if script is None:
        pytest.skip("util-linux script is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLUMNS="100", TERM="xterm", GONGKAI_STATE=str(tmp_path / "s.sqlite3"))
    base = f"{installed_gongkai()} overdue --as-of 2023-12-01 --unit 区教体局"

    def on_tty(extra: str = "", **more: str) -> str:
        r = subprocess.run(
            [script, "-qec", f"{base} {extra}", "/dev/null"],
            capture_output=True, text=True, env={**env, **more}, timeout=60,
        )  # fmt: skip
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    coloured = on_tty()
    assert "\x1b[1;31m1\x1b[0m" in coloured  # days overdue in bold red
    assert re.search("\x1b\\[1m *截至 2023-12-01", coloured)  # the title in bold
    no_color = on_tty(NO_COLOR="1")
    assert "\x1b[1m" in no_color and "31m" not in no_color  # NO_COLOR: bold kept, no colours
    assert "\x1b[" not in on_tty("--color never")
    piped = subprocess.run(base.split(), capture_output=True, text=True, env=env, timeout=60)
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout and "逾期天数" in piped.stdout


def test_ascii_mode_draws_borders_and_decorations_in_ascii(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The legacy Windows console with a CJK font draws ─│┌, ● and █ two cells wide: with
    # GONGKAI_ASCII=1 borders, lights and bars are ASCII and the borders line up. (Rich counts the
    # plan's own ambiguous characters, such as “双减”, as one cell; on such a console a row holding
    # them is still one cell off: README says so.)
    env = {**os.environ, "GONGKAI_ASCII": "1", "COLUMNS": "90", "GONGKAI_STATE": str(tmp_path / "s.sqlite3")}
    for args in (["tasks", "--section", "一"], ["status", "--by", "section"], ["tasks", "--help"]):
        r = subprocess.run([installed_gongkai(), *args], capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        if args[-1] != "--help":
            assert not any("\u2500" <= ch <= "\u259f" or ch == "●" for ch in r.stdout), args  # box, blocks
            framed = [x for x in r.stdout.splitlines() if x and x[0] in "+|"]
            assert framed and len({reference_width(x) for x in framed}) == 1, "\n".join(framed)
    shown = subprocess.run(
        [installed_gongkai(), "show", "7"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "“双减”" in shown.stdout


@pytest.mark.parametrize("columns", ["1", "8", "0", "abc"])
def test_absurd_terminal_widths_still_print_everything(run, columns: str) -> None:  # type: ignore[no-untyped-def]
    for args in (("tasks", "--help"), ("show", "3")):
        r = run(*args, env={"COLUMNS": columns})
        assert r.exit_code == 0, r.output
    r = run("tasks", "--section", "十", env={"COLUMNS": columns})
    assert r.exit_code == 0, r.output
    column = "".join(x.split("│")[3].strip() for x in r.stdout.splitlines() if x.count("│") == 6)
    assert ROWS[49].requirement in column  # row 50, the section's only row, read down its column


def test_control_characters_in_a_plan_never_reach_the_terminal(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "plan.yaml"
    hostile = "做好\\e[2J\\e]0;标题\\a甲事\\t（见附件）"  # clear screen, set window title, bell, tab
    plan.write_text(MINIMAL.replace("requirement: 做好甲事。", f'requirement: "{hostile}"'), "utf-8")
    for args in (("tasks",), ("show", "1"), ("tasks", "--color", "always")):
        r = run(*args, "--plan", str(plan), env={"NO_COLOR": ""})
        assert r.exit_code == 0, r.output
        shown = r.stdout.replace("\x1b[0m", "").replace("\x1b[1m", "").replace("\x1b[2m", "")
        assert "\x1b[2J" not in shown and "\x1b]0" not in shown and "\x07" not in shown and "\t" not in shown
        assert "\\x1b[2J" in "".join(shown.split())  # shown as text, wherever it wrapped
