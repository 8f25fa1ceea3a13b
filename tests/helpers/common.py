"""What several test modules share: paths, the reference parser of the published text, a minimal
plan (as YAML and as a plain mapping), synthetic plans, fresh interpreters, the installed entry point,
golden files, and the state-store backends with their writer processes. Tests import these from
here, never from each other.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN_PLAN = ROOT / "data" / "tasks.yaml"  # the one copy in the repository
VENDORED_SOURCE = ROOT / "tests" / "source" / "rencheng-2023-gongkai-tasks.txt"
SHARED_SOURCE = ROOT.parent / "shared" / "source" / "rencheng-2023-gongkai-tasks.txt"
GOLDEN = ROOT / "tests" / "golden"
REGEN = os.environ.get("GONGKAI_REGEN") == "1"


# Rows per section, counted by hand in the published table: (一) 5, (二) 7, (三) 16, ...
ROWS_PER_SECTION = [5, 7, 16, 6, 4, 2, 2, 5, 2, 1, 1, 2, 2, 4]
CN = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


def cn(text: str) -> int:
    if text.startswith("十"):
        return 10 + (CN[text[1]] if len(text) > 1 else 0)
    return CN[text]


@dataclass
class Row:
    part: int
    section: int
    units: list[str]
    requirement: str
    deadline_text: str


def parse_source(text: str) -> tuple[dict[int, str], dict[int, tuple[int, str]], list[Row]]:
    lines = text.splitlines()
    body = lines[lines.index("完成时限") + 1 : lines.index("文件下载:")]
    parts: dict[int, str] = {}
    sections: dict[int, tuple[int, str]] = {}
    rows: list[Row] = []
    unit_lines: list[str] = []
    content = [line.strip() for line in body if line.strip()]
    i = 0
    while i < len(content):
        line = content[i]
        if m := re.fullmatch(r"([一二三四])、(.+)", line):
            parts[cn(m.group(1))] = m.group(2)
        elif m := re.fullmatch(r"\(([一二三四五六七八九十]+)\)(.+)", line):
            sections[cn(m.group(1))] = (max(parts), m.group(2))
        elif i + 1 < len(content) and re.fullmatch(r"\d{1,2}月底前", content[i + 1]):
            units = [u for chunk in unit_lines for u in re.split(r"[、,](?![^(]*\))", chunk)]
            expanded: list[str] = []
            for u in units:
                expanded.extend(u.split("等", 1) if "等区政府" in u else [u])
            rows.append(Row(max(parts), max(sections), expanded, line, content[i + 1]))
            unit_lines = []
            i += 1
        else:
            unit_lines.append(line)
        i += 1
    return parts, sections, rows


PARTS, SECTIONS, ROWS = parse_source(VENDORED_SOURCE.read_text(encoding="utf-8"))


def rows_where(pred) -> list[int]:  # type: ignore[no-untyped-def]
    """1-based row numbers of the published table whose row satisfies ``pred``."""
    return [i for i, r in enumerate(ROWS, 1) if pred(r)]


def rows_naming(*names: str) -> set[int]:
    return {i for i, r in enumerate(ROWS, 1) if set(names) & set(r.units)}


MINIMAL = """\
schema: 1
plan:
  title: 测试分解表
  doc_number: 测试〔2024〕1号
  issuer: 测试办公室
  year: 2024
parts:
  - {number: 1, title: 第一部分}
sections:
  - {number: 1, part: 1, title: 第一项}
units:
  - {name: 区甲局, kind: department}
  - {name: 区乙局, kind: department}
groups:
  - {name: 各部门, members: [区甲局, 区乙局]}
tasks:
  - id: 1
    section: 1
    units: [区甲局]
    requirement: 做好甲事。
    deadline_text: 6月底前
  - id: 2
    section: 1
    units: [各部门]
    requirement: 做好乙事。
    deadline_text: 持续推进
"""


def minimal_mapping() -> dict[str, Any]:
    """MINIMAL as the plain data an importer builds (a fresh copy each call, to break at will)."""
    return {
        "schema": 1,
        "plan": {
            "title": "测试分解表",
            "doc_number": "测试〔2024〕1号",
            "issuer": "测试办公室",
            "year": 2024,
        },
        "parts": [{"number": 1, "title": "第一部分"}],
        "sections": [{"number": 1, "part": 1, "title": "第一项"}],
        "units": [{"name": "区甲局", "kind": "department"}, {"name": "区乙局", "kind": "department"}],
        "groups": [{"name": "各部门", "members": ["区甲局", "区乙局"]}],
        "tasks": [
            {
                "id": 1,
                "section": 1,
                "units": ["区甲局"],
                "requirement": "做好甲事。",
                "deadline_text": "6月底前",
            },
            {
                "id": 2,
                "section": 1,
                "units": ["各部门"],
                "requirement": "做好乙事。",
                "deadline_text": "持续推进",
            },
        ],
    }


MINIMAL_DEADLINES = [dt.date(2024, 6, 30), None]  # 6月底前 in 2024; 持续推进 never falls due


def synth_plan(out: Path, tasks: int, units: int) -> Path:
    """A synthetic plan written by bench/synth.py, run as the benchmarks run it."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "synth.py"), "--tasks", str(tasks), "--units", str(units),
         "--marks", "0", "--out", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out / "plan.yaml"


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of the test environment; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env if env is not None else dict(os.environ),
    )


def write(tmp_path: Path, content: str | bytes, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def installed_gongkai() -> str:
    beside = Path(sys.executable).parent / "gongkai"
    found = str(beside) if beside.exists() else shutil.which("gongkai")
    if not found:
        pytest.fail("the gongkai entry point is not installed; run pip install -e '.[test]'")
    return found


def golden(name: str, text: str) -> None:
    """Compare with a golden file. A missing one fails (GONGKAI_REGEN=1 writes it, and the run says so)."""
    path = GOLDEN / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"{name} rewritten (GONGKAI_REGEN=1); run again without it")
    if not path.exists():
        pytest.fail(f"golden file {name} is missing; GONGKAI_REGEN=1 writes it, then review it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; GONGKAI_REGEN=1 rewrites it"


# -- the state store: one adapter per backend, and real processes --------------------------------

IDENTITY = "济任政办字〔2023〕24号#2023"  # the built-in plan's identity (文号#year), what marks are keyed by


class SqliteBackend:
    """The SQLite store as the store tests see it. Each backend adapter offers a ``target`` (what
    ``--state`` and ``GONGKAI_STATE`` take) and the checks the Store interface cannot make itself."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target = str(path)

    def created(self) -> bool:
        """Whether anything exists at the target: the file or its -wal / -shm / -journal companions."""
        return any(self.path.parent.glob(self.path.name + "*"))

    def integrity_problems(self) -> list[str]:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def fresh(self) -> SqliteBackend:
        """Another, empty target beside this one."""
        return SqliteBackend(Path(tempfile.mkdtemp(dir=self.path.parent)) / "state.sqlite3")


def state_backend(name: str, tmp_path: Path, server: Any = None) -> Any:
    """The adapter for a backend name, with a target of its own (under ``tmp_path``, or a new
    database on ``server`` for PostgreSQL)."""
    if name == "sqlite":
        return SqliteBackend(tmp_path / "state.sqlite3")
    if name == "postgresql":
        return PostgresBackend(server)
    raise ValueError(f"no such store backend: {name}")


def gongkai(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """gongkai in a process of its own (``python -m gongkai_cli``), with this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "gongkai_cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def marker_command(target: str, pairs: list[tuple[int, str]], hold: float | None = None) -> list[str]:
    """The command line of tests/helpers/marker.py, the writer process of the concurrency tests."""
    extra = ["--hold", str(hold)] if hold is not None else []
    return [
        sys.executable,
        "-m",
        "tests.helpers.marker",
        *extra,
        target,
        IDENTITY,
        *(f"{t}:{u}" for t, u in pairs),
    ]


def run_installed(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The installed ``gongkai`` entry point, as a user runs it, with this process's environment
    (its GONGKAI_STATE, NO_COLOR and COLUMNS from the autouse fixture) plus ``env``."""
    return subprocess.run(
        [installed_gongkai(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# -- a real PostgreSQL server for the store tests ------------------------------------------------

PG_ENV = "GONGKAI_TEST_PG"  # a libpq URI (a superuser's) or a unix socket directory of a running server
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_tool(name: str) -> str | None:
    """An executable of the PostgreSQL server package (initdb, pg_ctl), on PATH or where Debian keeps it."""
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


class PgServer:
    """A PostgreSQL server the tests may create databases and roles on, as a superuser.

    ``admin`` is a libpq connection string of a superuser without a database name; ``target(db)``
    the state target (a URI) of a database; ``login(db, role)`` the same for another login role.
    A throwaway server (``start``) listens on a unix socket in a temporary directory and on a TCP
    port of 127.0.0.1 (password logins there), and trusts local socket logins.
    """

    def __init__(
        self, admin: dict[str, str], data_dir: Path | None = None, run_as: str | None = None
    ) -> None:
        self.admin = admin
        self.data_dir = data_dir
        self.run_as = run_as
        self._count = 0
        self.created: list[str] = []

    @classmethod
    def from_env(cls, value: str) -> PgServer:
        if value.startswith(("postgres://", "postgresql://")) or "=" in value:
            import psycopg

            params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(value).items()}
            params.pop("dbname", None)
            return cls(params)
        return cls({"host": value, "port": os.environ.get("PGPORT", "5432"), "user": "postgres"})

    @classmethod
    def start(cls, base: Path) -> PgServer:
        """initdb into ``base`` (as the ``postgres`` OS user when we are root), then pg_ctl start."""
        initdb, pg_ctl = pg_tool("initdb"), pg_tool("pg_ctl")
        assert initdb and pg_ctl
        run_as = None
        if os.geteuid() == 0:
            run_as = "postgres"
            os.chmod(base, 0o755)
            shutil.chown(base, run_as)
        data, sock = base / "data", base / "sock"
        sock.mkdir()
        if run_as:
            shutil.chown(sock, run_as)
        subprocess.run(
            [initdb, "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, user=run_as,
        )  # fmt: skip
        with socket_free_port() as port:
            pass
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        root_cert = make_certificates(base, run_as)
        if root_cert is not None:
            options += f" -c ssl=on -c ssl_cert_file={base}/server.crt -c ssl_key_file={base}/server.key"
        subprocess.run(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
            check=True, capture_output=True, user=run_as,
        )  # fmt: skip
        server = cls({"host": str(sock), "port": str(port), "user": "postgres"}, data, run_as)
        server.options = options
        server.root_cert = root_cert
        return server

    options = ""
    root_cert: Path | None = None  # the CA that signed the TCP listener's certificate (for 127.0.0.1)

    @property
    def socket_dir(self) -> str:
        return self.admin["host"]

    @property
    def port(self) -> str:
        return self.admin.get("port", "5432")

    def conninfo(self, dbname: str = "postgres", **extra: str) -> str:
        import psycopg

        return psycopg.conninfo.make_conninfo(**{**self.admin, "dbname": dbname, **extra})

    def target(self, dbname: str, user: str | None = None) -> str:
        """The URI ``--state`` takes for a database, over the unix socket (as ``user``)."""
        from urllib.parse import quote

        who = quote(user or self.admin.get("user", "postgres"), safe="")
        query = f"host={quote(self.socket_dir, safe='')}&port={self.port}"
        if user is None and self.admin.get("password"):  # GONGKAI_TEST_PG's superuser, over TCP
            query += f"&password={quote(self.admin['password'], safe='')}"
        return f"postgresql://{who}@/{quote(dbname, safe='')}?{query}"

    def sql(
        self, statement: str, dbname: str = "postgres", args: tuple[Any, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one statement as the superuser (autocommit) and return its rows."""
        import psycopg

        with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
            cur = conn.execute(statement.encode() if not args else statement, args or None)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def create_database(self) -> str:
        self._count += 1
        name = f"gk_{os.getpid()}_{self._count}"
        self.sql(f'CREATE DATABASE "{name}" STRATEGY = FILE_COPY')
        self.created.append(name)
        return name

    def drop_created(self) -> None:
        """Drop the databases created so far (a test's, at its end: hundreds would fill the disk)."""
        while self.created:
            self.sql(f'DROP DATABASE IF EXISTS "{self.created.pop()}" WITH (FORCE)')

    def create_login(self, role: str, password: str | None = None) -> None:
        """A login role (cluster-wide); created once, its password (re)set when given."""
        from psycopg import sql

        exists = self.sql("SELECT 1 FROM pg_roles WHERE rolname = %s", args=(role,))
        verb = "ALTER" if exists else "CREATE"
        statement = sql.SQL("{} ROLE {} LOGIN").format(sql.SQL(verb), sql.Identifier(role))
        if password is not None:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(statement)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        pg_ctl = pg_tool("pg_ctl")
        assert pg_ctl and self.data_dir is not None
        return subprocess.run(
            [pg_ctl, "-D", str(self.data_dir), *args], capture_output=True, user=self.run_as, timeout=60
        )

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.pg_ctl("-o", self.options, "-l", str(self.data_dir.parent / "log"), "-w", "start")  # type: ignore[union-attr]


def make_certificates(base: Path, owner: str | None) -> Path | None:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (so that a client can use
    sslmode=verify-full), written into ``base``; the CA's certificate, or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=base)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=gongkai test CA",
        "-keyout",
        "ca.key",
        "-out",
        "root.crt",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (base / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", "utf-8")
    run("x509", "-req", "-in", "server.csr", "-CA", "root.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt")  # fmt: skip
    for name in ("server.key", "server.crt"):
        (base / name).chmod(0o600)
        if owner:
            shutil.chown(base / name, owner)
    return base / "root.crt"


class socket_free_port:
    """A TCP port of 127.0.0.1 nobody listens on (closed again before the server takes it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def pg_server_or_skip(base: Path) -> PgServer | str:
    """The server of GONGKAI_TEST_PG, else a throwaway one; or the reason there is none."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    given = os.environ.get(PG_ENV)
    if given:
        return PgServer.from_env(given)
    if not (pg_tool("initdb") and pg_tool("pg_ctl")):
        return f"no PostgreSQL server: set {PG_ENV} or install PostgreSQL (initdb not found)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run initdb as"
    return PgServer.start(base)


class PostgresBackend:
    """The PostgreSQL store as the store tests see it: each target is a database of its own on the
    test server, reached as the superuser over the unix socket."""

    name = "postgresql"

    def __init__(self, server: PgServer, dbname: str | None = None) -> None:
        self.server = server
        self.dbname = dbname or server.create_database()
        self.target = server.target(self.dbname)

    def created(self) -> bool:
        """Whether gongkai's schema exists in the database."""
        return bool(self.server.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'gongkai'", self.dbname))

    def integrity_problems(self) -> list[str]:
        """Marks whose latest event does not say they are there (the history and the marks disagree)."""
        if not self.created():
            return []
        rows = self.server.sql(
            "SELECT m.task_id, m.unit FROM gongkai.marks m WHERE NOT EXISTS (SELECT 1 FROM gongkai.events e"
            " WHERE (e.plan, e.task_id, e.unit) = (m.plan, m.task_id, m.unit) AND e.action = 'done')",
            self.dbname,
        )
        return [f"mark {t}:{u} without its event" for t, u in rows]

    def fresh(self) -> PostgresBackend:
        return PostgresBackend(self.server)
