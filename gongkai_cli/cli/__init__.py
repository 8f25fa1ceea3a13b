"""The command line: a thin shell over the library (parse, call, render, exit)."""

from .app import app, entry

__all__ = ["app", "entry"]
