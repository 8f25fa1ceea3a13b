"""The HTML progress page: one self-contained file, no network; everything from the data is escaped.

What a leader reads: the cards, progress by part and by unit, the 待认领 phrases apart, the overdue
list, the 按时/逾期完成 list, and every task. The unit filter (the select, or ``#unit=教体局`` in the
address, names and aliases as the CLI accepts them) applies to the whole page: the cards and the part
table are recounted for that unit's own parts, the lists and the task table keep its rows. Without
JavaScript the page shows everything. Printed, it is A4 landscape without the filter controls, the
tables' headers repeated on each page.

Column widths: each column has a minimum in characters (no 4-character 工作任务 column on a phone,
where the table scrolls sideways instead); unit names are ``nowrap`` spans, so a name never breaks in
the middle; 佐证材料 and the other short columns are only as wide as what they hold.
"""

from __future__ import annotations

import datetime as dt
import html
import json

from ..queries import DONE_LATE, LIGHT_LABELS, STATE_LABELS, StatusLine, is_placeholder, overdue_pairs
from . import STATUS_WORDS, Ledger, Row, title_of, wanted

_CSS = """
:root{--red:#c0392b;--yellow:#d4a017;--green:#2e8b57;--line:#ccc}
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1280px;padding:12px;line-height:1.5;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid var(--line)}
.meta{color:#555;font-size:.9em}.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:90px}
.card b{display:block;font-size:1.4em}
.bar{background:#eee;border-radius:4px;height:12px;min-width:80px;position:relative}
.bar>span{display:block;height:100%;border-radius:4px;background:var(--green)}
.light{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:middle;margin-right:4px}
.red{background:var(--red)}.yellow{background:var(--yellow)}.green{background:var(--green)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid var(--line);padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3;white-space:nowrap}
td.num{text-align:right;white-space:nowrap}.late{color:var(--red);font-weight:bold}
.nowrap,.u,td.lamp,td.when,td.state,td.who{white-space:nowrap}
td.task{min-width:8em;width:9em}td.units{min-width:8em;width:14em}td.req{min-width:16em}
td.note{min-width:6em;max-width:16em}
td.prog,td.when,td.state{min-width:6em}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0;align-items:center}
.filters input,.filters select{font-size:1em;padding:4px}
.notice{color:var(--red)}
[hidden]{display:none!important}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{max-width:none;padding:0 2px;font-size:10pt}
  .filters,.noprint{display:none!important}
  .scroll{overflow:visible}
  thead{display:table-header-group}
  tr{break-inside:avoid}
  h2{break-after:avoid}
  .bar,.light,td.state.late{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

_JS = """
(function(){
  var data=JSON.parse(document.getElementById('gk-data').textContent);
  function $(id){return document.getElementById(id);}
  function all(sel){return [].slice.call(document.querySelectorAll(sel));}
  var rows=all('#tasks tbody tr'),q=$('f-text'),u=$('f-unit'),s=$('f-status'),n=$('f-count'),note=$('f-note');
  function norm(t){t=t||'';try{t=t.normalize('NFKC');}catch(e){}return t.replace(/\\s+/g,'');}
  function canon(t){var k=norm(t);return data.aliases[k]||k;}
  function states(r){var out={};(r.getAttribute('data-ustates')||'').split('|').forEach(function(p){
    var i=p.lastIndexOf(':');if(i>0)out[p.slice(0,i)]=p.slice(i+1);});return out;}
  function has(r,unit){return r.getAttribute('data-units').indexOf('|'+unit+'|')>=0;}
  function pct(a,b){return b?Math.floor(a*100/b):100;}
  function cards(unit){
    var c={rows:0,done:0,late:0,partial:0,overdue:0};
    rows.forEach(function(r){if(!has(r,unit))return;var st=states(r)[unit];c.rows++;
      if(st==='done'||st==='done_late')c.done++;if(st==='done_late')c.late++;
      if(r.getAttribute('data-status')==='partial')c.partial++;if(st==='overdue')c.overdue++;});
    return c;
  }
  function setCards(unit){
    var c=unit?cards(unit):null;
    all('[data-card]').forEach(function(el){var k=el.getAttribute('data-card');
      el.textContent=c?c[k]:el.getAttribute('data-all');});
  }
  function setParts(unit){
    all('#parts tbody tr').forEach(function(tr){
      var part=tr.getAttribute('data-part'),c={rows:0,done:0,ontime:0,late:0,overdue:0,soon:0};
      if(unit){rows.forEach(function(r){if(r.getAttribute('data-part')!==part||!has(r,unit))return;
        var st=states(r)[unit];c.rows++;if(st==='done'||st==='done_late')c.done++;
        if(st==='done')c.ontime++;if(st==='done_late')c.late++;if(st==='overdue')c.overdue++;
        if(r.getAttribute('data-soon')==='1'&&st!=='done'&&st!=='done_late')c.soon++;});}
      tr.hidden=!!unit&&!c.rows;
      [].slice.call(tr.querySelectorAll('[data-n]')).forEach(function(td){var k=td.getAttribute('data-n');
        if(!td.hasAttribute('data-all'))td.setAttribute('data-all',td.textContent);
        td.textContent=unit?(k==='pct'?pct(c.done,c.rows)+'%':c[k]):td.getAttribute('data-all');});
      var bar=tr.querySelector('.bar>span');
      var p=unit?pct(c.done,c.rows):+bar.parentNode.getAttribute('aria-valuenow');
      bar.style.width=p+'%';
    });
  }
  function apply(){
    var text=q.value.trim(),status=s.value,unit=u.value,shown=0;
    rows.forEach(function(r){
      var st=unit?states(r)[unit]:r.getAttribute('data-state');
      var ok=(!text||r.textContent.indexOf(text)>=0)&&(!unit||has(r,unit))
        &&(!status||(status==='overdue'?(unit?st==='overdue':r.getAttribute('data-overdue')==='1'):
          status.indexOf('state:')===0?st===status.slice(6):
          r.getAttribute('data-status')===status));
      r.hidden=!ok;if(ok)shown++;
    });
    n.textContent='显示 '+shown+' / '+rows.length+' 项';
    all('tr[data-unit]').forEach(function(tr){tr.hidden=!!unit&&tr.getAttribute('data-unit')!==unit;});
    all('.unit-only').forEach(function(el){el.hidden=!!unit;});
    all('[data-empty-for]').forEach(function(el){var t=$(el.getAttribute('data-empty-for'));
      el.hidden=!t||[].slice.call(t.querySelectorAll('tbody tr')).some(function(tr){return !tr.hidden;});});
    setCards(unit);setParts(unit);
    $('scope').textContent=unit?'（'+unit+'）':'';
  }
  function pick(value){
    var name=canon(value);
    var known=[].slice.call(u.options).some(function(o){return o.value===name;});
    u.value=known?name:'';note.textContent=known||!value?'':'未知单位：'+value;
  }
  var hash=location.hash.slice(1);
  hash.split('&').forEach(function(kv){
    var i=kv.indexOf('=');if(i<0)return;var k=kv.slice(0,i),v=kv.slice(i+1);
    try{v=decodeURIComponent(v.replace(/\\+/g,' '));}catch(e){v='';}
    if(k==='unit')pick(v);if(k==='status')s.value=v;if(k==='q')q.value=v;
  });
  [q,u,s].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  u.addEventListener('change',function(){note.textContent='';});
  apply();document.body.setAttribute('data-ready','1');
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _units(names: list[str] | tuple[str, ...]) -> str:
    """Unit names, each unbreakable, with a break allowed after each 、."""
    return "、<wbr>".join(f'<span class="u">{_e(n)}</span>' for n in names)


def _units_text(text: str) -> str:
    return _units(text.split("、"))


def _bar(ratio: float) -> str:
    pct = int(ratio * 100)
    return (
        f'<div class="bar" role="progressbar" aria-valuenow="{pct}"><span style="width:{pct}%"></span></div>'
    )


def _light(light: str) -> str:
    return f'<span class="light {light}"></span>{_e(LIGHT_LABELS[light])}'


def _progress_table(lines: list[StatusLine], what: str, table_id: str, unit_rows: bool) -> str:
    out = [f'<div class="scroll"><table id="{table_id}"><thead><tr><th>{_e(what)}</th><th>任务</th>'
           "<th>已完成</th><th>按时完成</th><th>逾期完成</th>"
           "<th>逾期</th><th>临近</th><th>进度</th><th>状态</th></tr></thead><tbody>"]  # fmt: skip
    for line in lines:
        key = f' data-unit="{_e(line.key)}"' if unit_rows else f' data-part="{_e(line.key)}"'
        name = (
            f'<td class="who">{_e(line.label)}</td>'
            if unit_rows
            else f'<td class="task">{_e(line.label)}</td>'
        )
        out.append(
            f'<tr class="progress-row"{key}>{name}<td class="num" data-n="rows">{line.rows}</td>'
            f'<td class="num" data-n="done">{line.done}</td>'
            f'<td class="num" data-n="ontime">{line.done_on_time}</td>'
            f'<td class="num" data-n="late">{line.done_late}</td>'
            f'<td class="num" data-n="overdue">{line.overdue}</td>'
            f'<td class="num" data-n="soon">{line.due_soon}</td>'
            f'<td class="prog">{_bar(line.ratio)} <span data-n="pct">{int(line.ratio * 100)}%</span></td>'
            f'<td class="lamp">{_light(line.light)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _placeholder_table(lines: list[StatusLine]) -> str:
    """Open-ended phrases (待认领): rows a unit may claim, not units to chase for being late."""
    if not lines:
        return ""
    out = ['<div class="unit-only"><h2>待认领</h2>'
           '<p class="meta">开放式表述，不是具体单位：由实际承办的单位认领。</p>'
           '<div class="scroll"><table id="placeholders"><thead><tr><th>表述</th><th>任务</th>'
           "<th>已认领</th><th>待认领</th></tr></thead><tbody>"]  # fmt: skip
    for line in lines:
        out.append(
            f'<tr class="placeholder-row"><td class="who">{_e(line.label)}</td>'
            f'<td class="num">{line.rows}</td>'
            f'<td class="num">{line.done}</td><td class="num">{line.open}</td></tr>'
        )
    out.append("</tbody></table></div></div>")
    return "".join(out)


def _done_table(ledger: Ledger) -> str:
    """按时/逾期完成: each finished (row, unit) part, with when and whether on time."""
    done = [
        (s, row)
        for row in ledger.rows
        for s in row.states
        if s.done_on is not None
        and s.state in ("done", DONE_LATE)
        and wanted(ledger, s.unit)
        and not is_placeholder(ledger.directory, s.unit)
    ]
    if not done:
        return "<p>还没有完成的事项。</p>"
    done.sort(key=lambda p: (p[0].state != DONE_LATE, p[0].unit, p[1].task.id))
    out = ['<div class="scroll"><table id="done"><thead><tr><th>单位</th><th>编号</th><th>具体要求</th>'
           "<th>完成时限</th><th>完成日期</th><th>时效</th></tr></thead><tbody>"]  # fmt: skip
    for s, row in done:
        task = row.task
        assert s.done_on is not None
        late = ""
        if s.state == DONE_LATE and task.deadline.date is not None and s.done_on is not None:
            late = f"（晚 {(s.done_on - task.deadline.date).days} 天）"
        cls = "state late" if s.state == DONE_LATE else "state"
        out.append(
            f'<tr data-unit="{_e(s.unit)}" data-done="{s.state}"><td class="who">{_e(s.unit)}</td>'
            f'<td class="num">{task.id}</td><td class="req">{_e(task.requirement)}</td>'
            f'<td class="when">{_e(task.deadline.shown)}</td><td class="when">{s.done_on.isoformat()}</td>'
            f'<td class="{cls}">{_e(STATE_LABELS[s.state])}{late}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _task_row(ledger: Ledger, row: Row) -> str:
    task = row.task
    units = "|" + "|".join((*row.done_units, *row.pending_units)) + "|"
    ustates = "|".join(f"{s.unit}:{s.state}" for s in row.states)
    total = len(row.done_units) + len(row.pending_units)
    soon = (
        task.deadline.date is not None
        and row.status != "done"
        and 0 <= (task.deadline.date - ledger.as_of).days <= ledger.window
    )
    evidence = "<br>".join(f'<span class="u">{_e(unit)}</span>：{_e(note)}' for unit, note in row.evidence)
    when = task.deadline.date.isoformat() if task.deadline.date else "无截止日期"
    return (
        f'<tr data-units="{_e(units)}" data-ustates="{_e(ustates)}" data-status="{row.status}"'
        f' data-overdue="{int(row.overdue)}" data-state="{row.state}" data-part="{task.part}"'
        f' data-soon="{int(soon)}">'
        f'<td class="num">{task.id}</td><td class="task">{_e(row.section_label)}</td>'
        f'<td class="units">{_units_text(row.units_text)}</td>'
        f'<td class="req">{_e(task.requirement)}</td>'
        f'<td class="when">{_e(task.deadline.shown)}<br>{when}</td>'
        f'<td class="{"state late" if row.overdue else "state"}">{_e(STATUS_WORDS[row.status])}'
        f"（{len(row.done_units)}/{total}）<br>{_e(row.state_label)}</td>"
        f'<td class="note">{evidence}</td></tr>'
    )


def to_html(ledger: Ledger) -> bytes:
    meta = ledger.plan.meta
    rows = ledger.rows
    done = sum(1 for r in rows if r.status == "done")
    done_late = sum(1 for r in rows if r.state == "done_late")
    late = sum(1 for r in rows if r.overdue)
    partial = sum(1 for r in rows if r.status == "partial")
    unit_lines = ledger.units_lines()
    placeholder = {line.key for line in unit_lines if line.placeholder}
    unit_names = sorted({u for r in rows for u in (*r.done_units, *r.pending_units)} - placeholder)
    aliases = {
        key: name for key, name in ledger.directory.lookup_keys().items() if name in ledger.directory.units
    }
    blob = json.dumps({"aliases": aliases}, ensure_ascii=False).replace("<", "\\u003c")
    cards = (
        ("任务", "rows", len(rows), ""),
        ("已完成", "done", done, ""),
        ("其中逾期完成", "late", done_late, ""),
        ("部分完成", "partial", partial, ""),
        ("逾期未完成", "overdue", late, ' class="late"'),
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title_of(ledger))}</title><style>{_CSS}</style></head><body>",
        f'<h1>{_e(title_of(ledger))}<span id="scope"></span></h1>',
        f'<p class="meta">{_e(meta.doc_number)} · {_e(meta.issuer)} · 截至 {ledger.as_of.isoformat()}'
        f" · 生成于 {dt.date.today().isoformat()}</p>",
        '<div class="filters"><input id="f-text" type="search" placeholder="查找具体要求、单位……">',
        '<select id="f-unit"><option value="">全部单位</option>',
        *(f'<option value="{_e(u)}">{_e(u)}</option>' for u in unit_names),
        '</select><select id="f-status"><option value="">全部状态</option>'
        '<option value="open">未开始</option>'
        '<option value="partial">部分完成</option><option value="done">已完成</option>'
        '<option value="overdue">逾期</option><option value="state:done">按时完成</option>'
        '<option value="state:done_late">逾期完成</option><option value="state:ongoing">持续推进</option>'
        '</select><span id="f-count"></span><span id="f-note" class="notice"></span></div>',
        '<div class="cards">',
        *(
            f'<div class="card">{label}<b{cls} data-card="{key}" data-all="{value}">{value}</b></div>'
            for label, key, value, cls in cards
        ),
        "</div>",
        "<h2>各部分进度</h2>",
        _progress_table(ledger.part_lines(), "部分", "parts", False),
        "<h2>各单位进度</h2>",
        _progress_table([line for line in unit_lines if not line.placeholder], "单位", "units", True),
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
                f'<tr data-unit="{_e(p.unit)}"><td class="who">{_e(p.unit)}</td>'
                f'<td class="num">{p.task.id}</td>'
                f'<td class="req">{_e(p.task.requirement)}</td>'
                f'<td class="when">{_e(p.task.deadline.shown)}</td><td class="num late">{p.days}</td></tr>'
            )
        parts.append('</tbody></table></div><p data-empty-for="overdue" hidden>没有。</p>')
    else:
        parts.append("<p>没有。</p>")
    parts += [
        "<h2>按时/逾期完成</h2>",
        _done_table(ledger),
        '<p data-empty-for="done" hidden>没有。</p>',
        "<h2>全部任务</h2>",
        '<div class="scroll"><table id="tasks"><thead><tr><th>编号</th><th>工作任务</th><th>责任单位</th>'
        "<th>具体要求</th><th>完成时限</th><th>完成情况</th><th>佐证材料</th></tr></thead><tbody>",
        *(_task_row(ledger, row) for row in rows),
        "</tbody></table></div>",
        f'<script type="application/json" id="gk-data">{blob}</script>',
        f"<script>{_JS}</script></body></html>",
    ]
    return "\n".join(parts).encode("utf-8")
