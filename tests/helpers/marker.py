"""A real writer process for the concurrency and crash tests, using only the Store interface.

Usage: python -m tests.helpers.marker [--hold SECONDS] TARGET PLAN_IDENTITY TASK_ID:UNIT [...]

Without --hold: marks each pair in its own transaction and prints the pair once the transaction has
committed ("acknowledged"), flushing after each line.
With --hold: marks all pairs in one transaction, prints "holding" once they are written but not yet
committed, and keeps the transaction open for SECONDS before committing: another writer of the same
pairs has to wait meanwhile.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterator

from gongkai_cli.model import Mark
from gongkai_cli.store import open_store, utc_now


def mark(identity: str, pair: str) -> Mark:
    task_id, unit = pair.split(":", 1)
    return Mark(identity, int(task_id), unit, dt.date(2023, 11, 1), pair, "t", utc_now())


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_by_one(target: str, identity: str, pairs: list[str]) -> None:
    for pair in pairs:
        with open_store(target, write=True) as store:
            store.add_marks([mark(identity, pair)])
        say(pair)


def holding(target: str, identity: str, pairs: list[str], seconds: float) -> None:
    def marks_then_wait() -> Iterator[Mark]:
        # add_marks consumes this inside its transaction, so the wait happens before the commit.
        for pair in pairs:
            yield mark(identity, pair)
        say("holding")
        time.sleep(seconds)

    with open_store(target, write=True) as store:
        store.add_marks(marks_then_wait())
    say("committed")


def main(argv: list[str]) -> int:
    if argv[0] == "--hold":
        seconds, target, identity, *pairs = argv[1:]
        holding(target, identity, pairs, float(seconds))
    else:
        target, identity, *pairs = argv
        one_by_one(target, identity, pairs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
