"""Hostile input through the installed command: each case must end with its documented exit code,
exactly one line on stderr and no traceback, within a generous bound (the subprocess timeout: a
hang fails, speed is never asserted), and a rejected command leaves the state file byte-identical.

Beside the rejections: output paths that are not regular files are never replaced, file modes are
kept, Ctrl-C and a non-UTF-8 locale end cleanly, and a fault nobody foresaw is still one line.
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .helpers.common import installed_gongkai

BOUND = 30  # seconds: far above any honest run; only a hang reaches it


def gongkai(
    *args: str, env: dict[str, str] | None = None, stdout: object = subprocess.PIPE, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_gongkai(), *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=BOUND,
        cwd=cwd,
    )


def fingerprint(state: Path) -> dict[str, str]:
    """sha256 of the state file and of its write-ahead log when that holds anything (committed
    marks may still be there); an empty log carries nothing."""
    out = {}
    for path in (state, state.with_name(state.name + "-wal")):
        if path.exists() and path.stat().st_size:
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A working directory with a state file holding one mark, a FIFO nobody writes to and reads
    from, and a dangling symbolic link."""
    state = tmp_path / "state.sqlite3"
    r = gongkai("done", "7", "--unit", "区教体局", "--date", "2023-11-20", env={"GONGKAI_STATE": str(state)})
    assert r.returncode == 0, r.stderr
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere" / "x.md")
    return tmp_path


@pytest.fixture
def devices(tmp_path: Path) -> dict[str, str]:
    """Character devices to write to. As root, nodes of our own for /dev/null and /dev/full (1,3 and
    1,7) in tmp_path: a regression that replaces what it writes to (issue 12 item 1: exports used to
    rename a file over /dev/null) then replaces only these. An ordinary user gets the real ones,
    which only root could replace."""
    if os.geteuid() != 0:
        return {"null": "/dev/null", "full": "/dev/full"}
    out = {}
    for name, minor in (("null", 3), ("full", 7)):
        node = tmp_path / "dev" / name
        node.parent.mkdir(exist_ok=True)
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        except OSError as exc:
            pytest.skip(f"cannot make a device node here ({exc.strerror}); the real one is not risked")
        out[name] = str(node)
    return out


@dataclass
class Case:
    args: tuple[str, ...]
    code: int
    env: dict[str, str] = field(default_factory=dict)
    says: str = ""  # a fragment of the one line
    stdout_to: str | None = None  # a file stdout is redirected to


CASES = {
    # issue 12 item 6: a FIFO is refused at once, never waited on
    "plan-fifo": Case(("tasks", "--plan", "fifo"), 3, says="不是普通文件"),
    "state-fifo-read": Case(("tasks", "--state", "fifo"), 4, says="不是普通文件"),
    "state-fifo-write": Case(("done", "8", "--unit", "区教体局", "--state", "fifo"), 4, says="不是普通文件"),
    "import-fifo": Case(("marks", "import", "fifo"), 7, says="不是普通文件"),
    "import-dev-zero": Case(("marks", "import", "/dev/zero"), 7, says="不是普通文件"),
    "plan-dev-zero": Case(("tasks", "--plan", "/dev/zero"), 3, says="不是普通文件"),
    # issue 12 item 10: empty paths are usage errors, not the defaults
    "state-empty": Case(("done", "8", "--unit", "区教体局", "--state", ""), 2, says="--state"),
    "plan-empty": Case(("tasks", "--plan", ""), 2, says="--plan"),
    # issue 12 item 5: the wait for a busy state file must be a number of seconds
    **{
        f"busy-timeout-{value}": Case(
            ("done", "8", "--unit", "区教体局"),
            2,
            env={"GONGKAI_BUSY_TIMEOUT": value},
            says="GONGKAI_BUSY_TIMEOUT",
        )
        for value in ("inf", "nan", "-1", "1e400", "十秒")
    },
    # issue 12 item 5: stdout on a full device
    "stdout-full-table": Case(("tasks",), 6, says="无法写出输出", stdout_to="{full}"),
    "stdout-full-json": Case(("tasks", "-f", "json"), 6, says="无法写出输出", stdout_to="{full}"),
    "stdout-full-marks": Case(("marks", "export"), 6, says="无法写出输出", stdout_to="{full}"),
    # issue 12 item 1: output paths that are not regular files are never replaced
    "export-dev-full": Case(("export", "md", "-o", "{full}"), 6, says="磁盘已满"),
    "export-fifo-no-reader": Case(("export", "md", "-o", "fifo"), 6, says="管道"),
    "marks-export-fifo": Case(("marks", "export", "-o", "fifo"), 6, says="管道"),
    "export-dangling-link": Case(("export", "md", "-o", "dangling.md"), 6, says="符号链接"),
    "export-directory": Case(("export", "md", "-o", "."), 6, says="目录"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rejected_with_one_line(name: str, place: Path, devices: dict[str, str]) -> None:
    case = CASES[name]
    state = place / "state.sqlite3"
    before = fingerprint(state)
    specials = {p: stat.S_IFMT(os.lstat(p).st_mode) for p in (place / "fifo", place / "dangling.md")}
    specials |= {Path(p): stat.S_IFCHR for p in devices.values()}
    env = {"GONGKAI_STATE": str(state), **case.env}
    args = [a.format(**devices) for a in case.args]
    if case.stdout_to:
        with open(case.stdout_to.format(**devices), "w") as sink:
            r = gongkai(*args, env=env, stdout=sink, cwd=place)
    else:
        r = gongkai(*args, env=env, cwd=place)
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("错误：") and case.says in lines[0], lines[0]
    assert r.returncode == case.code, r.stderr
    assert fingerprint(state) == before
    assert {p: stat.S_IFMT(os.lstat(p).st_mode) for p in specials} == specials  # nothing replaced


def test_validate_refuses_a_fifo_at_once(place: Path) -> None:
    """validate reports a plan's problems on stdout (exit 1), a FIFO included."""
    r = gongkai("validate", "fifo", cwd=place)
    assert r.returncode == 1
    assert r.stdout.splitlines() == ["计划文件不是普通文件（是管道、设备或套接字）：fifo"]
    assert "Traceback" not in r.stderr


# -- output files: what is at the path decides, and modes are kept ------------------------------


def test_export_to_dev_null_writes_through_and_leaves_the_device(
    place: Path, devices: dict[str, str]
) -> None:
    null = Path(devices["null"])
    r = gongkai("export", "md", "-o", str(null), cwd=place)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert not list(null.parent.glob(".gongkai-*"))


def test_export_to_a_fifo_with_a_reader_streams_into_it(place: Path) -> None:
    reader = os.open(place / "fifo", os.O_RDONLY | os.O_NONBLOCK)
    try:
        proc = subprocess.Popen(
            [installed_gongkai(), "marks", "export", "-o", "fifo"],
            cwd=place,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GONGKAI_STATE": str(place / "state.sqlite3")},
        )
        received = b""
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                received += chunk
            elif proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        assert proc.wait(timeout=BOUND) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(reader)
    assert b'"task_id": 7' in received
    assert stat.S_ISFIFO(os.lstat(place / "fifo").st_mode)


def test_a_symlink_is_followed_to_its_file_and_stays_a_link(place: Path) -> None:
    target = place / "report.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    (place / "link.md").symlink_to("report.md")
    r = gongkai("export", "md", "-o", "link.md", cwd=place)
    assert r.returncode == 0, r.stderr
    assert (place / "link.md").is_symlink()
    assert os.readlink(place / "link.md") == "report.md"
    assert target.read_text(encoding="utf-8").startswith("#")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("command", [("export", "md"), ("marks", "export")])
def test_an_existing_file_keeps_its_mode(command: tuple[str, ...], place: Path) -> None:
    out = place / "private.out"
    out.write_text("secret\n", encoding="utf-8")
    out.chmod(0o600)
    r = gongkai(*command, "-o", str(out), env={"GONGKAI_STATE": str(place / "state.sqlite3")})
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") != "secret\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_a_new_file_honours_the_umask(umask: int, place: Path) -> None:
    out = place / f"new-{umask:o}.md"
    r = subprocess.run(
        [
            "sh",
            "-c",
            f'umask {umask:03o} && exec "$0" "$@"',
            installed_gongkai(),
            "export",
            "md",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=BOUND,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_the_longest_file_name_the_file_system_allows_works(place: Path) -> None:
    name = "台账" * 40 + "a" * (253 - 6 * 40 - 3) + ".md"  # 253 bytes in UTF-8
    assert len(name.encode("utf-8")) == 253
    r = gongkai("export", "md", "-o", name, cwd=place)
    assert r.returncode == 0, r.stderr
    assert (place / name).stat().st_size > 0
    assert not list(place.glob(".gongkai-*"))  # no temporary file left behind


# -- interruptions, locales, and the unforeseen --------------------------------------------------


def test_ctrl_c_is_one_line_and_exit_130(place: Path) -> None:
    """gongkai blocks writing into a FIFO whose reader does not read; SIGINT then ends it."""
    reader = os.open(place / "fifo", os.O_RDONLY | os.O_NONBLOCK)
    try:
        proc = subprocess.Popen(
            [installed_gongkai(), "export", "md", "-o", "fifo"],
            cwd=place,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GONGKAI_STATE": str(place / "state.sqlite3")},
            # As from a terminal: a job started in the background by a non-interactive shell (as CI
            # may run us) inherits SIGINT ignored, and Python then keeps ignoring it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:  # until it waits for the pipe to drain
            try:
                if "pipe_write" in Path(f"/proc/{proc.pid}/wchan").read_text():
                    break
            except OSError:
                pass
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=BOUND)
    finally:
        os.close(reader)
    assert proc.returncode == 130
    assert err == "错误：已中断\n"


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "latin-1"},
        {"PYTHONIOENCODING": "ascii"},
        {"LANG": "C", "LC_ALL": "C"},
        {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
    ],
)
def test_a_non_utf8_locale_still_gets_utf8_json(env: dict[str, str], place: Path) -> None:
    r = subprocess.run(
        [installed_gongkai(), "tasks", "--section", "二", "-f", "json"],
        capture_output=True,
        env={**os.environ, "GONGKAI_STATE": str(place / "state.sqlite3"), **env},
        timeout=BOUND,
        stdin=subprocess.DEVNULL,
    )
    assert b"Traceback" not in r.stderr
    if r.returncode == 0:
        import json

        rows = json.loads(r.stdout.decode("utf-8"))
        assert [row["id"] for row in rows] == [6, 7, 8, 9, 10, 11, 12]  # (二) has rows 6-12
    else:  # PYTHONUTF8=0 under LC_ALL=C: Python itself decodes the argument as ASCII
        assert r.returncode == 2
        assert len(r.stderr.splitlines()) == 1


def test_a_unit_named_in_a_non_utf8_locale_is_one_line_at_worst(place: Path) -> None:
    r = subprocess.run(
        [installed_gongkai(), "tasks", "--unit", "区教体局"],
        capture_output=True,
        env={**os.environ, "GONGKAI_STATE": str(place / "state.sqlite3"), "LC_ALL": "C", "PYTHONUTF8": "0"},
        timeout=BOUND,
        stdin=subprocess.DEVNULL,
    )
    assert b"Traceback" not in r.stderr
    assert r.returncode in (0, 2)
    assert len(r.stderr.splitlines()) <= 2  # a table's hint line at most, or one error line


@pytest.fixture
def broken_yaml(tmp_path: Path) -> dict[str, str]:
    """A PyYAML whose import fails, first on PYTHONPATH: a fault in the environment gongkai cannot
    foresee. A plan gongkai has not cached yet must be parsed, so it is reached."""
    fake = tmp_path / "site" / "yaml"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise RuntimeError("a broken PyYAML install")\n', encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text("schema: 1\n", encoding="utf-8")
    return {"PYTHONPATH": str(tmp_path / "site"), "GONGKAI_CACHE": str(tmp_path / "cache"), "PLAN": str(plan)}


def test_an_unforeseen_fault_is_one_line_with_the_debug_hint(
    broken_yaml: dict[str, str], place: Path
) -> None:
    state = place / "state.sqlite3"
    before = fingerprint(state)
    r = gongkai("tasks", "--plan", broken_yaml["PLAN"], env={**broken_yaml, "GONGKAI_STATE": str(state)})
    assert r.returncode == 70
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [
        "错误：意外的内部错误（RuntimeError：a broken PyYAML install）。"
        "设置环境变量 GONGKAI_DEBUG=1 再运行可看到详细信息"
    ]
    assert fingerprint(state) == before


def test_gongkai_debug_shows_the_traceback(broken_yaml: dict[str, str]) -> None:
    r = gongkai("tasks", "--plan", broken_yaml["PLAN"], env={**broken_yaml, "GONGKAI_DEBUG": "1"})
    assert r.returncode == 70
    assert r.stderr.startswith("Traceback (most recent call last):")
    assert 'raise RuntimeError("a broken PyYAML install")' in r.stderr
    assert r.stderr.splitlines()[-1].startswith("错误：意外的内部错误（RuntimeError")


@pytest.mark.parametrize(
    "args",
    [
        ("import", "没有这个文件.xlsx"),
        ("marks", "import", "没有这个文件.json"),
        ("tasks", "--plan", "没有这个文件.yaml"),
    ],
)
def test_a_missing_file_is_said_in_chinese(args: tuple[str, ...], tmp_path: Path) -> None:
    """The system's own reason (strerror) is English; every message about a file says it in Chinese."""
    r = subprocess.run([installed_gongkai(), *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode in (3, 7), r.stderr
    assert "No such file" not in r.stderr
    assert r.stderr.startswith("错误：") and len(r.stderr.splitlines()) == 1
    assert "不存在" in r.stderr or "找不到" in r.stderr, r.stderr


# -- the state file: damaged or altered files, a full disk, ids beyond SQLite's integers ------------


def _sql(path: Path, *statements: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _marks_page_garbled(state: Path) -> None:
    """Bytes written over the header of the marks table's root page (the page SQLite says it is)."""
    import sqlite3

    conn = sqlite3.connect(state)
    try:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'marks'").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    with open(state, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\x07" * 12)


STATE_DAMAGE = {
    "done-on-not-a-date": lambda s: _sql(s, "UPDATE marks SET done_on = '二〇二三年'"),
    "by-a-blob": lambda s: _sql(s, "UPDATE marks SET by = x'00ff'"),
    "events-table-missing": lambda s: _sql(
        s,
        "DROP TRIGGER events_append_only_delete",
        "DROP TRIGGER events_append_only_update",
        "DROP TABLE events",
    ),
    "marks-table-changed": lambda s: _sql(
        s, "DROP TABLE marks", "CREATE TABLE marks (plan TEXT, task_id TEXT, unit TEXT, done_on BLOB)"
    ),
    "marks-page-garbled": _marks_page_garbled,
}


WRITES = {
    "done": ("done", "7", "--unit", "区教体局", "--date", "2023-11-21"),
    "undo": ("undo", "7", "--unit", "区教体局"),
}
READS = {"tasks": ("tasks", "--status", "done", "-f", "json"), "marks-export": ("marks", "export")}


@pytest.mark.parametrize(
    ("damage", "command"),
    [
        (d, c)
        for d in STATE_DAMAGE
        for c in [*WRITES, *READS]
        if not (d == "events-table-missing" and c in READS)
    ],
)
def test_a_damaged_or_altered_state_file_is_one_line_exit_4(damage: str, command: str, place: Path) -> None:
    """(Reading marks needs no events table: only the commands that write an event need it.)"""
    args = {**WRITES, **READS}[command]
    state = place / "state.sqlite3"
    STATE_DAMAGE[damage](state)
    before = fingerprint(state)
    r = gongkai(*args, env={"GONGKAI_STATE": str(state)}, cwd=place)
    assert "Traceback" not in r.stderr
    assert r.returncode == 4, r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("错误：") and "状态文件" in r.stderr, (
        r.stderr
    )
    assert fingerprint(state) == before


def test_a_task_id_beyond_64_bits_is_refused_by_done_in_one_line(place: Path) -> None:
    """A plan may number a row 2^63 (validate accepts it); SQLite keeps 64-bit integers only."""
    from .helpers.common import BUILT_IN_PLAN

    plan = place / "big.yaml"
    text = BUILT_IN_PLAN.read_text(encoding="utf-8").replace(
        "\n  - id: 59\n", "\n  - id: 9223372036854775808\n"
    )
    plan.write_text(text, encoding="utf-8")
    state = place / "state.sqlite3"
    before = fingerprint(state)
    env = {"GONGKAI_STATE": str(state)}
    r = gongkai("done", "9223372036854775808", "--unit", "区政府办公室", "--plan", str(plan), env=env)
    assert "Traceback" not in r.stderr
    assert r.returncode == 4, r.stderr
    assert r.stderr.splitlines() == [
        f"错误：任务编号 9223372036854775808 超出状态文件能记录的范围（最大 9223372036854775807），"
        f"未做任何改动：{state}"
    ]
    assert fingerprint(state) == before
    r = gongkai("log", "9223372036854775808", "--plan", str(plan), "-f", "json", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "[]\n", "")


def test_a_full_disk_inside_a_write_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    """A real, tiny file system, filled up but for a few pages: the write transaction fails."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip("mount is not permitted here")
    try:
        state = mnt / "state.sqlite3"
        env = {"GONGKAI_STATE": str(state)}
        assert gongkai("done", "7", "--unit", "区教体局", "--date", "2023-11-20", env=env).returncode == 0
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)  # fill the disk, then give back 40 KB
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(mnt / "filler", os.path.getsize(mnt / "filler") - 40 * 1024)
        before = fingerprint(state)
        r = gongkai(
            "done",
            *map(str, range(1, 30)),
            "--all-units",
            "--note",
            "证" * 3000,
            "--date",
            "2023-11-21",
            env=env,
        )
        assert "Traceback" not in r.stderr
        assert r.returncode == 4, r.stderr
        assert len(r.stderr.splitlines()) == 1 and "磁盘已满" in r.stderr, r.stderr
        assert fingerprint(state) == before
        (mnt / "filler").unlink()
        r = gongkai("log", "-f", "json", env=env)
        assert r.returncode == 0 and r.stdout.count('"task_id"') == 1, r.stdout
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


# -- marks import: what `done --date` refuses, and JSON built to exhaust the parser ----------------


def _export(**changes: object) -> str:
    import json

    mark = {
        "plan": "济任政办字〔2023〕24号#2023", "task_id": 8, "unit": "区教体局", "done_on": "2023-11-20",
        "note": None, "by": "张三", "marked_at": "2023-11-20T08:00:00+00:00",
    }  # fmt: skip
    doc: dict[str, object] = {"format": "gongkai-marks", "version": 1, "marks": [mark]}
    for key, value in changes.items():
        (mark if key in mark or key in ("changed_at",) else doc)[key] = value
    return json.dumps(doc, ensure_ascii=False)


IMPORT_FILES = {
    "done-on-future": (_export(done_on="2999-12-31"), "晚于今天"),
    "done-on-week-form": (_export(done_on="2023-W47-1"), "done_on"),
    "done-on-compact": (_export(done_on="20231120"), "done_on"),
    "marked-at-not-a-time": (_export(marked_at="昨天"), "marked_at"),
    "marked-at-future": (_export(marked_at="2999-01-01T00:00:00+00:00"), "marked_at"),
    "changed-at-not-a-time": (_export(changed_at="later"), "changed_at"),
    "version-true": (_export(version=True), "版本"),
    "version-minus-one": (_export(version=-1), "版本"),
    "version-zero": (_export(version=0), "版本"),
    "huge-integer": ('{"format": "gongkai-marks", "version": 1, "marks": [' + "9" * 5000 + "]}", "整数"),
    "deep-nesting": (
        '{"format": "gongkai-marks", "version": 1, "marks": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "嵌套",
    ),
}


@pytest.mark.parametrize("name", list(IMPORT_FILES))
def test_a_bad_marks_import_is_one_line_exit_7(name: str, place: Path) -> None:
    text, says = IMPORT_FILES[name]
    (place / "in.json").write_text(text, encoding="utf-8")
    state = place / "state.sqlite3"
    before = fingerprint(state)
    r = gongkai("marks", "import", "in.json", env={"GONGKAI_STATE": str(state)}, cwd=place)
    assert "Traceback" not in r.stderr
    assert r.returncode == 7, r.stderr
    assert len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr
    assert fingerprint(state) == before


def test_a_marks_export_with_a_utf8_bom_imports(place: Path) -> None:
    (place / "in.json").write_bytes(b"\xef\xbb\xbf" + _export().encode("utf-8"))
    state = place / "state.sqlite3"
    r = gongkai("marks", "import", "in.json", env={"GONGKAI_STATE": str(state)}, cwd=place)
    assert r.returncode == 0, r.stderr
    r = gongkai("log", "8", "-f", "json", env={"GONGKAI_STATE": str(state)})
    assert '"by": "张三"' in r.stdout, r.stdout
