"""One exception tree, so callers (CLI, HTTP, batch) can map every failure to a clear message.

NewsbriefError
├── InputError          the caller sent something we cannot summarise (client mistake)
│   ├── EmptyInputError     no article, or nothing but whitespace / boilerplate
│   ├── ReadError           a file or stream could not be read or decoded
│   │   └── NestingError        JSON nested deeper than the parser goes
│   └── LimitExceededError  an input is larger than a configured limit
├── DeadlineError       the caller's deadline passed; no further stage runs
├── EngineError         the Ray batch engine cannot run: no ray extra, or a cluster that does not answer,
│                       refuses this client (token) or runs other Ray / Python versions
└── ModelError          the optional rewrite model could not be used (never fatal)
"""

from __future__ import annotations

from enum import StrEnum


class Fallback(StrEnum):
    """Why a rewrite request got the extractive brief: a small fixed set (metrics are labelled by it)."""

    UNCONFIGURED = "unconfigured"  # no rewrite model is configured
    NOT_LOADED = "not_loaded"  # rewrite=auto and the model is not loaded yet
    LOAD_FAILED = "load_failed"  # the model is missing, or could not be loaded
    TIMEOUT = "timeout"  # over the rewrite time budget
    OUT_OF_MEMORY = "out_of_memory"
    UNFAITHFUL = "unfaithful"  # the faithfulness check rejected the rewrite
    UNAVAILABLE = "unavailable"  # the model server is down or overloaded (after retries; circuit open)
    REJECTED = "rejected"  # the model server refused the request (4xx: key, model name, parameters)
    BAD_RESPONSE = "bad_response"  # the model server's answer is not a usable completion
    ERROR = "error"  # any other failure of the model


# the kind reported for a failure that is not one of these (a bug): the caller gets no details
INTERNAL_ERROR = "internal_error"


class NewsbriefError(Exception):
    """Base of every error newsbrief raises on purpose; its message is safe to show a user."""

    kind = "newsbrief_error"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class InputError(NewsbriefError):
    kind = "invalid_input"


class EmptyInputError(InputError):
    kind = "empty_input"


class ReadError(InputError):
    kind = "read_error"


class NestingError(ReadError):
    kind = "too_deep"


class LimitExceededError(InputError):
    kind = "limit_exceeded"


class DeadlineError(NewsbriefError):
    kind = "timeout"


class EngineError(NewsbriefError):
    kind = "engine_error"


class ModelError(NewsbriefError):
    """Never fatal: the rewrite stage turns it into the extractive brief and its `reason`."""

    kind = "model_error"

    def __init__(self, message: str, *, reason: Fallback = Fallback.ERROR) -> None:
        super().__init__(message)
        self.reason = reason
