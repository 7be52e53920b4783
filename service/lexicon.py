"""The word lists of service/data/lexicon.toml, loaded once: each list lives in the data file only."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from importlib import resources


@dataclass(frozen=True, slots=True)
class Lexicon:
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    weekday_names: tuple[str, ...]
    schedule_words: tuple[str, ...]
    news_agencies: tuple[str, ...]
    currencies: tuple[str, ...]
    first_person: tuple[str, ...]
    weekday_complements: tuple[str, ...]
    weekday_continuations: tuple[str, ...]
    weekday_followers: tuple[str, ...]
    weekday_governors: tuple[str, ...]
    adverbial_openers: tuple[str, ...]
    conjunction_openers: tuple[str, ...]
    clause_starters: tuple[str, ...]
    attribution_words: tuple[str, ...]
    negations: tuple[str, ...]
    lowercase_abbreviations: tuple[str, ...]
    boundary_starters: tuple[str, ...]
    continuing_abbreviations: tuple[str, ...]
    query_instructions: tuple[str, ...]
    sentence_starts: tuple[str, ...]
    function_words: tuple[str, ...]
    read_also: tuple[str, ...]
    speech_verbs: tuple[str, ...]
    speaker_pronouns: tuple[str, ...]
    number_units: tuple[str, ...]
    number_tens: tuple[str, ...]
    number_hedges: tuple[str, ...]
    number_lower_bounds: tuple[str, ...]
    number_upper_bounds: tuple[str, ...]
    partial_counts: tuple[str, ...]
    partial_leads: tuple[str, ...]
    partial_tails: tuple[str, ...]
    casualty_stops: tuple[str, ...]
    death_words: tuple[str, ...]
    injury_words: tuple[str, ...]
    reporting_words: tuple[str, ...]


def alternation(words: tuple[str, ...]) -> str:
    """A regex group matching any of `words` (escaped), longest first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _load() -> Lexicon:
    data = tomllib.loads(resources.files("service").joinpath("data/lexicon.toml").read_text(encoding="utf-8"))
    return Lexicon(**{f.name: tuple(data[f.name]) for f in fields(Lexicon)})


LEXICON = _load()
