"""Direct quotes, their speakers and their sources: what people said, word for word.

A quote is the text between a pair of quotation marks (“…”, "…", newswire ``…''), of at least
`_MIN_WORDS` words, within one paragraph; a newswire quote running over paragraphs (each one opens
with a mark, only the last closes) gives one quote per paragraph. Marks are found by one regex
pass and paired by a small state machine, so finding is linear in the text.

The speaker comes from the attribution next to the quote: after it (“…,” Qin said / said Qin /
the spokesman said / according to Qin) or before it (Qin told reporters: “…”). A pronoun ("he
said") is the last named speaker of the same article; anything else gives no speaker rather
than a guess. Quotes are never trimmed or rewritten: they are offsets into their article.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.lexicon import LEXICON, alternation
from service.records import Article
from service.result import Quote, QuoteSource

# fewer words between marks is a term or a scare quote ("the axis of evil" has 4: kept)
_MIN_WORDS = 4
# longer than this between two marks is two unrelated straight quotes paired wrongly, not a quote
_MAX_CHARS = 2000
# how far from a quote its attribution may be (a title after a name: "Qin Gang, China's foreign minister, said")
_WINDOW = 160
# a speaker is a name or a short noun phrase ("a State Department spokesman"); longer is not one
_MAX_SPEAKER_WORDS = 8
# a pronoun ("he said") means a speaker named at most this far before the quote
_PRONOUN_REACH = 600
# the attribution verb is among the first / last few words next to the quote
_VERB_REACH = 10

_MARK = re.compile(r"“|”|``|''|\"|\n[ \t\r\f\v]*\n")
_OPENERS = {"“": "”", "``": "''"}
_CLOSERS = frozenset(_OPENERS.values())
_WORD = re.compile(r"[^\W_][\w.'’&-]*")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[\n“\"`]")
_SPEECH = frozenset(LEXICON.speech_verbs)
_SPEECH_WORD = re.compile(rf"\b{alternation(LEXICON.speech_verbs)}\b")
_FEMININE = frozenset(("mrs", "ms", "miss", "madam", "lady", "queen", "princess"))
_MASCULINE = frozenset(("mr", "sir", "lord", "king", "prince"))
_NAME_PAIR = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][a-z]+)")
_CLOSE_MARK = re.compile(r"”|''|\"")
_PRONOUNS = frozenset(LEXICON.speaker_pronouns)
_DETERMINERS = frozenset(("the", "a", "an"))
_CONJUNCTIONS = frozenset(w.lower() for w in LEXICON.conjunction_openers)
# a phrase opening with one of these is a clause, not a speaker (determiners and pronouns aside)
_CLAUSE_STARTS = frozenset(LEXICON.sentence_starts) - _DETERMINERS - _PRONOUNS - _CONJUNCTIONS
_MARKUP = re.compile(r"[()\[\];&<>]")
# words between a subject and its verb that are not part of it ("he later said")
_ADVERBS = frozenset(("also", "later", "then", "again", "once", "further", "had", "has", "have", "would", "will"))
# lower-case words inside a name ("Ministry of Foreign Affairs", "Osama bin Laden")
_NAME_JOINERS = frozenset(("of", "de", "del", "da", "al", "bin", "van", "von", "der", "la", "le", "and", "for"))
_NOT_SPEAKERS = frozenset(w.lower() for w in (*LEXICON.weekdays, *LEXICON.months))
# an abbreviation keeps its final period (Mr., Jr., U.S.); another word loses it (the sentence's)
_ABBREVIATION = re.compile(r"(?:[A-Z][a-z]{0,2}|(?:[A-Za-z]\.)+[A-Za-z])\.")

_LAST_WORD = re.compile(r"[^\s(\[“\"`]+$")

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Found:
    """A quote in one text: its words at start:end (marks excluded), and its speaker if one was found."""

    start: int
    end: int
    speaker: Span | None
    speaker_text: str | None


def _pairs(text: str) -> list[tuple[int, int, int, int]]:
    """(open mark start, words start, words end, close mark end) of every paired quotation."""
    pairs: list[tuple[int, int, int, int]] = []
    opened: tuple[str, int, int] | None = None  # the closer awaited, the open mark's start and end
    carried: tuple[int, int, int] | None = None  # an unclosed paragraph's quote, kept if the next one opens
    paragraph_end = 0
    for mark in _MARK.finditer(text):
        m = mark.group()
        if m[0] == "\n":
            carried = (opened[1], opened[2], mark.start()) if opened else None
            opened, paragraph_end = None, mark.end()
            continue
        if carried and (m in _OPENERS or m == '"') and not text[paragraph_end : mark.start()].strip():
            pairs.append((carried[0], carried[1], carried[2], carried[2]))
        carried = None
        if opened and (m == opened[0] or (m == '"' and opened[0] == '"')):
            pairs.append((opened[1], opened[2], mark.start(), mark.end()))
            opened = None
        elif m in _OPENERS or (m == '"' and opened is None):
            opened = (_OPENERS.get(m, '"'), mark.start(), mark.end())
        elif m == '"' or m in _CLOSERS:
            opened = None  # a closer of another kind: the pairing is lost, start again
    return pairs


def _phrase(text: str, start: int, end: int, *, after_verb: bool) -> Span | None:
    """The speaker in text[start:end], or None. Before the verb the whole chunk is the subject
    ("Qin Gang", "Iraqi officials", "he"); after it, a name or a noun phrase that starts it
    ("said Qin Gang on Sunday", "said a spokesman"), never a preposition ("said in a statement")."""
    if _MARKUP.search(text, start, end):
        return None  # "(Plenum Press, 1993)", "&UR;": a credit or markup, not a speaker
    words = [(w.start(), w.end(), w.group()) for w in _WORD.finditer(text, start, end)]
    while words and words[0][2].lower() in _CONJUNCTIONS:
        words = words[1:]  # "And Corey adds", "But Scott says"
    if not after_verb:
        while words and (words[-1][2].lower() in _ADVERBS or words[-1][2].lower().endswith("ly")):
            words.pop()  # "he later said", "Qin also said"
    if not words or len(words) > _MAX_SPEAKER_WORDS:
        return None
    first = words[0][2]
    if first.lower() in _NOT_SPEAKERS or any(w[2].lower() in _SPEECH for w in words):
        return None
    if first.lower() in _CLAUSE_STARTS:
        return None  # "In a fiery reply", "These life experiences may", "it"
    if first.lower() in _PRONOUNS:
        return (words[0][0], words[0][1]) if len(words) == 1 else None
    mixed = any(not (w[2][0].isupper() or w[2] in _NAME_JOINERS) for w in words)
    if not after_verb and first[0].isupper() and mixed and len(words) > 2:
        return None  # "Tekin managed to say": not a subject alone
    kept = words
    if after_verb and first.lower() not in _DETERMINERS:
        if not first[0].isupper():
            return None
        kept = []
        for w in words:
            if not (w[2][0].isupper() or w[2] in _NAME_JOINERS):
                break
            kept.append(w)
        while kept and kept[-1][2] in _NAME_JOINERS:
            kept.pop()
    _, e, last = kept[-1]
    if last.endswith(".") and not _ABBREVIATION.fullmatch(last):
        e -= 1
    return (kept[0][0], e)


def _named_subject(phrase: str) -> bool:
    """A subject that names a speaker: capitalised, a determiner phrase, a pronoun, or one or two
    words ("officials", "police officers"); not the end of a clause ("due to misunderstandings")."""
    first = phrase.split(maxsplit=1)[0]
    return first[0].isupper() or first.lower() in _DETERMINERS | _PRONOUNS or len(phrase.split()) <= 2


def _is_name(phrase: str) -> bool:
    first = phrase.split(maxsplit=1)[0]
    return first[0].isupper() and first.lower() not in _DETERMINERS | _PRONOUNS


def _subject(text: str, start: int, verb: int) -> Span | None:
    """The subject of the speech verb at `verb`, in text[start:verb]: the first comma chunk that
    is a name ("Qin Gang, the foreign minister, said"; "In a reply, Ken Wasch said"), else the
    chunk before the verb if it can be a subject ("due to misunderstandings, he said": "he")."""
    head = text[start:verb].rstrip(" ,\t\r\n")
    bounds = [0, *itertools.accumulate(len(chunk) + 1 for chunk in head.split(","))]  # each comma, then the end
    spans = [_phrase(text, start + a, start + b - 1, after_verb=False) for a, b in itertools.pairwise(bounds)]
    phrases = [(span, text[span[0] : span[1]]) for span in spans if span]
    names = [span for span, p in phrases if _is_name(p)]
    if names:
        return names[0]
    last = phrases[-1] if phrases and spans[-1] else None
    return last[0] if last and _named_subject(last[1]) else None


def _sentence_end(text: str, start: int, limit: int) -> int:
    """Where the sentence that goes on at `start` ends (a period after "Mr" does not end it), at most `limit`."""
    for found in _SENTENCE_END.finditer(text, start, limit):
        word = _LAST_WORD.search(text, max(start, found.start() - 8), found.end())
        if not (found.group() == "." and word and _ABBREVIATION.fullmatch(word.group())):
            return found.start()
    return limit


def _verbs(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    words = [(w.start(), w.end(), w.group()) for w in _WORD.finditer(text, start, end)]
    return [w for w in words if w[2] in _SPEECH]  # as written: "WHO SAID WHAT" is a heading


def _after(text: str, close_end: int, words: str) -> Span | None:
    """An attribution after the quote: “…,” Qin said / said Qin / according to Qin."""
    if words.rstrip().endswith("."):
        return None  # “… .” ends the sentence; what follows is a new one
    end = _sentence_end(text, close_end, min(len(text), close_end + _WINDOW))
    verbs = [v for v in _verbs(text, close_end, end) if len(_WORD.findall(text, close_end, v[0])) < _VERB_REACH]
    if not verbs:
        return None
    v_start, v_end, verb = verbs[0]
    before = text[close_end:v_start]
    if before.strip(" ,\t\r\n"):
        return _subject(text, close_end, v_start)
    if verb == "told":
        return None  # “…,” told X: X is the listener
    start = v_end
    if verb == "according":
        to = re.match(r"\s+to\b", text[v_end:end])
        if not to:
            return None
        start = v_end + to.end()
    stop = re.search(r"[,;:()]", text[start:end])
    return _phrase(text, start, start + stop.start() if stop else end, after_verb=True)


def _before(text: str, open_start: int) -> Span | None:
    """An attribution before the quote: Qin said: “…” / Qin told reporters, “…” / Qin said that “…”."""
    window = max(0, open_start - _WINDOW)
    closes = [m.end() for m in _CLOSE_MARK.finditer(text, window, open_start)]
    start = closes[-1] if closes else window  # “…,” he said, “…”: the first quote is no subject
    while (end := _sentence_end(text, start, open_start)) < open_start:
        start = end + 1
    verbs = _verbs(text, start, open_start)
    if not verbs or len(_WORD.findall(text, verbs[-1][1], open_start)) > 3:
        return None
    return _subject(text, start, verbs[-1][0])


def _subjects(text: str, quotes: Sequence[int]) -> list[Span]:
    """The named subjects of speech verbs ("Qin Gang said", "Smith told"), in text order: the
    speakers a later "he said" can mean. Only verbs near a quote (at `quotes`, in order) are read:
    a name further than _PRONOUN_REACH before a quote is never its speaker, and an article of
    speech verbs without quotes costs nothing (adversarial shape "according")."""
    spans = []
    read = 0  # verbs before this offset have been read
    for quote in quotes:
        for verb in _SPEECH_WORD.finditer(text, max(read, quote - _PRONOUN_REACH), quote + _WINDOW):
            start = max(0, verb.start() - _WINDOW)
            while (end := _sentence_end(text, start, verb.start())) < verb.start():
                start = end + 1
            span = _subject(text, start, verb.start())
            if span and _is_name(text[span[0] : span[1]]):
                spans.append(span)
        read = max(read, quote + _WINDOW)
    return spans


def _fits(pronoun: str, name: str) -> bool:
    """A title that says the other sex rules a name out: "he" is not "Mrs. Shepard"."""
    title = name.split(maxsplit=1)[0].rstrip(".").lower()
    return not ((pronoun == "he" and title in _FEMININE) or (pronoun == "she" and title in _MASCULINE))


def _nearest(text: str, named: Span, quote: int) -> bool:
    """Whether `named` is the nearest name before `quote`: close enough, and no other person's
    name ("Rep. Mark Foley") stands between them."""
    if quote - named[1] > _PRONOUN_REACH:
        return False
    own = set(text[named[0] : named[1]].split())
    for pair in _NAME_PAIR.finditer(text, named[1], quote):
        if pair.group(1).lower() not in _CLAUSE_STARTS and not {pair.group(1), pair.group(2)} <= own:
            return False
    return True


def find(text: str) -> list[Found]:
    """Every direct quote of `text` in order, with its speaker where one is said; a pronoun is the
    nearest named speaker before the quote (of an earlier quote, or the subject of "X said")."""
    found: list[Found] = []
    pairs = _pairs(text)
    named = _subjects(text, [open_start for open_start, *_ in pairs])
    n = 0  # named[:n] lie before the current quote
    last: Span | None = None
    for open_start, start, end, close_end in pairs:
        while n < len(named) and named[n][1] <= open_start:
            last, n = named[n], n + 1
        words = text[start:end]
        if end - start > _MAX_CHARS or len(words.split()) < _MIN_WORDS:
            continue
        span = _after(text, close_end, words) or _before(text, open_start)
        if span and text[span[0] : span[1]].lower() in _PRONOUNS:
            pronoun = text[span[0] : span[1]].lower()
            span = (
                last if last and _nearest(text, last, open_start) and _fits(pronoun, text[last[0] : last[1]]) else None
            )
        elif span and text[span[0]].isupper():
            last = span
        lead = len(words) - len(words.lstrip())
        trail = len(words) - len(words.rstrip())
        who = text[span[0] : span[1]] if span else None
        found.append(Found(start + lead, end - trail, span, who))
    return found


def wording(text: str) -> str:
    """`text`'s words, lower-cased, one space apart: what two copies of a quote share."""
    return " ".join(w.lower().rstrip(".") for w in _WORD.findall(text))


def gather(articles: Sequence[Article], salience: Callable[[int, int, int], float]) -> list[Quote]:
    """The quotes of the set, one entry per wording with every article that has it, ranked by
    support (articles quoting it), then `salience(article position, start, end)`, then position."""
    groups: dict[str, list[tuple[int, Found]]] = {}
    for pos, article in enumerate(articles):
        for quote in find(article.text):
            groups.setdefault(wording(article.text[quote.start : quote.end]), []).append((pos, quote))
    quotes = []
    for members in groups.values():
        first_pos, first = members[0]
        speaker = next((q.speaker_text for _, q in members if q.speaker_text), None)
        sources = [
            QuoteSource(
                doc_id=articles[pos].id,
                char_start=q.start,
                char_end=q.end,
                speaker=q.speaker_text,
                speaker_start=q.speaker[0] if q.speaker else None,
                speaker_end=q.speaker[1] if q.speaker else None,
            )
            for pos, q in members
        ]
        support = list(dict.fromkeys(s.doc_id for s in sources))
        quotes.append(
            (
                (-len(support), -max(salience(p, q.start, q.end) for p, q in members), first_pos, first.start),
                Quote(
                    text=articles[first_pos].text[first.start : first.end],
                    speaker=speaker,
                    support=support,
                    salience=round(max(salience(p, q.start, q.end) for p, q in members), 6),
                    sources=sources,
                ),
            )
        )
    return [q for _, q in sorted(quotes, key=lambda item: item[0])]
