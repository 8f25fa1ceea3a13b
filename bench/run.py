"""Time gongkai's everyday commands as whole processes against the 2.0 budgets, each as a ratio to a
floor measured in the same run.

    python bench/run.py            # the real 2023 plan and synthetic 1k / 10k / 50k rows (~3 min)
    python bench/run.py --quick    # the 2023 plan and 1k only, fewer repeats; prints, writes nothing

Run it with the interpreter of the virtual environment gongkai is installed in (not a pyenv shim).
It only drives the installed ``gongkai`` command, as a user or a script would. Every command is timed
in pairs with its floor -- floor, command, floor, command, ... -- and reported as the median of the
per-pair ratios beside the medians themselves: on a shared, noisy machine a slow spell slows both
halves of a pair, so the ratio holds still where two separate medians would drift apart. Commands
that draw tables are paired with ``python -c "import typer, rich.console, rich.table"``, machine
formats (which must not import Rich) with ``python -c "import typer"``. Peak memory is the largest
max-RSS of those runs. Results go to stdout and, for a full run, to bench/RESULTS.md, opening with
the budget table (bench/README.md).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.metadata
import importlib.util
import json
import marshal
import os
import platform
import shutil
import site
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GONGKAI = str(Path(PY).parent / "gongkai")
DISTRIBUTION = "gongkai"  # the project name pip knows; the package inside may be called anything

FLOORS: dict[str, list[str]] = {
    "pass": [PY, "-c", "pass"],
    "typer": [PY, "-c", "import typer"],
    "typer+rich": [PY, "-c", "import typer, rich.console, rich.table"],
    # gongkai's process ends without the interpreter's teardown (launch.py); these floors end so
    # too, for the information line under the budgets
    "typer, no teardown": [PY, "-c", "import typer, os; os._exit(0)"],
    "typer+rich, no teardown": [PY, "-c", "import typer, rich.console, rich.table, os; os._exit(0)"],
}


@dataclass(frozen=True)
class Command:
    name: str  # as shown; {unit} is the plan's unit
    runs: tuple[tuple[str, ...], ...]  # gongkai's arguments, one tuple per process (done + undo is two)
    floor: str  # a key of FLOORS, run once per process of the command
    machine: bool = False  # a machine format: budgeted in seconds at 10,000 rows


def one(*args: str, floor: str = "typer+rich", machine: bool = False) -> Command:
    return Command(" ".join(args), (args,), floor, machine)


COMMANDS: list[Command] = [
    one("--help"),
    one("tasks", "--unit", "{unit}"),
    one("tasks", "--unit", "{unit}", "-f", "json", floor="typer", machine=True),
    one("tasks", "-f", "json", floor="typer", machine=True),
    one("status"),
    one("status", "-f", "json", floor="typer", machine=True),
    one("overdue", "--as-of", "2023-12-01"),
    one("overdue", "--as-of", "2023-12-01", "-f", "json", floor="typer", machine=True),
    one("due", "--as-of", "2023-12-25"),
    one("due", "--as-of", "2023-12-25", "-f", "json", floor="typer", machine=True),
    one("log", "--unit", "{unit}", "-f", "json", floor="typer", machine=True),
    Command(
        "done + undo",
        (("done", "{task}", "--all-units", "--date", "2023-11-01"), ("undo", "{task}", "--all-units")),
        "typer",
    ),
]
TABLE = "tasks --unit {unit}"
STARTUP_BUDGETS = [  # (command, limit as a ratio to its floor), timed on the 2023 plan
    (TABLE, 1.4),
    ("tasks --unit {unit} -f json", 1.3),
    ("--help", 1.4),
]
MACHINE_TARGET, MACHINE_LIMIT = 0.5, 1.0  # seconds, every machine format at 10,000 rows
TABLE_LIMIT = 1.5  # seconds, one unit's table at 10,000 rows
LINEAR, GROWTH_LIMIT = 5.0, 6.0  # 50k/10k of (time - floor); n log n alone would give 5.9


@dataclass(frozen=True)
class Plan:
    label: str
    rows: int  # rows in the plan (0: the built-in one)
    env: dict[str, str]
    unit: str
    task: int  # a row for done + undo
    pairs: int  # floor/command pairs per figure
    table_rows: int = 0  # rows in the unit's table, once measured


@dataclass(frozen=True)
class Figure:
    seconds: float  # median wall time of the command
    floor: float  # median wall time of its floor, run in the same pairs
    ratio: float  # median of the per-pair ratios
    excess: float  # median of the per-pair differences (command - floor), seconds
    peak_mib: float


# Forks, times and reaps each measured process. Linux carries the forking process's resident size
# into the child's max RSS (through fork and exec alike), so the forking is left to this small
# interpreter (-S: no site, ~8 MiB, less than any Python process it times) rather than to run.py
# itself, whose imports alone would make `python -c pass` look 15 MiB large.
SPAWNER = r"""
import marshal, os, sys, time
requests, replies = sys.stdin.buffer, sys.stdout.buffer
null_in, null_out = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_WRONLY)
while True:
    try:
        argv, env, err_path = marshal.load(requests)
    except EOFError:
        break
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(null_in, 0)
            os.dup2(null_out, 1)
            os.dup2(err, 2)
            os.execve(argv[0], argv, env)
        finally:
            os.write(2, b"cannot run " + argv[0].encode())
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(err)
    marshal.dump((elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss), replies)
    replies.flush()
"""


class Runner:
    """Runs processes with stdout to /dev/null (as when piped) and stderr to a scratch file."""

    def __init__(self, stderr: Path) -> None:
        self.stderr = stderr
        self.spawner = subprocess.Popen(
            [PY, "-S", "-c", SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.spawner.stdin:
            self.spawner.stdin.close()
        self.spawner.wait()

    def once(self, argv: list[str], env: dict[str, str]) -> tuple[float, int]:
        """Wall seconds and max RSS (KiB) of one process; an exit other than 0 or 1 stops the run."""
        assert self.spawner.stdin and self.spawner.stdout
        marshal.dump((argv, env, str(self.stderr)), self.spawner.stdin)
        self.spawner.stdin.flush()
        elapsed, returncode, maxrss = marshal.load(self.spawner.stdout)
        if returncode not in (0, 1):
            err = self.stderr.read_text(encoding="utf-8", errors="replace").strip()
            raise SystemExit(f"{' '.join(argv)} failed ({returncode}):\n{err}")
        return elapsed, maxrss

    def paired(self, argvs: list[list[str]], floor: list[str], env: dict[str, str], pairs: int) -> Figure:
        """Floor, command, floor, command, ...; the floor runs once per process of the command."""
        commands, floors, peak = [], [], 0
        for _ in range(pairs):
            floors.append(sum(self.once(floor, env)[0] for _ in argvs))
            total = 0.0
            for argv in argvs:
                seconds, rss = self.once(argv, env)
                total += seconds
                peak = max(peak, rss)
            commands.append(total)
        return Figure(
            statistics.median(commands),
            statistics.median(floors),
            statistics.median(c / f for c, f in zip(commands, floors, strict=True)),
            statistics.median(c - f for c, f in zip(commands, floors, strict=True)),
            peak / 1024,
        )

    def floors(self, env: dict[str, str], rounds: int) -> dict[str, tuple[float, float]]:
        """Median seconds and peak MiB of each floor, the floors taking turns."""
        times: dict[str, list[float]] = {name: [] for name in FLOORS}
        peaks = dict.fromkeys(FLOORS, 0)
        for _ in range(rounds):
            for name, argv in FLOORS.items():
                seconds, rss = self.once(argv, env)
                times[name].append(seconds)
                peaks[name] = max(peaks[name], rss)
        return {name: (statistics.median(times[name]), peaks[name] / 1024) for name in FLOORS}


def installed_packages() -> tuple[list[Path], bool]:
    """The directories of the packages behind the ``gongkai`` console script, and whether the install
    is editable (PEP 610's direct_url.json says so, or the code lives outside site-packages)."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{DISTRIBUTION} is not installed for {PY}: pip install . first") from None
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    editable = bool(direct.get("dir_info", {}).get("editable"))
    tops = {ep.module.split(".")[0] for ep in dist.entry_points if ep.group == "console_scripts"}
    dirs: list[Path] = []
    for top in sorted(tops):
        spec = importlib.util.find_spec(top)
        if spec is not None:
            dirs += [Path(p).resolve() for p in spec.submodule_search_locations or ()]
    sites = [Path(p).resolve() for p in site.getsitepackages()]
    outside = any(not any(d.is_relative_to(s) for s in sites) for d in dirs)
    return dirs, editable or outside


def pairs_for(rows: int, repeats: int) -> int:
    """Floor/command pairs per figure: more on the built-in plan (cheap starts, tight budgets),
    fewer on 50,000 rows (a second or more a run)."""
    return 2 * repeats + 1 if not rows else max(3, (repeats + 1) // 2) if rows > 10_000 else repeats


def plans(quick: bool, repeats: int, workdir: Path, env: dict[str, str]) -> list[Plan]:
    """The built-in plan (cheap runs with tight start-up budgets: more pairs) and synthetic ones."""
    cases = [Plan("2023 任城区 (59 rows)", 0, {}, "区教体局", 7, pairs_for(0, repeats))]
    sizes = [(1000, 10_000)] if quick else [(1000, 10_000), (10_000, 100_000), (50_000, 500_000)]
    for rows, marks in sizes:
        out = workdir / f"synth-{rows}"
        print(f"writing a synthetic plan of {rows:,} rows ...", file=sys.stderr, flush=True)
        subprocess.run(
            [PY, str(ROOT / "bench" / "synth.py"), "--tasks", str(rows), "--units", "200",
             "--marks", str(marks), "--out", str(out)],
            check=True, stdout=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        extra = {"GONGKAI_PLAN": str(out / "plan.yaml"), "GONGKAI_STATE": str(out / "state.sqlite3")}
        label = f"synthetic {rows:,} rows, 200 units, {marks:,} marks"
        cases.append(Plan(label, rows, extra, "1区第7局", 1, pairs_for(rows, repeats)))
    return cases


def count_table_rows(plan: Plan, env: dict[str, str]) -> int:
    """Rows in the unit's table (as the JSON has them); also warms the parsed-plan cache."""
    proc = subprocess.run(
        [GONGKAI, "tasks", "--unit", plan.unit, "-f", "json"], capture_output=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"gongkai tasks --unit {plan.unit} -f json failed: {proc.stderr.decode().strip()}")
    return len(json.loads(proc.stdout))


def verdict(ok: bool, within_limit: bool = True) -> str:
    return "✅" if ok else "⚠️" if within_limit else "❌"


def budget_lines(
    results: dict[int, dict[str, Figure]], plan_of: dict[int, Plan], lean: dict[str, Figure]
) -> list[str]:
    """The budget table; results and plans by the plan's row count (0: the built-in plan); ``lean``:
    the start-up commands against floors that also skip the interpreter's teardown."""
    lines = ["| budget | measured | limit | |", "|---|---|---|:-:|"]
    start, unit = results[0], plan_of[0].unit
    for name, limit in STARTUP_BUDGETS:
        fig = start[name]
        floor = next(c.floor for c in COMMANDS if c.name == name)
        lines.append(
            f"| `gongkai {name.format(unit=unit)}`, 2023 plan, ÷ {floor} floor "
            f"| {fig.ratio:.2f}× ({fig.seconds * 1000:.0f} / {fig.floor * 1000:.0f} ms) "
            f"| ≤ {limit}× | {verdict(fig.ratio <= limit)} |"
        )
    if 10_000 not in results:
        lines += ["", "The 10,000- and 50,000-row budgets are measured by the full run only."]
        return lines + lean_lines(lean, unit)
    ten, unit = results[10_000], plan_of[10_000].unit
    for command in COMMANDS:
        if command.machine:
            fig = ten[command.name]
            lines.append(
                f"| `gongkai {command.name.format(unit=unit)}`, 10,000 rows "
                f"| {fig.seconds * 1000:.0f} ms ({fig.ratio:.1f}× {command.floor} floor) "
                f"| ≤ {MACHINE_TARGET} s (limit {MACHINE_LIMIT:.0f} s) "
                f"| {verdict(fig.seconds <= MACHINE_TARGET, fig.seconds <= MACHINE_LIMIT)} |"
            )
    fig = ten[TABLE]
    lines.append(
        f"| `gongkai {TABLE.format(unit=unit)}` ({plan_of[10_000].table_rows} rows drawn), 10,000 rows "
        f"| {fig.seconds * 1000:.0f} ms ({fig.ratio:.1f}× typer+rich floor) | ≤ {TABLE_LIMIT} s "
        f"| {verdict(fig.seconds <= TABLE_LIMIT)} |"
    )
    if 50_000 in results:
        fifty = results[50_000]
        for command in COMMANDS:
            if command.name == "--help":  # reads no plan
                continue
            small, large = ten[command.name].excess, fifty[command.name].excess
            growth = large / small if small > 0 else float("inf")
            lines.append(
                f"| growth 10k → 50k rows, `{command.name.format(unit=unit)}`, time − floor "
                f"| {growth:.1f}× ({small * 1000:.0f} → {large * 1000:.0f} ms) "
                f"| ≈ {LINEAR:.0f}× (≤ {GROWTH_LIMIT:.0f}×) | {verdict(growth <= GROWTH_LIMIT, False)} |"
            )
    lines += [
        "",
        "Ratios are medians of per-pair ratios (floor, command, floor, command, ...); tables are "
        'paired with `python -c "import typer, rich.console, rich.table"`, machine formats with '
        '`python -c "import typer"`. ⚠️: over the target, within the limit.',
    ]
    return lines + lean_lines(lean, plan_of[0].unit)


def lean_lines(lean: dict[str, Figure], unit: str) -> list[str]:
    if not lean:
        return []
    shown = "; ".join(
        f"`{name.format(unit=unit)}` {fig.ratio:.2f}× ({fig.seconds * 1000:.0f} / {fig.floor * 1000:.0f} ms)"
        for name, fig in lean.items()
    )
    return [
        "",
        "For information: gongkai ends its process without the interpreter's teardown "
        "(gongkai_cli/launch.py), which the floors above pay. Against floors that skip it too "
        f"(`...; os._exit(0)`), the same start-up commands measure: {shown}.",
    ]


def lean_figures(runner: Runner, plan: Plan, env: dict[str, str]) -> dict[str, Figure]:
    """The start-up budget commands paired with floors that also end without teardown."""
    out: dict[str, Figure] = {}
    for name, _limit in STARTUP_BUDGETS:
        command = next(c for c in COMMANDS if c.name == name)
        argvs = [[GONGKAI, *(a.format(unit=plan.unit, task=plan.task) for a in r)] for r in command.runs]
        out[name] = runner.paired(argvs, FLOORS[f"{command.floor}, no teardown"], env, plan.pairs)
    return out


def header_lines(
    quick: bool, repeats: int, install: str, floors: dict[str, tuple[float, float]]
) -> list[str]:
    system = f"{platform.system()} {platform.release()}"
    pairs = f"2023 plan {pairs_for(0, repeats)}, synthetic plans {repeats}"
    if not quick:
        pairs += f", 50,000 rows {pairs_for(50_000, repeats)}"
    return [
        f"# gongkai benchmark, {dt.date.today().isoformat()}",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {system}",
        f"- python: {platform.python_version()} ({PY}); gongkai install: {install}",
        f"- pairs per figure: {pairs}; stdout to /dev/null (Rich draws as into a pipe), "
        "COLUMNS=120, NO_COLOR=1",
        *(
            f"- floor `python -c {json.dumps(FLOORS[name][2])}`: {seconds * 1000:.0f} ms, {mib:.0f} MiB"
            for name, (seconds, mib) in floors.items()
        ),
        "",
    ]


def measure_plan(
    runner: Runner, plan: Plan, env: dict[str, str], say: Callable[[str], None]
) -> dict[str, Figure]:
    """Every command paired with its floor, one table row each as it is measured."""
    say(f"## {plan.label}")
    say("")
    say(f"`{{unit}}` = {plan.unit} ({plan.table_rows} rows in its table), {plan.pairs} pairs per figure.")
    say("")
    say("| command | median ms | floor | floor ms | × floor | peak MiB |")
    say("|---|---:|---|---:|---:|---:|")
    figures: dict[str, Figure] = {}
    for command in COMMANDS:
        argvs = [[GONGKAI, *(a.format(unit=plan.unit, task=plan.task) for a in r)] for r in command.runs]
        fig = runner.paired(argvs, FLOORS[command.floor], env, plan.pairs)
        figures[command.name] = fig
        floor = command.floor if len(argvs) == 1 else f"{len(argvs)}× {command.floor}"
        say(
            f"| `{command.name}` | {fig.seconds * 1000:.0f} | {floor} | {fig.floor * 1000:.0f} "
            f"| {fig.ratio:.2f} | {fig.peak_mib:.0f} |"
        )
    say("")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark gongkai's everyday commands against the budgets.")
    parser.add_argument("--quick", action="store_true", help="the 2023 plan and 1k rows only; writes nothing")
    parser.add_argument(
        "--repeats", type=int, default=0, help="pairs per figure on synthetic plans (default 9, quick 5); "
        "the 2023 plan gets 2n+1, 50,000 rows n/2 (at least 3)"
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 9)
    began = time.perf_counter()
    if not Path(GONGKAI).exists():
        raise SystemExit(f"no gongkai beside {PY}: run this with the venv's python after pip install .")
    # An installed wheel has its bytecode compiled; an editable checkout may not (and
    # PYTHONDONTWRITEBYTECODE may be set), which would time the compiler instead of gongkai.
    package_dirs, editable = installed_packages()
    for directory in package_dirs:
        compileall.compile_dir(str(directory), quiet=1)
    # An editable install adds an import hook (and pathlib, re, ...) to every Python start in the
    # venv, floors included, which flatters the ratios; say which kind this run timed.
    install = "editable, from the checkout" if editable else "regular (pip install .)"
    if editable:
        print(
            "note: gongkai is installed editable here; for the figures users get, time a regular\n"
            "install: python -m venv /tmp/gk && /tmp/gk/bin/pip install . && "
            "/tmp/gk/bin/python bench/run.py",
            file=sys.stderr,
        )
    workdir = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    # No installed plans (an empty GONGKAI_PLANS): the built-in case measures the built-in plan.
    base_env.update(GONGKAI_CACHE=str(workdir / "cache"), GONGKAI_PLANS=str(workdir / "plans"))
    base_env.update(NO_COLOR="1", COLUMNS="120")
    details: list[str] = []
    results: dict[int, dict[str, Figure]] = {}
    measured: dict[int, Plan] = {}
    lean: dict[str, Figure] = {}

    def say(text: str) -> None:
        print(text, flush=True)
        details.append(text)

    try:
        with Runner(workdir / "stderr.txt") as runner:
            header = header_lines(
                args.quick, repeats, install, runner.floors(base_env, pairs_for(0, repeats))
            )
            print("\n".join(header), flush=True)
            for plan in plans(args.quick, repeats, workdir, base_env):
                env = {**base_env, "GONGKAI_STATE": str(workdir / "state.sqlite3"), **plan.env}
                plan = replace(plan, table_rows=count_table_rows(plan, env))  # also warms the plan cache
                if not plan.rows:  # a state file with marks in it, as a district's has
                    runner.once([GONGKAI, "done", "7", "8", "--unit", plan.unit, "--date", "2023-11-01"], env)
                results[plan.rows], measured[plan.rows] = measure_plan(runner, plan, env, say), plan
                if not plan.rows:
                    lean = lean_figures(runner, plan, env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    budgets = ["## Budgets", "", *budget_lines(results, measured, lean), ""]
    print("\n".join(budgets), flush=True)
    print(f"(benchmark took {time.perf_counter() - began:.0f} s)", file=sys.stderr)
    if not args.quick and not args.no_write:
        text = "\n".join([*header, *budgets, *details]) + "\n"
        (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
