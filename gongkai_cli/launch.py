"""The ``gongkai`` console script and ``python -m gongkai_cli``: process settings, then the CLI.

A run lives for a second at most and builds acyclic data, so the cyclic garbage collector only
re-scans a growing heap: switched off before anything else is imported, it saves ~4 ms of the
framework's own import (7% of start-up) and, at 50,000 rows, nearly half of ``gongkai due``
(bench/README.md). Reference counting still frees everything as usual. Library users and the tests
import ``gongkai_cli.cli`` directly and keep the collector.

When the command is over, the process ends at once (``os._exit``) instead of tearing the interpreter
down: freeing every module and object one by one is work nobody sees (~3.5 ms, 7% of a short
command). By then every file gongkai wrote is closed and renamed into place and every state store
is closed (each is used in a ``with`` block), so nothing is left to tear down but memory; stdout and
stderr are flushed here first. Should that flush fail, the ordinary exit runs, which reports it as
before.
"""

import gc

gc.disable()


def main() -> None:
    import sys

    try:
        from .cli import entry
    except KeyboardInterrupt:  # Ctrl-C while Python is still importing: the same line as later on
        sys.stderr.write("错误：已中断\n")
        sys.exit(130)
    try:
        entry()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _exit(code)


def _exit(code: object) -> None:
    """Exit with ``code`` as ``sys.exit(code)`` would, without the interpreter's teardown."""
    import os
    import sys

    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # the ordinary exit flushes again and reports it as it always has
        sys.exit(code)
    os._exit(code & 0xFF)  # as the ordinary exit gives it to the shell
