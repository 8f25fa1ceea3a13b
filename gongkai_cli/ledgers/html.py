"""The HTML progress page: one self-contained file, no network; everything from the data is escaped."""

from __future__ import annotations

import datetime as dt
import html

from ..queries import LIGHT_LABELS, StatusLine, is_placeholder, overdue_pairs
from . import STATUS_WORDS, Ledger, title_of, wanted

_CSS = """
:root{--red:#c0392b;--yellow:#d4a017;--green:#2e8b57;--line:#ddd}
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1100px;padding:12px;line-height:1.5;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid var(--line)}
.meta{color:#555;font-size:.9em}.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:90px}
.card b{display:block;font-size:1.4em}
.bar{background:#eee;border-radius:4px;height:12px;min-width:80px;position:relative}
.bar>span{display:block;height:100%;border-radius:4px;background:var(--green)}
td.lamp{white-space:nowrap}
.light{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:middle;margin-right:4px}
.red{background:var(--red)}.yellow{background:var(--yellow)}.green{background:var(--green)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid var(--line);padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f5f5f5}td.num{text-align:right;white-space:nowrap}.late{color:var(--red);font-weight:bold}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.filters input,.filters select{font-size:1em;padding:4px}
tr[hidden]{display:none}
"""

_JS = """
(function(){
  var rows=[].slice.call(document.querySelectorAll('#tasks tbody tr'));
  var q=document.getElementById('f-text'),u=document.getElementById('f-unit'),
      s=document.getElementById('f-status'),n=document.getElementById('f-count');
  function apply(){
    var text=q.value.trim(),unit=u.value,status=s.value,shown=0;
    rows.forEach(function(r){
      var ok=(!text||r.textContent.indexOf(text)>=0)
        &&(!unit||r.getAttribute('data-units').indexOf('|'+unit+'|')>=0)
        &&(!status||(status==='overdue'?r.getAttribute('data-overdue')==='1':
          status.indexOf('state:')===0?r.getAttribute('data-state')===status.slice(6):
          r.getAttribute('data-status')===status));
      r.hidden=!ok;if(ok)shown++;
    });
    n.textContent='显示 '+shown+' / '+rows.length+' 项';
  }
  var h=decodeURIComponent(location.hash.slice(1)).split('&');
  h.forEach(function(kv){var p=kv.split('=');if(p[0]==='unit')u.value=p[1]||'';
    if(p[0]==='status')s.value=p[1]||'';if(p[0]==='q')q.value=p[1]||'';});
  [q,u,s].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  apply();document.body.setAttribute('data-ready','1');
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bar(ratio: float) -> str:
    pct = int(ratio * 100)
    return (
        f'<div class="bar" role="progressbar" aria-valuenow="{pct}"><span style="width:{pct}%"></span></div>'
    )


def _light(light: str) -> str:
    return f'<span class="light {light}"></span>{_e(LIGHT_LABELS[light])}'


def _progress_table(lines: list[StatusLine], what: str) -> str:
    out = [f'<div class="scroll"><table><thead><tr><th>{_e(what)}</th><th>任务</th><th>已完成</th>'
           "<th>按时完成</th><th>逾期完成</th>"
           "<th>逾期</th><th>临近</th><th>进度</th><th>状态</th></tr></thead><tbody>"]  # fmt: skip
    for line in lines:
        out.append(
            f'<tr class="progress-row"><td>{_e(line.label)}</td><td class="num">{line.rows}</td>'
            f'<td class="num">{line.done}</td><td class="num">{line.done_on_time}</td>'
            f'<td class="num">{line.done_late}</td><td class="num">{line.overdue}</td>'
            f'<td class="num">{line.due_soon}</td>'
            f"<td>{_bar(line.ratio)} {int(line.ratio * 100)}%</td>"
            f'<td class="lamp">{_light(line.light)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _placeholder_table(lines: list[StatusLine]) -> str:
    """Open-ended phrases (待认领): rows a unit may claim, not units to chase for being late."""
    if not lines:
        return ""
    out = ['<h2>待认领</h2><p class="meta">开放式表述，不是具体单位：由实际承办的单位认领。</p>'
           '<div class="scroll"><table id="placeholders"><thead><tr><th>表述</th><th>任务</th>'
           "<th>已认领</th><th>待认领</th></tr></thead><tbody>"]  # fmt: skip
    for line in lines:
        out.append(
            f'<tr class="placeholder-row"><td>{_e(line.label)}</td><td class="num">{line.rows}</td>'
            f'<td class="num">{line.done}</td><td class="num">{line.open}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def to_html(ledger: Ledger) -> bytes:
    meta = ledger.plan.meta
    rows = ledger.rows
    done = sum(1 for r in rows if r.status == "done")
    done_late = sum(1 for r in rows if r.state == "done_late")
    late = sum(1 for r in rows if r.overdue)
    partial = sum(1 for r in rows if r.status == "partial")
    unit_lines = ledger.units_lines()
    unit_names = sorted({u for r in rows for u in (*r.done_units, *r.pending_units)})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title_of(ledger))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title_of(ledger))}</h1>",
        f'<p class="meta">{_e(meta.doc_number)} · {_e(meta.issuer)} · 截至 {ledger.as_of.isoformat()}'
        f" · 生成于 {dt.date.today().isoformat()}</p>",
        '<div class="cards">',
        f'<div class="card">任务<b>{len(rows)}</b></div><div class="card">已完成<b>{done}</b></div>',
        f'<div class="card">其中逾期完成<b>{done_late}</b></div>'
        f'<div class="card">部分完成<b>{partial}</b></div>'
        f'<div class="card">逾期未完成<b class="late">{late}</b></div></div>',
        "<h2>各部分进度</h2>",
        _progress_table(ledger.part_lines(), "部分"),
        "<h2>各单位进度</h2>",
        _progress_table([line for line in unit_lines if not line.placeholder], "单位"),
        _placeholder_table([line for line in unit_lines if line.placeholder]),
        "<h2>逾期未完成</h2>",
    ]
    pairs = [
        p
        for p in overdue_pairs(ledger.plan, ledger.directory, ledger.completion, ledger.as_of)
        if wanted(ledger, p.unit) and not is_placeholder(ledger.directory, p.unit)
    ]
    if pairs:
        parts.append('<div class="scroll"><table id="overdue"><thead><tr><th>单位</th><th>编号</th>'
                     '<th>具体要求</th>'
                     "<th>完成时限</th><th>逾期天数</th></tr></thead><tbody>")  # fmt: skip
        for p in pairs:
            parts.append(
                f'<tr><td>{_e(p.unit)}</td><td class="num">{p.task.id}</td><td>{_e(p.task.requirement)}</td>'
                f'<td>{_e(p.task.deadline.shown)}</td><td class="num late">{p.days}</td></tr>'
            )
        parts.append("</tbody></table></div>")
    else:
        parts.append("<p>没有。</p>")
    parts += [
        "<h2>全部任务</h2>",
        '<div class="filters"><input id="f-text" type="search" placeholder="查找具体要求、单位……">',
        '<select id="f-unit"><option value="">全部单位</option>',
        *(f'<option value="{_e(u)}">{_e(u)}</option>' for u in unit_names),
        '</select><select id="f-status"><option value="">全部状态</option>'
        '<option value="open">未开始</option>'
        '<option value="partial">部分完成</option><option value="done">已完成</option>'
        '<option value="overdue">逾期</option><option value="state:done">按时完成</option>'
        '<option value="state:done_late">逾期完成</option><option value="state:ongoing">持续推进</option>'
        '</select><span id="f-count"></span></div>',
        '<div class="scroll"><table id="tasks"><thead><tr><th>编号</th><th>工作任务</th><th>责任单位</th>'
        "<th>具体要求</th><th>完成时限</th><th>完成情况</th><th>佐证材料</th></tr></thead><tbody>",
    ]
    for row in rows:
        task = row.task
        units = "|" + "|".join((*row.done_units, *row.pending_units)) + "|"
        state = (
            STATUS_WORDS[row.status]
            + f"（{len(row.done_units)}/{len(row.done_units) + len(row.pending_units)}）"
            + f" {row.state_label}"
        )
        evidence = "<br>".join(f"{_e(unit)}：{_e(note)}" for unit, note in row.evidence)
        parts.append(
            f'<tr data-units="{_e(units)}" data-status="{row.status}" data-overdue="{int(row.overdue)}"'
            f' data-state="{row.state}">'
            f'<td class="num">{task.id}</td><td>{_e(row.section_label)}</td><td>{_e(row.units_text)}</td>'
            f"<td>{_e(task.requirement)}</td><td>{_e(task.deadline.shown)}<br>"
            f"{task.deadline.date.isoformat() if task.deadline.date else '无截止日期'}</td>"
            f'<td class="{"late" if row.overdue else ""}">{_e(state)}{"<br>逾期" if row.overdue else ""}</td>'
            f"<td>{evidence}</td></tr>"
        )
    parts += ["</tbody></table></div>", f"<script>{_JS}</script></body></html>"]
    return "\n".join(parts).encode("utf-8")
