"""Structured JSON logs on stdout, one object per line, for log shippers."""

from __future__ import annotations

import logging

import structlog


def configure(level: str) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # one write per line (message and newline together): PrintLogger's print() writes them
        # apart, and with PYTHONUNBUFFERED (the image sets it) several workers' lines interleaved
        logger_factory=structlog.WriteLoggerFactory(),
        cache_logger_on_first_use=False,
    )
