"""Boilerplate on real pages: how much of each brief is article text, stage by stage, beside sumy LexRank.

    NLTK_DATA=../shared/nltk_data python benchmarks/web.py ../shared/data/web/*.jsonl.gz [--set-size 5] [--per-page]

The pages (news and blog pages saved with all their furniture, with gold article text and/or
hand-annotated must-include / must-exclude strings; see the data's README) are evaluation
material: their path is an argument and they never live in the repository. Every check brings
both strings to one form (`collapse`), then tests for a plain substring: each run of whitespace
becomes one space, invisible format characters such as soft hyphens go, typographic quotes,
apostrophes and dashes become their plain form (“ ” „ → ", ‘ ’ ‚ → ', – — → -) and a space before
. , ; : ! ? goes. A page and its gold text may differ in these alone (an annotator's straight
quotes for the page's curly ones; "the end ." where the page's markup breaks the line before the
full stop); the same form is used for every system and every check.

- reading: the page through `service.reading.parse`, as `newsbrief summarize page.html` reads it;
  must_include recall and must_exclude strings found in the extracted text; pages refused.
- candidates: the sentences cleaning and segmentation leave (what selection chooses from); for
  pages with gold text, the share that occurs in it.
- briefs: each page summarised alone, then sets of N consecutive pages of one file (unrelated
  articles, mostly of one site). A brief sentence (its whole source sentence) is clean when it
  occurs in its page's gold text; it leaks when it is not clean, or when it holds a must_exclude
  string or lies inside one (pages without gold text are judged by must_exclude alone).
  "clean (words)" compares the words only, ignoring punctuation and case: what it accepts and the
  plain check does not differs from the gold text in punctuation alone (a colon the gold text lacks).
- sumy LexRank reads the same extracted text (the pages of a set joined by blank lines) and keeps
  its sentences up to the same word budget.

Index pages (`no_article`) are counted apart: there is no article to keep. With --dump DIR
(outside the repository: page text must never be committed) every leaked sentence is written to
DIR/leaks.jsonl.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service import Article, NewsbriefError, Settings, Summarizer
from service.reading import parse
from service.summarizer import Request, Work, segment_set

_SPACE = re.compile(r"\s+")
# typographic variants of one character, which gold texts typed or converted by annotators write
# differently from their pages (newsbrief never rewrites a character): each becomes its plain form
_PLAIN_FORM = str.maketrans(dict.fromkeys("“”„‟", '"') | dict.fromkeys("‘’‚‛", "'") | dict.fromkeys("‐‑‒–—―", "-"))
# a space before closing punctuation: "the end ." (a line break in the page's markup) reads "the end."
_SPACE_BEFORE_MARK = re.compile(r" (?=[.,;:!?])")
_WORD = re.compile(r"\w+")
# sumy is asked for a budget's worth of sentences, as in benchmarks/quality.py, then cut to the budget
_SUMY_WORDS_PER_SENTENCE = 12


def collapse(text: str) -> str:
    """The form every check compares (see the module's docstring)."""
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _SPACE_BEFORE_MARK.sub("", _SPACE.sub(" ", visible.translate(_PLAIN_FORM))).strip()


def words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower())) + " "


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    file: str
    source: str
    lang: str
    html: str
    gold: str | None  # collapsed gold text; None where the page has only must_include / must_exclude
    gold_words: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    index_page: bool  # `no_article`: an index page, no article to keep

    def holds_excluded(self, sentence: str) -> bool:
        """The sentence holds a must_exclude string, or is part of one."""
        return any(s and (s in sentence or sentence in s) for s in self.exclude)

    def clean(self, sentence: str) -> bool | None:
        return None if self.gold is None else sentence in self.gold

    def clean_words(self, sentence: str) -> bool | None:
        return None if self.gold_words is None else words(sentence) in self.gold_words

    def leaked(self, sentence: str) -> bool:
        return self.clean(sentence) is False or self.holds_excluded(sentence)


@dataclass(slots=True)
class Read:
    """A page as reading left it: its article (None when refused) and the stage checks."""

    page: Page
    article: Article | None
    included: int = 0
    excluded: int = 0
    candidates: int = 0  # candidate sentences, pages with gold text
    clean_candidates: int = 0
    candidate_excluded: int = 0  # must_exclude strings found in the candidates


@dataclass(slots=True)
class Brief:
    """A brief's sentences (source text, position of its page in the set), or why there is none."""

    sentences: list[tuple[str, int]] = field(default_factory=list)
    error: str | None = None


def load(paths: Sequence[Path]) -> list[Page]:
    pages = []
    for path in paths:
        opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                r = json.loads(line)
                gold = r.get("gold_text")
                pages.append(
                    Page(
                        r["id"],
                        path.name.split(".")[0],
                        r["source"],
                        r["lang"],
                        r["html"],
                        collapse(gold) if gold is not None else None,
                        words(gold) if gold is not None else None,
                        tuple(collapse(s) for s in r.get("must_include", [])),
                        tuple(collapse(s) for s in r.get("must_exclude", [])),
                        bool(r.get("no_article")),
                    )
                )
    return pages


def read(page: Page) -> Read:
    try:
        [article] = parse(page.html, f"{page.id}.html", ".html", page.id)
    except NewsbriefError:
        return Read(page, None)
    if not article.text.strip():
        return Read(page, None)
    text = collapse(article.text)
    result = Read(page, article, sum(s in text for s in page.include), sum(s in text for s in page.exclude))
    try:
        work = segment_set(
            Work(
                [article],
                (),
                Request(
                    max_words=100, max_sentences=None, query=None, rewrite="off", lang=None, off_topic="keep", quotes=0
                ),
            )
        )
    except NewsbriefError:
        return result
    sentences = [collapse(s.text) for s in work.sentences]
    if page.gold is not None:
        result.candidates = len(sentences)
        result.clean_candidates = sum(s in page.gold for s in sentences)
    candidates = " ".join(sentences)
    result.candidate_excluded = sum(s in candidates for s in page.exclude)
    return result


_SUMMARIZER: list[Summarizer] = []  # one per worker process


def newsbrief(articles: list[Article], budget: int) -> Brief:
    if not _SUMMARIZER:
        _SUMMARIZER.append(Summarizer(Settings()))
    try:
        summary = _SUMMARIZER[0].summarize(articles, max_words=budget)
    except NewsbriefError as exc:
        return Brief(error=exc.message)
    position = {a.id: pos for pos, a in enumerate(articles)}
    return Brief(
        [
            (collapse(articles[position[s.doc_id]].text[s.char_start : s.char_end]), position[s.doc_id])
            for s in summary.sentences
        ]
    )


def lexrank(articles: list[Article], budget: int) -> Brief:
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    parser = PlaintextParser.from_string("\n\n".join(a.text for a in articles), Tokenizer("english"))
    texts = [collapse(a.text) for a in articles]
    brief, total = Brief(), 0
    for sentence in summarizer(parser.document, max(3, budget // _SUMY_WORDS_PER_SENTENCE)):
        text = collapse(str(sentence))
        total += len(text.split())
        if brief.sentences and total > budget:
            break
        brief.sentences.append((text, next((i for i, t in enumerate(texts) if text in t), 0)))
    return brief


SYSTEMS: dict[str, Callable[[list[Article], int], Brief]] = {"newsbrief": newsbrief, "sumy LexRank": lexrank}


def brief_all(job: tuple[list[Article], int]) -> dict[str, Brief]:
    articles, budget = job
    return {name: system(articles, budget) for name, system in SYSTEMS.items()}


@dataclass(slots=True)
class Tally:
    """Counts over the briefs of a group of pages or sets, for one system."""

    units: int = 0
    failed: int = 0
    sentences: int = 0  # brief sentences from pages with gold text
    clean: int = 0
    clean_words: int = 0
    with_excluded: int = 0  # briefs holding a must_exclude string
    over_one_leak: int = 0  # briefs with more than one leaked sentence
    leaks: int = 0

    def add(self, brief: Brief, pages: Sequence[Page], unit: str, system: str, dump: list[dict[str, str]]) -> None:
        self.units += 1
        if brief.error is not None:
            self.failed += 1
            return
        leaks, excluded = 0, False
        for text, pos in brief.sentences:
            page = pages[pos]
            if page.gold is not None:
                self.sentences += 1
                self.clean += bool(page.clean(text))
                self.clean_words += bool(page.clean_words(text))
            excluded |= page.holds_excluded(text)
            if page.leaked(text):
                leaks += 1
                dump.append({"unit": unit, "system": system, "page": page.id, "sentence": text})
        self.leaks += leaks
        self.with_excluded += excluded
        self.over_one_leak += leaks > 1

    def cells(self) -> str:
        def share(n: int) -> str:
            return f"{100 * n / self.sentences:.1f} %" if self.sentences else "–"

        return (
            f"{self.units} | {self.failed} | {self.sentences} | {share(self.clean)} | {share(self.clean_words)} | "
            f"{self.with_excluded} | {self.over_one_leak} | {self.leaks}"
        )


def group_names(pages: Sequence[Page]) -> list[str]:
    """'all', then each source, then each language by its number of pages."""
    langs = Counter(p.lang for p in pages)
    return ["all", *sorted({f"source {p.source}" for p in pages}), *(f"lang {lang}" for lang, _ in langs.most_common())]


def groups(page: Page) -> tuple[str, ...]:
    return ("all", f"source {page.source}", f"lang {page.lang}")


def reading_table(reads: list[Read], names: list[str]) -> None:
    by: dict[str, list[Read]] = defaultdict(list)
    for r in reads:
        if not r.page.index_page:
            for g in groups(r.page):
                by[g].append(r)
    print("| pages | n | refused | must_include found | must_exclude found | candidates | in gold | "
          "must_exclude in candidates |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        rs = by[name]
        include = sum(len(r.page.include) for r in rs)
        found = sum(r.included for r in rs)
        candidates = sum(r.candidates for r in rs)
        in_gold = f"{100 * sum(r.clean_candidates for r in rs) / candidates:.1f} %" if candidates else "–"
        print(
            f"| {name} | {len(rs)} | {sum(r.article is None for r in rs)} | "
            f"{found}/{include} ({100 * found / max(include, 1):.1f} %) | "
            f"{sum(r.excluded for r in rs)}/{sum(len(r.page.exclude) for r in rs)} | {candidates or '–'} | {in_gold} | "
            f"{sum(r.candidate_excluded for r in rs)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="+", type=Path, help="JSON Lines (.gz) pages: html, gold_text, must_include…")
    parser.add_argument("--max-words", type=int, default=100, help="brief budget (default 100)")
    parser.add_argument("--set-size", type=int, default=5, help="pages per set (consecutive pages of one file)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-page", action="store_true", help="also print one row per page")
    parser.add_argument("--dump", type=Path, help="write every leaked sentence here (outside the repository)")
    args = parser.parse_args()

    pages = load(args.data)
    with mp.get_context("fork").Pool(args.workers) as pool:
        reads = pool.map(read, pages, chunksize=2)
        articles = [r for r in reads if r.article is not None]
        singles = pool.map(brief_all, [([r.article], args.max_words) for r in articles], chunksize=2)
        sets: list[list[Read]] = []
        for file in dict.fromkeys(p.file for p in pages):
            in_file = [r for r in articles if r.page.file == file and not r.page.index_page]
            sets += [in_file[i : i + args.set_size] for i in range(0, len(in_file), args.set_size)]
        set_briefs = pool.map(brief_all, [([r.article for r in s], args.max_words) for s in sets], chunksize=1)

    names = group_names([p for p in pages if not p.index_page])
    print(
        f"{len(pages)} pages ({', '.join(p.name for p in args.data)}), {args.max_words}-word briefs; "
        f"sets of {args.set_size} consecutive pages of one file\n"
    )
    print("Reading and cleaning (pages with an article; candidates and 'in gold': pages with gold text):\n")
    reading_table(reads, names)

    dump: list[dict[str, str]] = []
    tallies: dict[tuple[str, str], dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    index_pages: dict[str, Counter[str]] = defaultdict(Counter)
    briefs_of = {r.page.id: briefs for r, briefs in zip(articles, singles, strict=True)}
    refused = {name: Brief(error="refused by reading") for name in SYSTEMS}
    rows = []
    for r in reads:
        briefs = briefs_of.get(r.page.id, refused)
        if r.page.index_page:
            for name, brief in briefs.items():
                index_pages[name].update(pages=1, briefs=brief.error is None, sentences=len(brief.sentences))
            continue
        row = [r.page.id, r.page.source, r.page.lang]
        for name, brief in briefs.items():
            for g in groups(r.page):
                tallies[("page", g)][name].add(brief, [r.page], r.page.id, name, dump if g == "all" else [])
            single = Tally()
            single.add(brief, [r.page], r.page.id, name, [])
            row.append(single.cells().split(" | ", 1)[1])
        rows.append(row)
    for number, (s, briefs) in enumerate(zip(sets, set_briefs, strict=True)):
        for name, brief in briefs.items():
            set_pages = [r.page for r in s]
            tallies[("set", "all")][name].add(brief, set_pages, f"set {number}", name, dump)
            tallies[("set", f"source {s[0].page.source}")][name].add(brief, set_pages, f"set {number}", name, [])

    print(
        "\nBriefs (clean: brief sentences of pages with gold text that occur in it; leaked: not clean, "
        "or holding / inside a must_exclude string):\n"
    )
    print("| unit | group | system | n | no brief | sentences | clean | clean (words) | with must_exclude | "
          "> 1 leak | leaked sentences |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for unit in ("page", "set"):
        for g in names:
            for name, tally in tallies.get((unit, g), {}).items():
                print(f"| {unit} | {g} | {name} | {tally.cells()} |")
    for name, counts in index_pages.items():
        print(
            f"\nindex pages (no_article), {name}: {counts['pages']} pages, {counts['briefs']} briefs given, "
            f"{counts['sentences']} sentences"
        )
    if args.per_page:
        print("\n| page | source | lang | " + " | ".join(
            f"{n}: no brief | sentences | clean | clean (words) | with must_exclude | > 1 leak | leaks" for n in SYSTEMS
        ) + " |")  # fmt: skip
        print("|---|---|---|" + "---|" * 7 * len(SYSTEMS))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        with (args.dump / "leaks.jsonl").open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in dump)


if __name__ == "__main__":
    main()
