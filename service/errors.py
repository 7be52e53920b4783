"""One exception tree, so callers (CLI, HTTP, batch) can map every failure to a clear message.

NewsbriefError
├── InputError          the caller sent something we cannot summarise (client mistake)
│   ├── EmptyInputError     no article, or nothing but whitespace / boilerplate
│   ├── ReadError           a file or stream could not be read or decoded
│   │   └── NestingError        JSON nested deeper than the parser goes
│   └── LimitExceededError  an input is larger than a configured limit
├── DeadlineError       the caller's deadline passed; no further stage runs
└── ModelError          the optional rewrite model could not be used (never fatal)
"""

from __future__ import annotations


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


class ModelError(NewsbriefError):
    kind = "model_error"
