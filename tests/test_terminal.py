"""How wide tables are when stdout is not a terminal, through the installed command: COLUMNS when it
is set; in a terminal session whose shell keeps COLUMNS without exporting it (`gongkai tasks | less`),
the terminal's own width; with no terminal at all (cron), 80."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import unicodedata

from .helpers.common import installed_gongkai


def widest_line(text: str) -> int:
    """Display width of the widest line (a CJK character takes two cells)."""
    return max(
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in text.splitlines()
    )


def piped_table(columns: str | None, terminal_columns: int | None = None) -> str:
    """``gongkai tasks --section 三`` with stdout piped and COLUMNS set to ``columns`` (None: unset);
    stdin and stderr on a terminal ``terminal_columns`` wide when given (an interactive session),
    else on no terminal at all."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"NO_COLOR": "1"}
    if columns is not None:
        env["COLUMNS"] = columns
    args = [installed_gongkai(), "tasks", "--section", "三"]
    if terminal_columns is None:
        r = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60
        )
        assert r.returncode == 0, r.stderr
        return r.stdout
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, terminal_columns, 0, 0))
        r = subprocess.run(
            args, stdin=follower, stdout=subprocess.PIPE, stderr=follower, text=True, env=env, timeout=60
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert r.returncode == 0
    return r.stdout


def test_piped_table_takes_columns_when_set() -> None:
    assert widest_line(piped_table("60")) == 60
    assert widest_line(piped_table("150")) == 150
    assert widest_line(piped_table("90", terminal_columns=132)) == 90


def test_piped_table_in_a_terminal_session_is_as_wide_as_the_terminal() -> None:
    assert widest_line(piped_table(None, terminal_columns=132)) == 132


def test_piped_table_with_no_terminal_at_all_is_80_wide() -> None:
    assert widest_line(piped_table(None)) == 80
