"""Time gongkai's everyday commands as whole processes, beside floors measured in the same run.

    python bench/run.py            # the real 2023 plan and synthetic 1k / 10k / 50k rows
    python bench/run.py --quick    # the 2023 plan and 1k only, 5 repeats

Run it with the interpreter of the virtual environment gongkai is installed in (not a pyenv shim).
Each figure is the median wall time of repeated runs, and is reported as a ratio to the floor
``python -c "import typer"`` measured in the same run: these machines are shared and noisy, ratios
travel better than seconds. Peak memory is the largest max-RSS of those runs. Results go to stdout
and to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GONGKAI = str(Path(PY).parent / "gongkai")

COMMANDS: list[tuple[str, list[str]]] = [
    ("--help", ["--help"]),
    ("tasks --unit (table)", ["tasks", "--unit", "{unit}"]),
    ("tasks --unit -f json", ["tasks", "--unit", "{unit}", "-f", "json"]),
    ("status", ["status"]),
    ("overdue -f json", ["overdue", "-f", "json", "--as-of", "2023-12-01"]),
    ("overdue (table)", ["overdue", "--as-of", "2023-12-01"]),
    ("due", ["due", "--as-of", "2023-12-25"]),
    ("done + undo", ["@done-undo"]),
]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and max RSS (KiB) of one process; its output goes to /dev/null (as when piped)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()}")
    return elapsed, usage.ru_maxrss


def measure(argvs: list[list[str]], env: dict[str, str], repeats: int) -> tuple[float, float]:
    """Median seconds and peak MiB; several argvs count as one step (done then undo)."""
    times, peak = [], 0
    for _ in range(repeats):
        total = 0.0
        for argv in argvs:
            seconds, rss = run_once(argv, env)
            total += seconds
            peak = max(peak, rss)
        times.append(total)
    return statistics.median(times), peak / 1024


def plan_cases(quick: bool, workdir: Path) -> list[tuple[str, dict[str, str], str, int]]:
    """(label, env additions, a unit to ask about, a task id for done/undo)."""
    cases = [("2023 任城区 (59 rows)", {}, "区教体局", 7)]
    sizes = [(1000, 10_000)] if quick else [(1000, 10_000), (10_000, 100_000), (50_000, 500_000)]
    for tasks, marks in sizes:
        out = workdir / f"synth-{tasks}"
        subprocess.run(
            [PY, str(ROOT / "bench" / "synth.py"), "--tasks", str(tasks), "--units", "200",
             "--marks", str(marks), "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        env = {"GONGKAI_PLAN": str(out / "plan.yaml"), "GONGKAI_STATE": str(out / "state.sqlite3")}
        cases.append((f"synthetic {tasks:,} rows, 200 units, {marks:,} marks", env, "1区第7局", 1))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark gongkai's everyday commands.")
    parser.add_argument("--quick", action="store_true", help="the 2023 plan and 1k rows only")
    parser.add_argument("--repeats", type=int, default=0, help="runs per figure (default 9, quick 5)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 9)
    if not Path(GONGKAI).exists():
        raise SystemExit(f"no gongkai beside {PY}: run this with the venv's python after pip install .")
    # Installed packages have their bytecode compiled; an editable checkout may not (and
    # PYTHONDONTWRITEBYTECODE may be set), which would time the compiler instead of gongkai.
    import gongkai_cli

    compileall.compile_dir(str(Path(gongkai_cli.__file__).parent), quiet=1)

    # An editable install adds an import hook (and pathlib, re, ...) to every Python start in the
    # venv, floors included, which flatters the ratios; say which kind this run timed.
    site_dirs = {str(Path(p).resolve()) for p in sys.path if p.endswith("site-packages")}
    package_dir = str(Path(gongkai_cli.__file__).resolve().parent.parent)
    install = "regular (pip install .)" if package_dir in site_dirs else "editable, from the checkout"
    if package_dir not in site_dirs:
        print(
            "note: gongkai is installed editable here; for the figures users get, time a regular\n"
            "install: python -m venv /tmp/gk && /tmp/gk/bin/pip install . && "
            "/tmp/gk/bin/python bench/run.py",
            file=sys.stderr,
        )
    workdir = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    base_env.update(GONGKAI_CACHE=str(workdir / "cache"), NO_COLOR="1", COLUMNS="120")
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    try:
        floor_pass, _ = measure([[PY, "-c", "pass"]], base_env, repeats)
        floor_typer, typer_rss = measure([[PY, "-c", "import typer"]], base_env, repeats)
        # gongkai switches the cyclic collector off before importing anything (launch.py), which
        # makes its own import of typer cheaper than this floor's; the same import with the
        # collector off shows what gongkai's own code costs on top.
        floor_nogc, _ = measure([[PY, "-c", "import gc; gc.disable(); import typer"]], base_env, repeats)
        say(f"# gongkai benchmark, {dt.date.today().isoformat()}")
        say()
        system = f"{platform.system()} {platform.release()}"
        say(f"- machine: {platform.machine()}, {os.cpu_count()} cores, {system}")
        say(f"- python: {platform.python_version()} ({PY}); gongkai install: {install}")
        say(f"- repeats: {repeats} per figure (median wall time); output piped to /dev/null")
        say(f"- floor `python -c pass`: {floor_pass * 1000:.0f} ms")
        say(f'- floor `python -c "import typer"`: {floor_typer * 1000:.0f} ms, {typer_rss:.0f} MiB')
        say(
            "- the same with the cyclic GC off, as gongkai starts "
            f"(`import gc; gc.disable(); import typer`): {floor_nogc * 1000:.0f} ms"
        )
        say()
        for label, extra, unit, task_id in plan_cases(args.quick, workdir):
            env = {
                **base_env,
                **extra,
                "GONGKAI_STATE": extra.get("GONGKAI_STATE", str(workdir / "state.sqlite3")),
            }
            run_once([GONGKAI, "tasks", "-f", "json"], env)  # warm the plan cache, as every later run is
            if not extra:  # a state file with marks in it, as a district's has
                run_once([GONGKAI, "done", "7", "8", "--unit", unit, "--date", "2023-11-01"], env)
            say(f"## {label}")
            say()
            say(
                "| command | median ms | × import typer | × import typer, GC off "
                "| × python -c pass | peak MiB |"
            )
            say("|---|---:|---:|---:|---:|---:|")
            for name, template in COMMANDS:
                if template == ["@done-undo"]:
                    argvs = [
                        [GONGKAI, "done", str(task_id), "--all-units", "--date", "2023-11-01"],
                        [GONGKAI, "undo", str(task_id), "--all-units"],
                    ]
                else:
                    argvs = [[GONGKAI, *(a.format(unit=unit) for a in template)]]
                seconds, rss = measure(
                    argvs, env, repeats if "synthetic 50" not in label else max(3, repeats // 3)
                )
                say(
                    f"| `{name}` | {seconds * 1000:.0f} | {seconds / floor_typer:.2f} | "
                    f"{seconds / floor_nogc:.2f} | {seconds / floor_pass:.1f} | {rss:.0f} |"
                )
            say()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.no_write:
        (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
