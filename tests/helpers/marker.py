"""A real writer process for the concurrency and crash tests.

Usage: python -m tests.helpers.marker STATE TASK_ID:UNIT [TASK_ID:UNIT ...]
Marks each pair in its own transaction through gongkai's store and prints the pair once the
transaction has committed ("acknowledged"), flushing after each line.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from gongkai_cli.model import Mark
from gongkai_cli.plan import default_plan_path, load_plan
from gongkai_cli.store import open_store, utc_now


def main(argv: list[str]) -> int:
    state = Path(argv[0])
    plan = load_plan(default_plan_path())
    for pair in argv[1:]:
        task_id, unit = pair.split(":", 1)
        store = open_store(state, write=True)
        try:
            store.add_marks(
                [Mark(plan.meta.identity, int(task_id), unit, dt.date(2023, 11, 1), pair, "t", utc_now())]
            )
        finally:
            store.close()
        sys.stdout.write(pair + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
