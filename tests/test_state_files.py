"""The state file between OS users and through crashes, through the installed command: a read by
another user leaves nothing behind that could lock the owner out (issue 12 item 2), a kill -9 while
the file is being created never leaves it unreadable (item 3), and the file and the directories made
for it are private (item 8).

The two-user tests need root (to create the users and run gongkai as them); they are skipped with
the reason otherwise, and fail instead in CI (CI set, as the other CI-bound tests read it). The
users run gongkai from a virtual environment of Debian's /usr/bin/python3: the test interpreter may
live in root's home, which they cannot enter.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from .helpers.common import IDENTITY, ROOT, installed_gongkai

BOUND = 60  # seconds for one command: only a hang reaches it
USERS = ("gk-test-owner", "gk-test-reader")
SYSTEM_PYTHON = Path("/usr/bin/python3")


def unavailable(reason: str) -> None:
    """Skip, or fail in CI (CI set), which promises that everything runs."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but this test cannot run: {reason}")
    pytest.skip(reason)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- two real OS users -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def users() -> Iterator[dict[str, pwd.struct_passwd]]:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        unavailable("needs root on Linux to create two OS users and run gongkai as each")
    if not shutil.which("useradd"):
        unavailable("useradd is not installed")
    created = []
    for name in USERS:
        if subprocess.run(["id", "-u", name], capture_output=True).returncode:
            r = subprocess.run(
                ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", name], capture_output=True, text=True
            )
            if r.returncode:
                unavailable(f"useradd {name} failed: {r.stderr.strip()}")
            created.append(name)
    try:
        yield {name: pwd.getpwnam(name) for name in USERS}
    finally:
        for name in created:
            subprocess.run(["userdel", name], capture_output=True)


def _readable_by_all() -> None:
    os.umask(0o022)


@pytest.fixture(scope="session")
def shared_venv(users: dict[str, pwd.struct_passwd]) -> Iterator[Path]:
    """gongkai (a copy of this checkout) installed in a virtual environment every user can run."""
    if not SYSTEM_PYTHON.exists():
        unavailable(f"{SYSTEM_PYTHON} is missing (Debian's python3)")
    base = Path(tempfile.mkdtemp(prefix="gongkai-users-", dir="/tmp"))
    try:
        base.chmod(0o755)
        source = base / "src"
        shutil.copytree(
            ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "__pycache__")
        )
        venv = base / "venv"
        r = subprocess.run(
            [str(SYSTEM_PYTHON), "-m", "venv", str(venv)],
            capture_output=True, text=True, timeout=300, preexec_fn=_readable_by_all,
        )  # fmt: skip
        if r.returncode:
            unavailable(f"python3 -m venv failed (is python3-venv installed?): {r.stderr.strip()[-200:]}")
        r = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)],
            capture_output=True, text=True, timeout=600, preexec_fn=_readable_by_all,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr[-2000:]
        yield venv
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def shared(users: dict[str, pwd.struct_passwd]) -> Iterator[Path]:
    """A directory every user may write to, as /tmp is (sticky)."""
    place = Path(tempfile.mkdtemp(prefix="gongkai-shared-", dir="/tmp"))
    place.chmod(0o1777)
    try:
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


def run_as(
    user: pwd.struct_passwd, venv: Path, shared: Path, *args: str, program: str = "gongkai"
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(shared),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "GONGKAI_CACHE": str(shared / f".cache-{user.pw_name}"),
        "GONGKAI_PLANS": str(shared / ".no-plans"),
    }
    return subprocess.run(
        [str(venv / "bin" / program), *args],
        user=user.pw_uid, group=user.pw_gid, extra_groups=[], env=env, cwd=shared,
        capture_output=True, text=True, timeout=BOUND, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def listing(directory: Path) -> dict[str, int]:
    """Name -> owner of what is in the directory, but the users' plan caches."""
    return {p.name: p.lstat().st_uid for p in directory.iterdir() if not p.name.startswith(".cache-")}


def owner_marks_task_7(
    owner: pwd.struct_passwd, venv: Path, shared: Path, state: Path
) -> subprocess.CompletedProcess[str]:
    """The owner's first write, which creates the shared state file."""
    return run_as(
        owner, venv, shared, "done", "7", "--unit", "区教体局", "--date", "2023-11-20", "--state", str(state)
    )


def test_a_read_by_another_user_leaves_nothing_and_the_owner_writes_on(
    users: dict[str, pwd.struct_passwd], shared_venv: Path, shared: Path
) -> None:
    owner, reader = users["gk-test-owner"], users["gk-test-reader"]
    state = shared / "state.sqlite3"
    r = owner_marks_task_7(owner, shared_venv, shared, state)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # created private
    state.chmod(0o644)  # the owner lets others read it
    before, files = digest(state), listing(shared)
    assert files == {"state.sqlite3": owner.pw_uid}
    for args in (("log", "-f", "json"), ("tasks", "--status", "done", "-f", "json"), ("marks", "export")):
        r = run_as(reader, shared_venv, shared, *args, "--state", str(state))
        assert r.returncode == 0, (args, r.stderr)
        assert '"task_id": 7' in r.stdout or '"id": 7' in r.stdout, r.stdout
        assert listing(shared) == files, args  # no -wal, -shm or anything else of the reader's
        assert digest(state) == before
    r = run_as(reader, shared_venv, shared, "done", "8", "--unit", "区教体局", "--state", str(state))
    assert r.returncode == 4 and len(r.stderr.splitlines()) == 1, r.stderr  # the reader may not write
    assert listing(shared) == files and digest(state) == before
    r = run_as(
        owner,
        shared_venv,
        shared,
        "done",
        "8",
        "--unit",
        "区教体局",
        "--date",
        "2023-11-21",
        "--state",
        str(state),
    )
    assert r.returncode == 0, r.stderr  # the owner is not locked out
    r = run_as(reader, shared_venv, shared, "log", "-f", "json", "--state", str(state))
    assert [e["task_id"] for e in json.loads(r.stdout)] == [7, 8]


HOLD = """
import datetime as dt, sys
from gongkai_cli.model import Mark
from gongkai_cli.store import open_store, utc_now

def marks():
    yield Mark(sys.argv[2], 8, "区教体局", dt.date(2023, 11, 21), None, "holder", utc_now())
    print("holding", flush=True)
    sys.stdin.readline()

with open_store(sys.argv[1], write=True) as store:
    store.add_marks(marks())
print("committed", flush=True)
"""


def test_a_read_while_the_owner_writes_uses_the_owner_s_log_and_leaves_nothing(
    users: dict[str, pwd.struct_passwd], shared_venv: Path, shared: Path
) -> None:
    owner, reader = users["gk-test-owner"], users["gk-test-reader"]
    state = shared / "state.sqlite3"
    r = owner_marks_task_7(owner, shared_venv, shared, state)
    assert r.returncode == 0, r.stderr
    state.chmod(0o644)
    holder = subprocess.Popen(
        [str(shared_venv / "bin" / "python"), "-c", HOLD, str(state), IDENTITY],
        user=owner.pw_uid, group=owner.pw_gid, extra_groups=[], cwd=shared, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": str(shared), "LANG": "C.UTF-8"},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        files = listing(shared)
        assert files == {n: owner.pw_uid for n in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm")}
        r = run_as(reader, shared_venv, shared, "log", "-f", "json", "--state", str(state))
        assert r.returncode == 0, r.stderr
        assert [e["task_id"] for e in json.loads(r.stdout)] == [7]  # committed marks only
        assert listing(shared) == files
        out, err = holder.communicate("\n", timeout=BOUND)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert out.split() == ["committed"], err
    r = run_as(reader, shared_venv, shared, "log", "-f", "json", "--state", str(state))
    assert [e["task_id"] for e in json.loads(r.stdout)] == [7, 8]
    assert listing(shared) == {"state.sqlite3": owner.pw_uid}  # the last writer cleaned up
    r = run_as(owner, shared_venv, shared, "done", "9", "--unit", "区民政局", "--state", str(state))
    assert r.returncode == 0, r.stderr


# -- creation: atomic, private ---------------------------------------------------------------------


def read_log(state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_gongkai(), "log", "-f", "json", "--state", str(state)],
        capture_output=True, text=True, timeout=BOUND, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_kill_9_while_the_state_file_is_created_never_leaves_it_unreadable(tmp_path: Path) -> None:
    """24 writers killed at a random moment of the 30 ms after the first file appears in their empty
    directory (when the state file is being made); after each, reading works and shows either
    nothing or the mark, and no rollback journal is left."""
    rng = random.Random(3)
    outcomes = set()
    for run in range(24):
        place = tmp_path / f"run{run}"
        place.mkdir()
        state = place / "state.sqlite3"
        proc = subprocess.Popen(
            [installed_gongkai(), "done", "7", "--unit", "区教体局", "--state", str(state)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + BOUND
        while not os.listdir(place) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.03))
        proc.kill()
        proc.wait(timeout=BOUND)
        r = read_log(state)
        assert r.returncode == 0, (run, r.stderr, sorted(os.listdir(place)))
        tasks = [e["task_id"] for e in json.loads(r.stdout)]
        assert tasks in ([], [7]), tasks
        outcomes.add(len(tasks))
        assert not (place / "state.sqlite3-journal").exists()
        if state.exists():  # through the killed writer's log when it left one (it may hold commits)
            query = "?mode=ro" if (place / "state.sqlite3-wal").exists() else "?immutable=1"
            with closing(sqlite3.connect(state.resolve().as_uri() + query, uri=True)) as conn:
                assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
    assert outcomes == {0, 1} or outcomes == {0}, outcomes  # the kills did land before the commit


def test_a_writer_killed_before_the_log_index_leaves_the_file_readable(tmp_path: Path) -> None:
    """SQLite makes the write-ahead log (-wal) first and its index (-shm) an instant later; a writer
    killed in between leaves an empty log alone beside the file (seen once in 150 kill -9 runs of
    the test above). Reading must still work, and the next write too."""
    place = tmp_path / "place"
    place.mkdir()
    state = place / "state.sqlite3"
    mark = [installed_gongkai(), "done", "--unit", "区教体局", "--date", "2023-11-20", "--state", str(state)]
    assert subprocess.run([*mark, "7"], capture_output=True, timeout=BOUND).returncode == 0
    (place / "state.sqlite3-wal").write_bytes(b"")  # what the killed writer left
    r = read_log(state)
    assert r.returncode == 0, r.stderr
    assert [(e["task_id"], e["done_on"]) for e in json.loads(r.stdout)] == [(7, "2023-11-20")]
    assert sorted(os.listdir(place)) == ["state.sqlite3", "state.sqlite3-wal"]  # a reader makes nothing
    again = subprocess.run([*mark, "8"], capture_output=True, text=True, timeout=BOUND)
    assert again.returncode == 0, again.stderr
    assert [e["task_id"] for e in json.loads(read_log(state).stdout)] == [7, 8]
    assert sorted(os.listdir(place)) == ["state.sqlite3"]


def test_a_log_left_without_its_index_is_recovered_by_its_owner(tmp_path: Path) -> None:
    """A commit still in the write-ahead log whose index (-shm) is gone (SQLite deletes the index
    first when the last connection closes; a kill there leaves the log alone): the owner's next
    read has SQLite rebuild the index and shows every commit, the one in the log included."""
    place = tmp_path / "place"
    place.mkdir()
    state = place / "state.sqlite3"
    mark = [installed_gongkai(), "done", "--unit", "区教体局", "--date", "2023-11-20", "--state", str(state)]
    assert subprocess.run([*mark, "7"], capture_output=True, timeout=BOUND).returncode == 0
    holder = subprocess.Popen(  # another connection attached, so that the next write is not folded
        [sys.executable, "-c", "import os, sqlite3, sys\n"
         f"c = sqlite3.connect({str(state)!r}); c.execute('SELECT count(*) FROM marks').fetchall()\n"
         "print('ready', flush=True); sys.stdin.readline(); os._exit(0)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "ready\n"
    assert subprocess.run([*mark, "8"], capture_output=True, timeout=BOUND).returncode == 0
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=BOUND)  # gone without closing: the log keeps task 8
    assert (place / "state.sqlite3-wal").stat().st_size > 0
    (place / "state.sqlite3-shm").unlink()
    r = read_log(state)
    assert r.returncode == 0, r.stderr
    assert [e["task_id"] for e in json.loads(r.stdout)] == [7, 8]


def test_a_new_state_file_and_its_directories_are_private(tmp_path: Path) -> None:
    """Under umask 022, the default data directory (and the parents made for it) 0700, the file 0600."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("GONGKAI_STATE", "XDG_DATA_HOME")}
    env["HOME"] = str(home)
    r = subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$0" "$@"', installed_gongkai(), "done", "7", "--unit", "区教体局"],
        capture_output=True, text=True, timeout=BOUND, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = home / ".local" / "share" / "gongkai"
    for made in (home / ".local", home / ".local" / "share", data):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made
    assert stat.S_IMODE((data / "state.sqlite3").stat().st_mode) == 0o600
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("state")) == ["state.sqlite3"]


def test_a_reader_that_meets_a_rollback_journal_recovers_or_says_what_to_run(
    tmp_path: Path, read_only_mount: Path
) -> None:
    """A write killed in rollback-journal mode (as older gongkai built new files) leaves a hot
    journal. A reader that may write rolls it back; one that may not says what to run."""
    state = tmp_path / "state.sqlite3"
    killed = subprocess.run(
        [sys.executable, "-c",
         "import os, sqlite3, sys\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('PRAGMA cache_size = 1'); c.execute('BEGIN')\n"
         "c.execute('CREATE TABLE t (x)')\n"
         "for i in range(200): c.execute('INSERT INTO t VALUES (randomblob(900))')\n"
         "os.kill(os.getpid(), 9)\n", str(state)],
        capture_output=True, timeout=BOUND,
    )  # fmt: skip
    assert killed.returncode == -9
    journal = tmp_path / "state.sqlite3-journal"
    assert journal.exists() and journal.stat().st_size > 0
    copy_dir = read_only_mount
    shutil.copy2(state, copy_dir / "state.sqlite3")
    shutil.copy2(journal, copy_dir / "state.sqlite3-journal")
    subprocess.run(["mount", "-o", "remount,ro", str(copy_dir)], check=True)
    r = read_log(copy_dir / "state.sqlite3")
    assert r.returncode == 4 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "回滚日志" in r.stderr and "gongkai done" in r.stderr, r.stderr
    r = read_log(state)  # here it may write: rolled back to the empty file it was
    assert (r.returncode, r.stdout) == (0, "[]\n"), r.stderr
    assert not journal.exists()
