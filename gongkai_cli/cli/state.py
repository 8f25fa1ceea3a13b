"""The state: where completion marks are kept, and setting up a shared PostgreSQL database."""

import sys
from typing import Annotated

import typer

from .app import PANEL_COMMANDS, GongkaiCommand, GongkaiGroup
from .options import PlanOpt, StateOpt, UnitsOpt, arg, opt, say, workspace

state_app = typer.Typer(
    cls=GongkaiGroup, no_args_is_help=True, add_completion=False, help="状态文件的位置；全区共用的数据库。"
)


@state_app.callback()
def state() -> None:
    """状态文件的位置；全区共用的数据库。"""


@state_app.command("path", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def state_path_command(state_file: StateOpt = None) -> None:
    """显示状态文件的位置（--state、GONGKAI_STATE 或用户数据目录）；数据库地址中的密码显示为 ***。

    示例：gongkai state path
    """
    from pathlib import Path

    from ..store import shown_target, state_target

    target = state_target(state_file)
    if not isinstance(target, Path):
        sys.stdout.write(f"{shown_target(target)}\n")
        return
    sys.stdout.write(f"{target}\n")
    if not target.exists():
        say("（文件还不存在，第一次标记完成时创建）")


@state_app.command("init", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def state_init(
    print_sql: Annotated[
        bool, opt("--print-sql", help="不连接数据库，只输出建表的 SQL，供数据库管理员自己用 psql 执行")
    ] = False,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """在全区共用的 PostgreSQL 数据库中建立（或升级）gongkai 的表；可重复运行。

    表属于不能登录的角色 gongkai_owner；完成历史由数据库的触发器写入，任何人都不能修改或删除。
    需要数据库管理员（超级用户）的账号。同时载入（或更新）计划（--plan）的任务–单位对，作为只读的参考数据。

    示例：gongkai state init --state postgresql://dba@db.example/gongkai --plan tasks-2024.yaml
    """
    ws = workspace(plan_file, state_file)
    if print_sql:
        from ..store import schema_sql

        sys.stdout.write(schema_sql(ws.plan.meta.identity, ws.reference_pairs()))
        return
    result = ws.init_state()
    before = result["upgraded_from"]
    done = (
        "已是最新"
        if before == result["schema_version"]
        else ("已建立" if not before else f"已从 {before} 升级")
    )
    say(f"数据库中 gongkai 的表{done}（格式版本 {result['schema_version']}）：{result['location']}")
    if result["pairs"] is not None:
        say(f"已载入计划 {result['plan']} 的 {result['pairs']} 个任务–单位对")


ROLE_HELP = "数据库登录账号（先由管理员用 CREATE ROLE 建好，能登录）"


@state_app.command("grant", cls=GongkaiCommand, rich_help_panel=PANEL_COMMANDS)
def state_grant(
    role: Annotated[str, arg(ROLE_HELP, "ROLE")],
    unit: UnitsOpt = None,
    coordinator: Annotated[bool, opt("--coordinator", help="协调人：可为任何单位标记")] = False,
    plan_file: PlanOpt = None,
    state_file: StateOpt = None,
) -> None:
    """允许一个数据库账号为本单位标记（--unit，可重复），或作为协调人为所有单位标记。

    由数据库自己执行（行级安全策略和触发器）：联络员只能标记、撤销本单位的记录，可以查看全部。

    示例：gongkai state grant li_jiaoti --unit 区教体局
    """
    result = workspace(plan_file, state_file).grant_state(role, unit, coordinator)
    what = (
        "可为任何单位标记（协调人）" if result["coordinator"] else f"可为 {'、'.join(result['units'])} 标记"
    )
    say(f"已授权：账号 {result['role']} {what}")
    if not result["can_login"]:
        say(f"注意：账号 {result['role']} 不能登录（NOLOGIN），请管理员 ALTER ROLE … LOGIN")
