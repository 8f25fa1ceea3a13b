"""The ``gongkai`` console script and ``python -m gongkai_cli``: process settings, then the CLI.

A run lives for a second at most and builds acyclic data, so the cyclic garbage collector only
re-scans a growing heap: switched off before anything else is imported, it saves ~4 ms of the
framework's own import (7% of start-up) and, at 50,000 rows, nearly half of ``gongkai due``
(bench/README.md). Reference counting still frees everything as usual. Library users and the tests
import ``gongkai_cli.cli`` directly and keep the collector.

When the command is over, the process ends at once (``os._exit``) instead of tearing the interpreter
down: freeing every module and object one by one, and a last collection over the whole heap, is
work nobody sees (~5 ms, a tenth of a short command; bench/README.md). By then every file gongkai
wrote is closed and renamed into place and every state store is closed (each is used in a ``with``
block), so nothing is left to tear down but memory; stdout and stderr are flushed here first. Should
that flush fail, or a profiler, tracer or coverage tool be watching (they report at the ordinary
exit), the ordinary exit runs.
"""

import gc
import os
import sys

gc.disable()

INTERRUPTED = "错误：已中断\n"


def main() -> None:
    try:
        from .cli import entry

        try:
            entry()
            code: object = 0
        except SystemExit as exc:
            code = exc.code
        _exit(code)
    except KeyboardInterrupt:  # Ctrl-C while Python imports, or as the command ends: the same line
        sys.stderr.write(INTERRUPTED)
        sys.exit(130)


def _exit(code: object) -> None:
    """Exit with ``code`` as ``sys.exit(code)`` would, without the interpreter's teardown."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    if _observed():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader has gone (`gongkai --version | true`): nothing to report
        pass
    except Exception:  # the ordinary exit flushes again and reports it as it always has
        sys.exit(code)
    os._exit(code & 0xFF)  # as the ordinary exit gives it to the shell


def _observed() -> bool:
    """Whether a profiler, tracer or coverage tool is attached (``python -m cProfile -m gongkai_cli``)."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: cProfile and coverage may use it
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))
