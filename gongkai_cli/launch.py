"""The ``gongkai`` console script and ``python -m gongkai_cli``: process settings, then the CLI.

A run lives for a second at most and builds acyclic data, so the cyclic garbage collector only
re-scans a growing heap: switched off before anything else is imported, it saves ~4 ms of the
framework's own import (7% of start-up) and, at 50,000 rows, nearly half of ``gongkai due``
(bench/README.md). Reference counting still frees everything as usual. Library users and the tests
import ``gongkai_cli.cli`` directly and keep the collector.
"""

import gc

gc.disable()


def main() -> None:
    try:
        from .cli import entry
    except KeyboardInterrupt:  # Ctrl-C while Python is still importing: the same line as later on
        import sys

        sys.stderr.write("错误：已中断\n")
        sys.exit(130)
    entry()
