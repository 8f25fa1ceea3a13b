"""``--help`` pages in Chinese, drawn with grid.py.

The framework's own help renderer imports Rich (~45 ms, python -X importtime, 2026-11), more than
gongkai's own share of start-up; this draws the same panels (usage, description, 参数, 选项, 命令)
from the command's parameters, and wraps Chinese text properly.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from .grid import Column, Painter, Table, painter_for, panel, terminal_width, wrap

MAX_WIDTH = 100


def _paragraphs(text: str) -> list[str]:
    text = inspect.cleandoc(text or "").split("\f")[0]
    out = []
    for para in text.split("\n\n"):
        if para.startswith("\b"):
            out.append(para.strip("\b\n"))
        else:
            out.append(" ".join(line.strip() for line in para.splitlines()).strip())
    return [p for p in out if p]


def _argument_name(param: Any) -> str:
    return str(param.metavar or (param.name or "").upper())


def _indented(text: str, width: int) -> list[str]:
    return [" " + text[a:b] for a, b in wrap(text, width - 2)]


def _usage(cmd: Any, ctx: Any) -> str:
    pieces = [ctx.command_path, "[选项]"]
    for param in cmd.get_params(ctx):
        if param.param_type_name != "argument":
            continue
        name = _argument_name(param)
        if param.nargs == -1:
            name += "..."
        pieces.append(name if param.required else f"[{name}]")
    if hasattr(cmd, "list_commands"):
        pieces.append("命令 [参数]...")
    return "用法: " + " ".join(pieces)


def _param_help(param: Any) -> str:
    text = " ".join(_paragraphs(getattr(param, "help", None) or ""))
    extra = []
    default = getattr(param, "default", None)
    if (
        param.param_type_name == "option"
        and not getattr(param, "is_flag", False)
        and getattr(param, "show_default", False)
        and default not in (None, "", ())
        and not callable(default)
    ):
        extra.append(f"[默认: {default}]")
    if param.required:
        extra.append("[必填]")
    return "\n".join([text, " ".join(extra)]) if extra and text else (text or " ".join(extra))


def _panel(title: str, table: Table, width: int, paint: Painter) -> list[str]:
    return panel(title, table.render(width - 4, paint), width)


def render_help(cmd: Any, ctx: Any) -> str:
    stream = sys.stdout
    width = min(terminal_width(stream), MAX_WIDTH)
    paint = painter_for(stream)
    lines = ["", " " + paint(((_usage(cmd, ctx), "bold"),)), ""]
    for para in _paragraphs(cmd.help or ""):
        lines += [*_indented(para, width), ""]

    params = [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name == "option"]
    if arguments:
        table = Table([Column("", wrap=False), Column("", ratio=1)], box=False)
        for p in arguments:
            table.add_row(((_argument_name(p), "bold"),), _param_help(p))
        lines += _panel("参数", table, width, paint)
    if options:
        table = Table(
            [Column("", wrap=False), Column("", wrap=False), Column("", wrap=False), Column("", ratio=1)],
            box=False,
        )
        for p in options:
            names = [*p.opts, *p.secondary_opts]
            long = ", ".join(n for n in names if n.startswith("--"))
            short = ", ".join(n for n in names if not n.startswith("--"))
            metavar = "" if getattr(p, "is_flag", False) else (p.metavar or p.type.name.upper())
            table.add_row(((long, "bold"),), ((short, "bold"),), metavar, _param_help(p))
        lines += _panel("选项", table, width, paint)
    if hasattr(cmd, "list_commands"):
        table = Table([Column("", wrap=False), Column("", ratio=1)], box=False)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            summary = _paragraphs(sub.short_help or sub.help or "")
            table.add_row(((name, "bold"),), summary[0] if summary else "")
        if table.rows:
            lines += _panel("命令", table, width, paint)
    for para in _paragraphs(getattr(cmd, "epilog", None) or ""):
        lines += _indented(para, width)
    return "\n".join(lines)
