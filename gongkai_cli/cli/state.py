"""The state: where completion marks are kept."""

import sys

import typer

from .app import GongkaiCommand, GongkaiGroup
from .options import StateOpt, say

state_app = typer.Typer(cls=GongkaiGroup, no_args_is_help=True, help="状态文件的位置。")


@state_app.callback()
def state() -> None:
    """状态文件的位置。"""


@state_app.command("path", cls=GongkaiCommand)
def state_path_command(state_file: StateOpt = None) -> None:
    """显示状态文件的位置（--state、GONGKAI_STATE 或用户数据目录）。

    示例：gongkai state path
    """
    from ..store import state_path

    path = state_path(state_file)
    sys.stdout.write(f"{path}\n")
    if not path.exists():
        say("（文件还不存在，第一次标记完成时创建）")
