"""Text from plans, notes and files is data, never an instruction (issue 12 items 4 and 7), through
the installed command:

- nothing a terminal acts on (ESC sequences, C1 controls, U+202E, U+2028) reaches a terminal's
  stdout or stderr raw;
- CSV/TSV text cells a spreadsheet would run as a formula start with an apostrophe, numbers never;
- Markdown (``-f md``, ``export md``) renders to the text as written (markdown-it-py, which Rich
  already depends on, is the renderer);
- absurd plan and import files are refused with one line, within the subprocess bound, in bounded
  memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers.common import MINIMAL, installed_gongkai, run_installed, write

BOUND = 60  # seconds: only a hang reaches it; speed is never asserted

ESC_RED = "\x1b[31m红\x1b[0m"
TITLE_SET = "\x1b]0;pwned\x07"
RLO = "\u202e"
LS = "\u2028"
CSI = "\x9b"
RAW = ("\x1b", "\x07", RLO, LS, "\u2029", CSI)  # none may reach a terminal as it is

HOSTILE_NOTE = f'=HYPERLINK("http://x.example"){ESC_RED}{RLO}txt.exe{LS}第二行{CSI}2J'
HOSTILE_BY = f"-2+3{TITLE_SET}"
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]


def on_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the installed gongkai with stdout on a pseudo-terminal: (exit code, stdout, stderr)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [installed_gongkai(), *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    os.close(follower)
    out = bytearray()
    deadline = time.monotonic() + BOUND
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        _, err = proc.communicate(timeout=BOUND)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


def assert_inert(text: str, where: str) -> None:
    found = [f"U+{ord(ch):04X}" for ch in RAW if ch in text]
    assert not found, f"{where} carries {found} raw: {text!r}"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=True)


@pytest.fixture
def hostile_plan(tmp_path: Path) -> Path:
    """MINIMAL with a title, a unit and a requirement written to attack terminals, spreadsheets and
    Markdown renderers."""
    text = (
        MINIMAL.replace(
            "title: 测试分解表", f"title: {q('**粗体** [点我](http://x.example) <b>' + ESC_RED + RLO)}"
        )
        .replace("区甲局", '"@区甲局"')
        .replace("做好甲事。", q('=HYPERLINK("http://x.example","甲")|`代码`_下划线_' + LS + "# 标题"))
    )
    return write(tmp_path, text, "hostile.yaml")


def mark_hostile(plan: Path) -> None:
    r = run_installed(
        "done", "1", "--unit", "@区甲局", "--date", "2024-06-01", "--note", HOSTILE_NOTE, "--by", HOSTILE_BY,
        "--plan", str(plan),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert_inert(r.stderr, "done's stderr")


# ---------------------------------------------------------------------------------------------
# Terminals and stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "md", "json"])
@pytest.mark.parametrize("command", ["log", "tasks"])
def test_nothing_raw_reaches_a_terminal(hostile_plan: Path, command: str, fmt: str) -> None:
    mark_hostile(hostile_plan)
    code, out, err = on_terminal(command, "--plan", str(hostile_plan), "-f", fmt)
    assert code == 0, err
    assert_inert(out, f"{command} -f {fmt} on a terminal")
    assert_inert(err, f"{command} -f {fmt}'s stderr")
    shown = ("\\x1b", "\\u001b", "\\u2028")
    assert any(s in out for s in shown), out  # shown, not dropped: the reader sees what is stored


def test_json_on_a_terminal_still_parses_to_the_stored_text(hostile_plan: Path) -> None:
    mark_hostile(hostile_plan)
    code, out, err = on_terminal("log", "--plan", str(hostile_plan), "-f", "json")
    assert code == 0, err
    events = json.loads(out.replace("\r\n", "\n"))
    assert events[0]["note"] == HOSTILE_NOTE
    assert events[0]["by"] == HOSTILE_BY


def test_piped_json_and_csv_keep_what_is_stored(hostile_plan: Path) -> None:
    """Scripts get the bytes as stored (apart from the formula apostrophe in CSV)."""
    mark_hostile(hostile_plan)
    r = run_installed("log", "--plan", str(hostile_plan), "-f", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["note"] == HOSTILE_NOTE
    r = run_installed("log", "--plan", str(hostile_plan), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert rows[0]["note"] == "'" + HOSTILE_NOTE
    assert rows[0]["by"] == "'" + HOSTILE_BY


def test_marks_import_messages_are_inert(hostile_plan: Path, tmp_path: Path) -> None:
    """A conflict echoes the other side's note, 操作人 and unit on stderr: one line each, inert."""
    mark_hostile(hostile_plan)
    exported = tmp_path / "marks.json"
    r = run_installed("marks", "export", "-o", str(exported))
    assert r.returncode == 0, r.stderr
    doc = json.loads(exported.read_text(encoding="utf-8"))
    doc["marks"][0].update(note=f"另一份{ESC_RED}{LS}伪造的一行", by=f"乙{RLO}", done_on="2024-06-02")
    exported.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = run_installed("marks", "import", str(exported), "--plan", str(hostile_plan))
    assert r.returncode == 1, r.stderr  # a conflict, listed
    assert_inert(r.stderr, "marks import's stderr")
    conflict = [line for line in r.stderr.splitlines() if line.startswith("冲突")]
    assert len(conflict) == 1 and "伪造的一行" in conflict[0] and "\\u2028" in conflict[0]


def test_error_messages_quoting_the_user_are_one_inert_line(hostile_plan: Path, tmp_path: Path) -> None:
    bad_unit = f"区{ESC_RED}\n错误：伪造{RLO}"
    r = run_installed("done", "1", "--unit", bad_unit, "--plan", str(hostile_plan))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert_inert(r.stderr, "an unknown unit's error")
    marks = tmp_path / "bad.json"
    marks.write_text(
        json.dumps({"format": "gongkai-marks", "version": 1, "marks": [{"plan": RLO + ESC_RED}]})
    )
    r = run_installed("marks", "import", str(marks), "--plan", str(hostile_plan))
    assert r.returncode == 7, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert_inert(r.stderr, "a bad import file's error")


def test_validate_lists_problems_inert(tmp_path: Path) -> None:
    plan = write(tmp_path, MINIMAL.replace("units: [区甲局]", f"units: [{q('区丙局' + ESC_RED + LS + RLO)}]"))
    r = run_installed("validate", str(plan))
    assert r.returncode == 1
    assert "区丙局" in r.stdout
    assert_inert(r.stdout, "validate's problems")
    assert_inert(r.stderr, "validate's stderr")


# ---------------------------------------------------------------------------------------------
# Spreadsheets


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_formula_cells_are_neutralised_in_every_machine_table(tmp_path: Path, fmt: str) -> None:
    """Every text cell that starts like a formula gets the OWASP apostrophe: plan text (tasks),
    notes and 操作人 (log); numbers (id) are left alone."""
    plan = write(
        tmp_path,
        MINIMAL.replace("做好甲事。", q(FORMULAS[0])).replace("6月底前", "1月底前"),
    )
    for formula in FORMULAS:
        r = run_installed(
            "done", "1", "--unit", "区甲局", "--note", formula, "--by", formula, "--plan", str(plan),
            "--date", "2024-01-10",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
    delimiter = "," if fmt == "csv" else "\t"
    seen = 0
    for args in (("tasks",), ("log",)):
        r = run_installed(*args, "--plan", str(plan), "-f", fmt)
        assert r.returncode == 0, r.stderr
        rows = list(
            csv.DictReader(io.StringIO(r.stdout, newline=""), delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
        )
        assert rows, r.stdout
        for row in rows:
            for column, value in row.items():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (args, column, value)
                if value.startswith("'"):
                    seen += 1
        if args[0] == "tasks":
            assert rows[0]["requirement"] == "'" + FORMULAS[0]
            assert rows[0]["id"] == "1"  # a number, not text
    log = list(
        csv.DictReader(io.StringIO(run_installed("log", "--plan", str(plan), "-f", "csv").stdout, newline=""))
    )
    notes = [row["note"] for row in log]
    # notes are stored stripped, so "\t=1" and "\r=1" arrive as "=1": still neutralised
    assert all(note.startswith("'") for note in notes), notes
    assert {"'=1+1", "'+1", "'-1", "'@SUM(A1)"} <= set(notes), notes
    assert seen >= 2 * len(FORMULAS)


def test_negative_numbers_stay_numbers(tmp_path: Path) -> None:
    """`due` counts days left: a number column is never given an apostrophe, whatever its sign."""
    plan = write(tmp_path, MINIMAL)
    r = run_installed("due", "--plan", str(plan), "--as-of", "2024-06-20", "--within", "30天", "-f", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert rows and all(row["days_left"].lstrip("-").isdigit() for row in rows), r.stdout


# ---------------------------------------------------------------------------------------------
# Markdown


def rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_export_md_shows_the_plan_title_as_written(hostile_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    r = run_installed("export", "md", "--plan", str(hostile_plan), "-o", str(out), "--as-of", "2024-12-01")
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert_inert(text, "export md")
    assert text.splitlines()[0] == r"# \*\*粗体\*\* \[点我\](http://x.example) \<b\>\x1b\[31m红\x1b\[0m\u202e"
    html = rendered(text)
    for tag in ("<strong>", "<em>", "<a ", "<b>", "<code>"):
        assert tag not in html, tag
    assert "**粗体** [点我](http://x.example) &lt;b&gt;" in html


def test_md_format_escapes_cells(hostile_plan: Path) -> None:
    mark_hostile(hostile_plan)
    r = run_installed("tasks", "--plan", str(hostile_plan), "-f", "md")
    assert r.returncode == 0, r.stderr
    assert_inert(r.stdout, "tasks -f md")
    row = next(line for line in r.stdout.splitlines() if "HYPERLINK" in line)
    assert r'=HYPERLINK("http://x.example","甲")\|\`代码\`\_下划线\_\u2028# 标题' in row
    html = rendered(r.stdout)
    assert html.count("<tr>") == 3  # header and two rows: the | in the text made no new cell
    for tag in ("<code>", "<em>", "<h1>"):
        assert tag not in html, tag
    assert "`代码`_下划线_" in html
    log = run_installed("log", "--plan", str(hostile_plan), "-f", "md")
    assert_inert(log.stdout, "log -f md")
    assert "<a " not in rendered(log.stdout)


# ---------------------------------------------------------------------------------------------
# Absurd sizes


def peak_of(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """The installed gongkai run by a fresh interpreter that reports the child's peak RSS (MB)."""
    code = (
        "import resource, subprocess, sys, json\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([r.returncode, r.stdout, r.stderr, kb / 1024]))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, installed_gongkai(), *args],
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    rc, out, err, mb = json.loads(p.stdout)
    return subprocess.CompletedProcess(args, rc, out, err), mb


def test_a_plan_of_24_million_integers_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Issue 12 item 7: 48 MB, one flow list; it used to take 146 s and 534 MB."""
    plan = tmp_path / "flow.yaml"
    plan.write_bytes(b"[" + b"1," * 23_999_999 + b"1]\n")
    r, mb = peak_of("validate", str(plan))
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("\n") == 1 and "不像是一张分解表" in r.stdout, r.stdout
    assert mb < 200, f"peak {mb:.0f} MB"
    r, mb = peak_of("tasks", "--plan", str(plan))
    assert r.returncode == 3, r.stderr
    assert len(r.stderr.splitlines()) == 1 and "不像是一张分解表" in r.stderr, r.stderr
    assert mb < 200, f"peak {mb:.0f} MB"


def test_a_plan_of_over_a_million_values_is_refused(tmp_path: Path) -> None:
    """Values spaced like real text pass the density check; the count cap still stops them."""
    plan = tmp_path / "many.yaml"
    plan.write_text("[" + ",".join(str(10_000 + i % 90_000) for i in range(1_000_001)) + "]\n")
    r = run_installed("validate", str(plan), timeout=BOUND)
    assert r.returncode == 1, r.stderr
    assert "超过 1,000,000 个" in r.stdout, r.stdout


def test_marks_import_of_dense_json_is_refused_before_parsing(tmp_path: Path) -> None:
    """63 MB of ``{},`` parsed into 21 million dicts took 1.6 GB."""
    path = tmp_path / "dense.json"
    path.write_bytes(b'{"format": "gongkai-marks", "version": 1, "marks": [' + b"{}," * 20_999_999 + b"{}]}")
    r, mb = peak_of("marks", "import", str(path))
    assert r.returncode == 7, r.stderr
    assert len(r.stderr.splitlines()) == 1 and "过多" in r.stderr, r.stderr
    assert mb < 200, f"peak {mb:.0f} MB"


def test_an_imported_plan_escapes_controls_and_bidi_overrides(tmp_path: Path) -> None:
    """`gongkai import` writes YAML people open in editors and terminals: U+202E and ESC are written
    as YAML escapes, and read back as the same text."""
    source = tmp_path / "table.csv"
    source.write_text(
        f'序号,工作任务,具体要求,责任单位,完成时限\n1,公开,"做好{RLO}甲事{ESC_RED}",区甲局,6月底前\n'
    )
    r = run_installed("import", str(source), "--year", "2024", "--doc-number", "测试〔2024〕1号")
    assert r.returncode in (0, 1), r.stderr
    assert_inert(r.stdout, "the imported YAML")
    assert r"\u202E" in r.stdout and r"\x1B" in r.stdout
    plan = write(tmp_path, r.stdout, "imported.yaml")
    tasks = json.loads(run_installed("tasks", "--plan", str(plan), "-f", "json").stdout)
    assert tasks[0]["requirement"] == f"做好{RLO}甲事{ESC_RED}"


def test_export_csv_to_a_terminal_is_inert_and_formula_safe(hostile_plan: Path) -> None:
    mark_hostile(hostile_plan)
    code, out, err = on_terminal("export", "csv", "-o", "-", "--plan", str(hostile_plan))
    assert code == 0, err
    assert_inert(out, "export csv -o - on a terminal")
    assert "'=HYPERLINK" in out
    assert "\\x0d" not in out  # the CRLF line ends are line ends, not text
