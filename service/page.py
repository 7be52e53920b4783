"""The brief as one HTML page: brief sentences linked to the article text they come from, side by side.

One self-contained document (inline CSS and JavaScript, no other asset): `summarize --format html`
writes it, the API answers it for `Accept: text/html`, and `newsbrief serve` shows it at `/` with a
form. Hovering or focusing a brief sentence, a quote or a disagreement highlights its words in the
articles: a brief sentence in its own article and, in every other article that supports it, the
sentence most like it (`support_refs`). Every value from the input is HTML-escaped; the only
attributes built from input are http(s) links (rendering.link_target); ids and keys are positions.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from html import escape
from itertools import pairwise

from service.records import Article
from service.rendering import link_target
from service.result import Summary, quoted

# (start, end, key): the article characters [start, end) that brief sentence, quote or conflict `key` marks
Mark = tuple[int, int, str]

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#111;background:#fff;margin:0 auto;max-width:90rem;padding:1rem}
a{color:#0645ad}a:focus,button:focus,input:focus,textarea:focus{outline:3px solid #b35900;outline-offset:1px}
.brief a.s{color:#111;text-decoration:underline dotted}.cited{font-size:.8em}
.sources{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));gap:1rem}
.sources article{border:1px solid #767676;padding:.5rem 1rem;border-radius:4px}
.sources article.on{border:3px solid #b35900}
.text{white-space:pre-wrap}.quote{font-style:italic}.conflict{text-decoration:underline wavy #b00020}
.on-mark,.brief .on{background:#ffe066;color:#111}.mark{color:#b00020;font-weight:bold}
form{display:grid;gap:.5rem;max-width:50rem}label{font-weight:bold}textarea{width:100%;min-height:8rem}
#error{color:#b00020}
"""

# highlight every element keyed by the hovered or focused one; the served page also posts its form
_HIGHLIGHT = """
function keysOf(e){const k=e.target.closest&&e.target.closest('[data-key]');return k?k:null}
function light(on){return function(e){const k=keysOf(e);if(!k)return;
k.classList.toggle('on',on);
for(const el of document.querySelectorAll('[data-for~="'+k.dataset.key+'"]'))el.classList.toggle('on-mark',on);
for(const d of (k.dataset.docs||'').split(' ').filter(Boolean)){
const a=document.getElementById(d);if(a)a.classList.toggle('on',on)}}}
for(const t of ['mouseover','focusin'])document.addEventListener(t,light(true));
for(const t of ['mouseout','focusout'])document.addEventListener(t,light(false));
"""

_SUBMIT = """
function parts(s){return s.split(/^-{3,}\\s*$/m).map(t=>t.trim()).filter(Boolean).map(t=>({text:t}))}
document.getElementById('ask').addEventListener('submit',async function(e){e.preventDefault();
const f=e.target,err=document.getElementById('error');err.textContent='';
const articles=parts(f.articles.value);
for(const file of f.files.files)articles.push({id:file.name,text:await file.text()});
const options={};if(f.max_words.value)options.max_words=Number(f.max_words.value);
if(f.query.value.trim())options.query=f.query.value;if(f.quotes.value)options.quotes=Number(f.quotes.value);
const headers={'Content-Type':'application/json','Accept':'text/html'};
if(f.key.value)headers.Authorization='Bearer '+f.key.value;
const body=JSON.stringify({articles,known_articles:parts(f.known.value),options});
try{const r=await fetch('v1/summaries',{method:'POST',headers,body});
if(!r.ok){const j=await r.json().catch(()=>null);err.textContent=j&&j.error?j.error.message:'error '+r.status;return}
const page=new DOMParser().parseFromString(await r.text(),'text/html');
document.getElementById('result').replaceWith(document.importNode(page.getElementById('result'),true));
document.getElementById('result').focus();
}catch(x){err.textContent='the server could not be reached: '+x}});
"""

_FORM = """<form id="ask">
<label for="articles">Articles (paste; separate articles by a line of ---)</label>
<textarea id="articles" name="articles"></textarea>
<label for="files">Or choose or drop files (text or HTML)</label>
<input id="files" name="files" type="file" multiple accept=".txt,.html,.htm,text/plain,text/html">
<label for="known">Articles already read (optional; separated by ---)</label>
<textarea id="known" name="known"></textarea>
<label for="max_words">Word budget</label><input id="max_words" name="max_words" type="number" min="1">
<label for="query">Focus on (optional query)</label><input id="query" name="query" type="text">
<label for="quotes">Quotes to add verbatim</label><input id="quotes" name="quotes" type="number" min="0">
<label for="key">API key (when the server asks for one)</label><input id="key" name="key" type="password">
<button type="submit">Summarise</button>
<p id="error" role="alert"></p>
</form>
"""


def _doc_anchor(position: int) -> str:
    return f"doc-{position}"


def _name(article: Article) -> str:
    return next((v for v in (article.title, article.source) if v and v.strip()), article.id)


def _marked_text(
    text: str, marks: Iterable[Mark], quotes: set[str], conflicts: set[str], echoes: Iterable[str] = ()
) -> str:
    """`text` escaped, each stretch under marks a span listing their keys (one sweep over the bounds);
    the first stretch of a key carries its anchor `src-KEY`, the brief's link target, unless the key
    only echoes here (a brief sentence's fact in another supporting article)."""
    events: dict[int, list[tuple[int, str]]] = {}
    for start, end, key in marks:
        if 0 <= start < end <= len(text):
            events.setdefault(start, []).append((1, key))
            events.setdefault(end, []).append((-1, key))
    active: dict[str, int] = {}
    anchored: set[str] = set(echoes)
    out = []
    bounds = sorted({0, len(text), *events})
    for start, end in pairwise(bounds):
        for step, key in events.get(start, []):
            active[key] = active.get(key, 0) + step
            if not active[key]:
                del active[key]
        keys = list(active)
        piece = escape(text[start:end])
        if not keys:
            out.append(piece)
            continue
        kinds = ["quote"] * any(k in quotes for k in keys) + ["conflict"] * any(k in conflicts for k in keys)
        anchors = [k for k in keys if k not in anchored]
        anchored.update(anchors)
        ident = f' id="src-{anchors[0]}"' if anchors else ""
        extra = "".join(f'<span id="src-{k}"></span>' for k in anchors[1:])
        cls = f' class="{" ".join(kinds)}"' if kinds else ""
        out.append(f'<span{ident}{cls} data-for="{" ".join(keys)}">{extra}{piece}</span>')
    return "".join(out)


def _cite(ids: Sequence[str], position: dict[str, int]) -> str:
    links = ", ".join(f'<a href="#{_doc_anchor(position[i])}">{position[i] + 1}</a>' for i in ids)
    return f'<sup class="cited">[{links}]</sup>'


def _docs(ids: Iterable[str], position: dict[str, int]) -> str:
    return " ".join(_doc_anchor(position[i]) for i in ids)


def result_section(summary: Summary, articles: Sequence[Article]) -> str:
    position = {a.id: n for n, a in enumerate(articles)}
    marks: dict[str, list[Mark]] = {a.id: [] for a in articles}
    echoes: dict[str, set[str]] = {a.id: set() for a in articles}
    brief = []
    for n, s in enumerate(summary.sentences):
        key = f"s{n}"
        marks[s.doc_id] += [(a, b, key) for a, b in s.spans]
        for ref in s.support_refs:  # the same fact in each other supporting article
            marks[ref.doc_id].append((ref.char_start, ref.char_end, key))
            echoes[ref.doc_id].add(key)
        flags = "".join(
            f' <a class="mark" href="#conflict-{c}" data-key="c{c}"'
            f' aria-label="sources disagree ({escape(summary.conflicts[c].about)})">⚠{c + 1}</a>'
            for c in s.conflicts
        )
        brief.append(
            f'<a class="s" href="#src-{key}" data-key="{key}" data-docs="{_docs(s.support, position)}">'
            f"{escape(s.wording)}</a>{_cite(s.support, position)}{flags}"
        )
    quote_items = []
    for n, q in enumerate(summary.quotes):
        key = f"q{n}"
        for src in q.sources:
            marks[src.doc_id].append((src.char_start, src.char_end, key))
        link = (
            f'<a class="quote" href="#src-{key}" data-key="{key}" data-docs="{_docs(q.support, position)}">'
            f"{escape(quoted(q))}</a>{_cite(q.support, position)}"
        )
        quote_items.append(f"<li>{link}</li>")
        if q.in_brief:
            brief.append(link)
    conflict_items = []
    for n, c in enumerate(summary.conflicts):
        key = f"c{n}"
        for v in c.values:
            for ref in v.refs:
                marks[ref.doc_id].append((ref.char_start, ref.char_end, key))
        sides = "; ".join(f"{escape(v.value)} {_cite(v.doc_ids, position)}" for v in c.values)
        ids = [i for v in c.values for i in v.doc_ids]
        conflict_items.append(
            f'<li id="conflict-{n}"><a href="#src-{key}" data-key="{key}" data-docs="{_docs(ids, position)}">'
            f"{n + 1}. sources disagree on {escape(c.about)}</a>: {sides}</li>"
        )
    quote_keys = {f"q{n}" for n in range(len(summary.quotes))}
    conflict_keys = {f"c{n}" for n in range(len(summary.conflicts))}
    cards = []
    for n, a in enumerate(articles):
        target = link_target(a.url) if a.url else None
        link = f' <a href="{escape(target)}" rel="noopener noreferrer">link</a>' if target else ""
        source = f" ({escape(a.source)})" if a.source and a.source.strip() and a.source != _name(a) else ""
        marked = _marked_text(a.text, marks[a.id], quote_keys, conflict_keys, echoes[a.id])
        cards.append(
            f'<article id="{_doc_anchor(n)}" aria-labelledby="{_doc_anchor(n)}-h">'
            f'<h3 id="{_doc_anchor(n)}-h">{n + 1}. {escape(_name(a))}{source}{link}</h3>'
            f'<p class="text">{marked}</p></article>'
        )
    notes = "".join(f"<li>{escape(note)}</li>" for note in summary.notes)
    rewritten = f'<h2>Brief (rewritten)</h2><p class="rewritten">{escape(summary.brief)}</p>'
    return (
        '<section id="result" tabindex="-1" aria-label="Brief and sources">'
        + (rewritten if summary.mode == "abstractive" else "")
        + f"<h2>{'Sentences it was written from' if summary.mode == 'abstractive' else 'Brief'}</h2>"
        f'<p class="brief">{" ".join(brief)}</p>'
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + (f"<h2>Disagreements</h2><ul>{''.join(conflict_items)}</ul>" if conflict_items else "")
        + (f"<h2>Quotes</h2><ol>{''.join(quote_items)}</ol>" if quote_items else "")
        + f'<h2>Sources</h2><div class="sources">{"".join(cards)}</div></section>'
    )


def _script(form: bool) -> str:
    return _HIGHLIGHT + (_SUBMIT if form else "")


def content_security_policy(*, form: bool = False) -> str:
    """What the served page may do: its own inline style and script (by hash), requests to this server only."""
    digest = base64.b64encode(hashlib.sha256(_script(form).encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def document(summary: Summary | None, articles: Sequence[Article], *, form: bool = False) -> str:
    """The whole page: the form (served page) and the result section (empty until a brief is asked)."""
    result = '<section id="result" tabindex="-1"></section>' if summary is None else result_section(summary, articles)
    script = _script(form)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsbrief</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>newsbrief</h1>{_FORM if form else ''}{result}</main>"
        f"<script>{script}</script></body></html>\n"
    )
