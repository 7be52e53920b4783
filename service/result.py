"""What comes out: the Summary, its sentences with provenance, and the rewrite report."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from service.errors import Fallback
from service.scoring import PARTS

Mode = Literal["extractive", "abstractive"]
CLIP_MARK = "…"  # follows a sentence cut at a word boundary to fit the budget


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
    clipped: bool = Field(False, description="cut at a word boundary to fit a budget smaller than any sentence")

    @property
    def wording(self) -> str:
        """How the brief words it: the text, and the clip mark when it was cut."""
        return self.text + (CLIP_MARK if self.clipped else "")


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
    timings_ms: dict[str, float]
