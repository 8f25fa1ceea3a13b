"""The review report of one import: what was read, what was recognised, every judgement call.

Three renderings of one record: a short summary for stderr, Markdown and JSON for ``--report``.
Items that need a person's review (``review``) make ``gongkai import`` exit 1; notes do not.
"""

from __future__ import annotations

import json
from typing import Any


class ImportReport:
    def __init__(self, source: str, kind: str) -> None:
        self.source = source
        self.kind = kind
        self.table = ""
        self.header_row = 0
        self.columns: list[dict[str, Any]] = []
        self.rows_read = 0
        self.rows_blank = 0
        self.tasks_written = 0
        self.levels = 0
        self.parts = 0
        self.sections = 0
        self.meta: dict[str, Any] = {}
        self.units_new: list[str] = []
        self.units_known: list[str] = []
        self.groups: list[str] = []
        self.open_ended: list[str] = []
        self.deadlines_unknown: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []  # {"row", "what", "text", "review"}
        self.skipped: list[dict[str, Any]] = []

    # -- recording ------------------------------------------------------------------------------

    def review(self, row: int, what: str, text: str = "") -> None:
        """A judgement a person should check; the plan is written anyway."""
        self.items.append({"row": row or None, "what": what, "text": text, "review": True})

    def note(self, row: int, what: str, review: bool = False) -> None:
        self.items.append({"row": row or None, "what": what, "text": "", "review": review})

    def skip(self, row: int, reason: str) -> None:
        self.skipped.append({"row": row, "reason": reason})

    def deadline_unknown(self, row: int, text: str, used: str) -> None:
        self.deadlines_unknown.append({"row": row, "text": text, "used": used})
        self.review(row, f"完成时限“{text}”无法识别，暂按 {used} 处理", text)

    def deadline_judgement(self, row: int, text: str, note: str) -> None:
        self.review(row, f"完成时限“{text}”：{note}", text)

    # -- reading --------------------------------------------------------------------------------

    @property
    def to_review(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["review"]]

    @property
    def needs_review(self) -> bool:
        return bool(self.to_review)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "table": self.table,
            "header_row": self.header_row,
            "columns": self.columns,
            "rows_read": self.rows_read,
            "rows_blank": self.rows_blank,
            "tasks_written": self.tasks_written,
            "heading_levels": self.levels,
            "parts": self.parts,
            "sections": self.sections,
            "plan": self.meta,
            "units": {
                "recognised": self.units_known,
                "new": self.units_new,
                "groups": self.groups,
                "open_ended": self.open_ended,
            },
            "deadlines_not_understood": self.deadlines_unknown,
            "review": self.to_review,
            "notes": [i for i in self.items if not i["review"]],
            "skipped": self.skipped,
            "needs_review": self.needs_review,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    def summary(self, limit: int = 20) -> list[str]:
        """Lines for stderr: the counts, the columns, and the first items to review."""
        columns = "，".join(f"“{c['header']}”→{c['role_label']}" for c in self.columns)
        out = [
            f"读取 {self.source}（{self.table}，表头在第 {self.header_row} 行）：{self.rows_read} 行，"
            f"导入 {self.tasks_written} 项任务（{self.parts} 个部分，{self.sections} 项工作任务）",
            f"识别的列：{columns}",
            (f"单位：名录中已有 {len(self.units_known)} 个，" if self.units_known else "单位：")
            + f"新增 {len(self.units_new)} 个（类别待定），统称 {len(self.groups)} 个"
            + (f"（其中开放式 {len(self.open_ended)} 个）" if self.open_ended else ""),
        ]
        items = self.to_review
        if not items:
            out.append("全部内容均已识别，无需复核。")
            return out
        out.append(f"需要复核 {len(items)} 处：")
        for item in items[:limit]:
            out.append("  " + _item_line(item))
        if len(items) > limit:
            out.append(f"  ……另有 {len(items) - limit} 处，用 --report 文件查看全部")
        return out

    def markdown(self) -> str:
        d = self.as_dict()
        out = [
            "# 导入报告",
            "",
            f"- 来源：`{self.source}`（{self.kind}），{self.table}，表头在第 {self.header_row} 行",
            f"- 读取 {self.rows_read} 行（空行 {self.rows_blank}），导入 {self.tasks_written} 项任务",
            f"- 标题层级：{self.levels} 级；{self.parts} 个部分，{self.sections} 项工作任务",
            "",
            "## 计划信息",
            "",
        ]
        out += [f"- {k}：{v}" for k, v in self.meta.items()]
        out += ["", "## 识别的列", "", "| 列 | 表头 | 用作 |", "|---|---|---|"]
        out += [f"| {c['column']} | {_md(c['header'])} | {c['role_label']} |" for c in self.columns]
        units = d["units"]
        out += ["", "## 单位", ""]
        out.append(f"- 名录中已有：{'、'.join(units['recognised']) or '无'}")
        out.append(f"- 新增（类别待定，kind: unknown）：{'、'.join(units['new']) or '无'}")
        out.append(f"- 统称：{'、'.join(units['groups']) or '无'}")
        out.append(f"- 开放式表述：{'、'.join(units['open_ended']) or '无'}")
        out += ["", "## 需要复核", ""]
        out += [f"- {_item_line(i)}" for i in self.to_review] or ["无"]
        notes = d["notes"]
        if notes:
            out += ["", "## 说明", ""]
            out += [f"- {_item_line(i)}" for i in notes]
        if self.skipped:
            out += ["", "## 跳过的行", ""]
            out += [f"- 第 {s['row']} 行：{s['reason']}" for s in self.skipped]
        return "\n".join(out) + "\n"


def _item_line(item: dict[str, Any]) -> str:
    where = f"第 {item['row']} 行：" if item["row"] else ""
    return where + item["what"]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
