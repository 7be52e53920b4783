"""The JSON Lines set format, one place for every reader of it (batch, eval, benchmarks):
`{"id"?, "documents": [...], "known_documents"?: [...], …}` per line.

Input is read as bytes (stdin or a file, gzip recognised by its magic bytes), a line at a time and
never more than a limit of one line held; each line is checked on its own, so a bad one can become
its own error record while the rest are read.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, NamedTuple, Protocol

from pydantic import TypeAdapter, ValidationError

from service.errors import InputError, LimitExceededError, ReadError
from service.reading import articles_from_json, decode, load_json
from service.records import Article, ArticleId

Line = tuple[int, bytes | None]  # a line's 1-based number and bytes; None when it is over the size limit

_JSON_SPACE = b" \t\r\n"  # the only whitespace JSON has (RFC 8259): a line of nothing else is blank
_GZIP_MAGIC = b"\x1f\x8b"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 and UTF-32 byte-order marks
STDIN_FD = 0  # the file descriptor, whatever sys.stdin has been replaced with
_SET_ID = TypeAdapter(ArticleId)  # a set id obeys the same rules as an article id


class ByteStream(Protocol):
    def peek(self, size: int, /) -> bytes: ...
    def readline(self, size: int | None = ..., /) -> bytes: ...


@contextmanager
def open_input(source: str) -> Iterator[ByteStream]:
    """The input's bytes ('-' is stdin), gunzipped when they start with gzip's magic bytes, whatever
    the name. UTF-16/32 text is refused whole: each of its lines would only be an error record."""
    origin = input_name(source)
    with ExitStack() as stack:
        try:
            raw = stack.enter_context(open(STDIN_FD if source == "-" else source, "rb", closefd=source != "-"))
        except OSError as exc:
            raise ReadError(f"{origin}: cannot read ({exc.strerror})") from None
        stream: ByteStream = raw
        try:
            if raw.peek(2)[:2] == _GZIP_MAGIC:
                stream = stack.enter_context(gzip.GzipFile(fileobj=raw))
            head = stream.peek(4)[:4]
        except (EOFError, OSError, zlib.error) as exc:
            raise ReadError(f"{origin}: cannot read ({exc})") from None
        if head.startswith(_WIDE_BOMS):
            raise ReadError(
                f"{origin}: UTF-16 or UTF-32 text (it starts with a byte-order mark); batch input is UTF-8 "
                "JSON Lines: convert it with e.g. `iconv -f utf-16 -t utf-8`"
            )
        yield stream


def input_name(source: str) -> str:
    return "<stdin>" if source == "-" else source


class InputLines:
    """The input's non-blank lines as (number, bytes), never more than `limit` bytes of one held:
    a longer line comes as None and the rest of it is read past. A stream that fails part-way (a
    truncated gzip) ends the lines and `failure` says why, so the lines before it still count."""

    def __init__(self, stream: ByteStream, origin: str, limit: int) -> None:
        self.stream, self.origin, self.limit = stream, origin, limit
        self.failure: ReadError | None = None

    def __iter__(self) -> Iterator[Line]:
        number = 0
        try:
            while data := self.stream.readline(self.limit + 1):
                number += 1
                content = data.removesuffix(b"\n")
                if len(content) > self.limit:
                    while data and not data.endswith(b"\n"):
                        data = self.stream.readline(self.limit + 1)
                    yield number, None
                elif content.strip(_JSON_SPACE):
                    yield number, content
        except (EOFError, OSError, zlib.error) as exc:
            self.failure = ReadError(f"{self.origin}: cannot read past line {number} ({exc})")

    def strict(self) -> Iterator[Line]:
        """The lines, then the failure raised, for a reader that needs the whole input."""
        yield from self
        if self.failure is not None:
            raise self.failure


def count_lines(source: str, limit: int) -> int:
    """How many records a run of `source` writes (for a progress bar)."""
    with open_input(source) as stream:
        return sum(1 for _ in InputLines(stream, input_name(source), limit))


class SetLine(NamedTuple):
    id: str | None
    articles: list[Article]
    known: list[Article]  # articles the reader has already seen (an update brief)
    record: dict[str, Any]


def within_limit(line: bytes | None, number: int, limit: int) -> bytes:
    """The line, or LimitExceededError if InputLines found it longer than `limit` bytes (None)."""
    if line is None:
        raise LimitExceededError(
            f"line {number}: longer than {limit:,} bytes, the limit for one set (NEWSBRIEF_MAX_LINE_BYTES)",
            param="line",
        )
    return line


def load_set(line: str | bytes, number: int) -> dict[str, Any]:
    """The JSON object on a line; InputError if it is not UTF-8, not JSON, or not an object."""
    origin = f"line {number}"
    value = load_json(line if isinstance(line, str) else decode(line, origin), origin)
    if not isinstance(value, dict):
        raise InputError(f'{origin}: expected an object with a "documents" list')
    return value


def set_id(value: dict[str, Any], number: int) -> str | None:
    """The set's "id" as its record gives it (a number becomes its digits), or None if it has none."""
    raw = value.get("id")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InputError(f'line {number}: "id" must be a string or a whole number', param="id")
    try:
        return _SET_ID.validate_python(str(raw))
    except ValidationError as exc:
        raise InputError(f'line {number}: "id": {exc.errors()[0]["msg"]}', param="id") from None


def set_articles(value: dict[str, Any], number: int) -> tuple[list[Article], list[Article]]:
    """The set's articles ("documents", or "articles") and the ones already read ("known_documents")."""
    if not isinstance(value.get("documents", value.get("articles")), list):
        raise InputError(f'line {number}: expected an object with a "documents" list')
    known = value.get("known_documents", value.get("known_articles", []))
    return (
        articles_from_json(value, f"line {number}"),
        articles_from_json(known, f"line {number} known_documents") if known else [],
    )


def parse_set(line: str | bytes, number: int) -> SetLine:
    """One input line `{"id"?, "documents": [...], "known_documents"?: [...]}`, all of it checked."""
    value = load_set(line, number)
    return SetLine(set_id(value, number), *set_articles(value, number), value)
