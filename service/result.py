"""What comes out: the Summary, its sentences with provenance, and the rewrite report."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from service.errors import Fallback
from service.scoring import PARTS

Mode = Literal["extractive", "abstractive"]
CLIP_MARK = "…"  # follows a sentence cut at a word boundary to fit the budget
# a line break inside a sentence (a hard-wrapped source), with the spaces around it
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")
# a word broken after its hyphen at a line end ("high-\nlevel"), not a spaced dash ("said -\nthe")
_BROKEN_WORD = re.compile(r"\w-$")


def _one_line(text: str) -> str:
    """The text with each line break and the spaces around it read as one space, or as none after
    a hyphen that ends a word ("high-\nlevel" is "high-level")."""
    lines = [line.strip() for line in _LINE_BREAK.split(text)]
    if len(lines) == 1:
        return text
    out = [lines[0]]
    for line in lines[1:]:
        if line:
            out.append(line if _BROKEN_WORD.search(out[-1]) else " " + line)
    return "".join(out)


def _score_schema(schema: dict[str, Any]) -> None:
    """The score's JSON schema lists the parts of scoring.PARTS, so the API documents them."""
    schema.pop("additionalProperties", None)
    schema["properties"] = {
        "total": {"type": "number", "description": "the salience the brief was chosen by"},
        **{p.name: {"type": "number", "description": f"{p.description} ({p.role})"} for p in PARTS},
    }
    schema["required"] = list(schema["properties"])


class ScoreParts(RootModel[dict[str, float]]):
    """`total` and every part of scoring.PARTS by name: `score.total`, `score.terms`, …"""

    model_config = ConfigDict(frozen=True, json_schema_extra=_score_schema)

    def __getattr__(self, name: str) -> float:
        try:
            return self.root[name]
        except KeyError:
            raise AttributeError(name) from None


class MentionRef(BaseModel):
    """A place in a source: `text[char_start:char_end]` of article `doc_id`, in its sentence `sentence`
    (where it gives a value, or the sentence that states a brief sentence's fact)."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    sentence: int
    char_start: int
    char_end: int


class SelectedSentence(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    index: int
    char_start: int = Field(description="where the source sentence starts in its article's text")
    char_end: int = Field(description="where the source sentence ends (exclusive)")
    spans: list[tuple[int, int]] = Field(
        description="the parts of the source sentence the brief uses; `text` is them joined (first letter upper-cased)"
    )
    text: str
    score: ScoreParts
    support: list[str] = Field(description="ids of every article that states this fact")
    support_refs: list[MentionRef] = Field(
        default_factory=list,
        description="for each other article of `support`, its sentence most like this one (the page highlights it)",
    )
    clipped: bool = Field(False, description="cut at a word boundary to fit a budget smaller than any sentence")
    conflicts: list[int] = Field(
        default_factory=list, description="positions in `conflicts` of the disagreements this sentence takes a side in"
    )

    @property
    def wording(self) -> str:
        """How the brief words it: the text on one line, and the clip mark when it was cut."""
        return _one_line(self.text) + (CLIP_MARK if self.clipped else "")


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_words: int
    max_sentences: int | None
    words: int
    sentences: int


class UnsupportedSpan(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    reason: str


class RewriteReport(BaseModel):
    """What the model wrote and what the faithfulness check found, kept even when it was rejected."""

    model_config = ConfigDict(frozen=True)

    text: str
    model: str
    tokens_in: int
    cut_sentences: int = Field(description="picked sentences left out to fit the model's input window")
    seconds: float
    faithful: bool
    unsupported: list[UnsupportedSpan]


class ExcludedArticle(BaseModel):
    """An article of the set the brief leaves out, and why."""

    model_config = ConfigDict(frozen=True)

    id: str
    reason: Literal["off_topic"]
    similarity: float = Field(description="its best similarity to another article of the set")


class ConflictValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str = Field(description="normalised: number words as digits, one unit, dates as ISO dates")
    doc_ids: list[str]
    refs: list[MentionRef]


class Conflict(BaseModel):
    """Sources that disagree on one thing: each value with who gives it; the brief takes no side silently."""

    model_config = ConfigDict(frozen=True)

    about: str = Field(description='what the values count or date: "people killed", "km", "date", …')
    values: list[ConflictValue]


class QuoteSource(BaseModel):
    """Where an article has a quote: `text[char_start:char_end]` is its words, marks excluded."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    char_start: int
    char_end: int
    speaker: str | None = Field(description="who the article says said it; a pronoun is resolved to a name")
    speaker_start: int | None = Field(description="where that name stands in the article's text")
    speaker_end: int | None


class Quote(BaseModel):
    """A direct quote, word for word, with every article that has it; never trimmed or rewritten."""

    model_config = ConfigDict(frozen=True)

    text: str
    speaker: str | None = Field(description="the first speaker its sources name; null when none says who")
    support: list[str] = Field(description="ids of every article with this quote, in article order")
    salience: float = Field(description="the best score of a sentence holding it")
    sources: list[QuoteSource]
    in_brief: bool = Field(False, description="added to the brief verbatim (`quotes` option)")


def quoted(quote: Quote) -> str:
    """A quote as the brief gives it: verbatim in marks, then who said it."""
    return f"“{quote.text}” ({quote.speaker or 'speaker not named'})"


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True)

    brief: str
    mode: Mode = "extractive"
    fallback_reason: Fallback | None = Field(
        None, description="why the extractive brief was returned for a rewrite request; `notes` says it in words"
    )
    rewrite: RewriteReport | None = None
    sentences: list[SelectedSentence]
    budget: Budget
    articles: int
    articles_used: int
    candidates: int
    notes: list[str] = Field(default_factory=list, description="what was approximated or skipped, and why")
    # absent from the output when empty, so a brief that leaves nothing out reads as before
    excluded: list[ExcludedArticle] = Field(
        default_factory=list, exclude_if=lambda v: not v, description="articles left out of the brief (off-topic)"
    )
    quotes: list[Quote] = Field(
        default_factory=list, description="direct quotes, ranked by support, then salience, then position"
    )
    conflicts: list[Conflict] = Field(
        default_factory=list, description="where the sources give different numbers or dates for the same thing"
    )
    timings_ms: dict[str, float]
