"""Importing a published 分解表 (.docx, .xlsx, .xls, .html, .csv, text) as a plan: import."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_FOUND
from .app import GongkaiCommand, found
from .options import arg, opt, say

import_app = typer.Typer(add_completion=False)


@import_app.command(name="import", cls=GongkaiCommand)
def import_(
    path: Annotated[
        str,
        arg(
            "分解表文件：.docx、.xlsx、.xls、.html、.csv、.tsv 或文本（.doc/.wps/.pdf 先另存为 .docx）",
            "PATH",
        ),
    ],
    output: Annotated[
        str | None, opt("--output", "-o", help="写出的计划文件（YAML）；不写时输出到标准输出", metavar="PATH")
    ] = None,
    year: Annotated[
        int | None,
        opt(
            "--year",
            help="年度；默认从文号〔YYYY〕或标题中识别，识别不到时必须指定",
            metavar="YYYY",
            min=1990,
            max=2200,
        ),
    ] = None,
    title: Annotated[str | None, opt("--title", help="分解表标题；默认从文件中识别", metavar="TEXT")] = None,
    doc_number: Annotated[
        str | None, opt("--doc-number", help="发文字号（文号）；默认从文件中识别", metavar="TEXT")
    ] = None,
    issuer: Annotated[str | None, opt("--issuer", help="发布机关；默认从文件中识别", metavar="TEXT")] = None,
    units_from: Annotated[
        str | None,
        opt(
            "--units-from",
            help="沿用这个计划的单位名录（类别、全称、别名、统称成员），用于同一地区的新年度；"
            "可写计划文件、已安装计划的名称或年份、内置",
            metavar="PLAN",
        ),
    ] = None,
    report: Annotated[
        str | None,
        opt("--report", help="把导入报告写到文件：.json 为 JSON，其他为 Markdown", metavar="PATH"),
    ] = None,
    install: Annotated[
        bool, opt("--install", help="同时安装为计划（gongkai plans 列出；最新年度的计划是默认计划）")
    ] = False,
    name: Annotated[
        str | None, opt("--name", help="安装时的计划名称；默认由年度和文号组成", metavar="NAME")
    ] = None,
    replace: Annotated[bool, opt("--replace", help="安装时替换同名的已安装计划")] = False,
) -> None:
    """把政府网站发布的分解表（Word、Excel、网页、CSV 或文本）转换为计划文件，并报告需要复核之处。

    退出码：0 全部识别；1 已写出计划，但有需要复核的地方（逐条列出行号）；3 没有可导入的内容；
    7 文件无法读取（空、加密、损坏、格式不对、过大）。
    示例：gongkai import 2024年分解表.docx -o 2024.yaml --report 导入报告.md
    """
    if (name or replace) and not install:
        raise typer.BadParameter("--name、--replace 只和 --install 一起用", param_hint="--install")
    from ..importers import import_table
    from ..importers.normalise import Meta
    from ..output.files import write_atomically
    from ..plan import load_plan, resolve_plan

    reference = load_plan(resolve_plan(units_from)) if units_from else None
    done = import_table(Path(path), Meta(year, title, doc_number, issuer), reference)
    if done.report.needs_review:
        found(EXIT_FOUND)
    if output:
        write_atomically(Path(output), done.yaml)
    elif not install:
        sys.stdout.write(done.yaml)
        sys.stdout.flush()
    if report:
        text = done.report.json() if report.lower().endswith(".json") else done.report.markdown()
        write_atomically(Path(report), text)
    for line in done.report.summary():
        say(line)
    if output:
        say(f"已写出 {output}；检查：gongkai validate {output}，查询：gongkai tasks --plan {output}")
    if install:
        from ..plan import install_plan

        entry = install_plan(Path(output) if output else done.plan, name, replace)
        what = entry.doc_number or entry.title
        say(f"已安装计划“{entry.name}”（{what}，{entry.rows} 行）：gongkai plans 列出；默认用最新年度的计划")
    if done.report.needs_review:
        raise typer.Exit(EXIT_FOUND)
