"""Time `done` and `status` against the shared PostgreSQL store over a unix socket and over TCP, next
to the SQLite state file, and the start-up a PostgreSQL-mode command pays, all in one run.

    python bench/postgres.py              # writes bench/RESULTS-postgres.md (about a minute)
    python bench/postgres.py --quick      # fewer repeats; prints only

Uses the server of GONGKAI_TEST_PG (a superuser's libpq URI or socket directory) or starts a
throwaway one the way the tests do (initdb + pg_ctl, as the postgres OS user when run as root).
Each figure is the median of N whole ``gongkai`` processes (what a liaison waits for), and of N
in-process calls through the Workspace API (what the store itself costs: connect, one transaction,
close). TCP logins use a password from a pgpass file (scram-sha-256), as on a liaison's PC.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.common import PG_ENV, PgServer, pg_server_or_skip  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(work: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return median_ms(samples)


def gongkai_bin() -> str:
    beside = Path(sys.executable).parent / "gongkai"
    return str(beside) if beside.exists() else "gongkai"


def process(args: list[str], env: dict[str, str]) -> Callable[[], object]:
    def run() -> object:
        r = subprocess.run([gongkai_bin(), *args], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SystemExit(f"{args}: {r.stderr}")
        return r

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    repeats = 7 if opts.quick else 25
    base = Path(tempfile.mkdtemp(prefix="gk-bench-pg-"))
    found = pg_server_or_skip(base)
    if isinstance(found, str):
        raise SystemExit(found)
    server: PgServer = found
    try:
        return measure(server, base, repeats, opts.quick)
    finally:
        if server.data_dir is not None:
            server.stop("immediate")
            shutil.rmtree(base, ignore_errors=True)


def measure(server: PgServer, base: Path, repeats: int, quick: bool) -> int:
    from gongkai_cli.workspace import open_workspace

    db = server.create_database()
    password = "bench-secret"
    server.create_login("gk_bench", password)
    pgpass = base / "pgpass"
    pgpass.write_text(f"127.0.0.1:{server.port}:{db}:gk_bench:{password}\n", "utf-8")
    pgpass.chmod(0o600)
    os.environ["PGPASSFILE"] = str(pgpass)
    admin = server.target(db)
    targets = {
        "SQLite file": str(base / "state.sqlite3"),
        "PostgreSQL, unix socket": server.target(db, "gk_bench"),
        "PostgreSQL, TCP 127.0.0.1": f"postgresql://gk_bench@127.0.0.1:{server.port}/{db}?sslmode=disable",
    }
    env = {**os.environ, "GONGKAI_UNIT": "区教体局"}
    env.pop("GONGKAI_STATE", None)
    subprocess.run([gongkai_bin(), "state", "init", "--state", admin], check=True, capture_output=True)
    grant = [gongkai_bin(), "state", "grant", "gk_bench", "--coordinator", "--state", admin]
    subprocess.run(grant, check=True, capture_output=True)

    rows: list[tuple[str, float, float, float, float]] = []
    for name, target in targets.items():
        e = {**env, "GONGKAI_STATE": target}
        ws = open_workspace(None, target)
        # done: mark then undo task 7 (each its own transaction), so every run writes.
        ws.mark(["7"], "区教体局")

        def done_undo_api(ws=ws) -> None:  # type: ignore[no-untyped-def]
            ws.undo(["7"], "区教体局")
            ws.mark(["7"], "区教体局")

        api_done = timed(done_undo_api, repeats) / 2
        api_status = timed(lambda ws=ws: ws.status(), repeats)
        cli_status = timed(process(["status", "-f", "json"], e), repeats)
        undo, done = process(["undo", "7"], e), process(["done", "7"], e)
        cli_done = timed(lambda undo=undo, done=done: (undo(), done()), repeats) / 2
        rows.append((name, cli_done, cli_status, api_done, api_status))

    startup = {
        "SQLite (import gongkai_cli.store.sqlite)": "import gongkai_cli.store.sqlite",
        "PostgreSQL (import gongkai_cli.store.postgres, psycopg)": "import gongkai_cli.store.postgres",
    }
    starts = {label: timed(process_python(code), repeats) for label, code in startup.items()}
    floor = timed(process_python("pass"), repeats)

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    version = server.sql("SHOW server_version")[0][0]
    lines = [
        "# PostgreSQL store: latency next to SQLite",
        "",
        f"{stamp}; {platform.python_implementation()} {platform.python_version()} on {platform.machine()},"
        f" {os.cpu_count()} CPUs; PostgreSQL {version} on the same machine (fsync off: a throwaway server);"
        f" median of {repeats} runs. Whole processes are what a liaison waits for; in-process is the store"
        " itself through the Workspace API (connect, one transaction, close).",
        "",
        "| state | `done` (process) | `status -f json` (process) | `done` (in-process)"
        " | status query (in-process) |",
        "|---|---|---|---|---|",
        *(f"| {n} | {a:.1f} ms | {b:.1f} ms | {c:.2f} ms | {d:.2f} ms |" for n, a, b, c, d in rows),
        "",
        "Start-up: a fresh interpreter importing the backend module (python -c).",
        "",
        "| | ms | over `python -c pass` |",
        "|---|---|---|",
        f"| `python -c pass` | {floor:.1f} | |",
        *(f"| {label} | {ms:.1f} | +{ms - floor:.1f} |" for label, ms in starts.items()),
        "",
    ]
    text = "\n".join(lines)
    sys.stdout.write(text)
    if not quick:
        (ROOT / "bench" / "RESULTS-postgres.md").write_text(text, "utf-8")
    return 0


def process_python(code: str) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)

    return run


if __name__ == "__main__":
    if os.environ.get(PG_ENV) is None and os.geteuid() == 0:
        os.environ.setdefault("GONGKAI_BUSY_TIMEOUT", "10")
    raise SystemExit(main())
