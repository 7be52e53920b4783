"""Read article sets from text, HTML, JSON or JSON Lines files, folders and stdin.

Every failure becomes a ReadError naming the file, so a CLI user never sees a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ValidationError

from service.boilerplate import BOILERPLATE
from service.cleaning import final_mark, is_heading
from service.errors import InputError, NestingError, ReadError
from service.records import Article

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


def decode(data: bytes, origin: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{origin}: not valid UTF-8 (byte {exc.start}); convert it with e.g. `iconv -t utf-8`"
        ) from None


def load_json(text: str, origin: str) -> Any:
    """`json.loads` whose every failure is a ReadError: bad syntax, and nesting deeper than the
    parser's recursion limit (100,000 `[` would otherwise escape as RecursionError)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(f"{origin}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError:  # the only other one: an integer longer than int() reads (its guard against quadratic parsing)
        raise ReadError(f"{origin}: a number with more than {sys.get_int_max_str_digits():,} digits") from None
    except RecursionError:
        raise NestingError(f"{origin}: JSON nested too deeply to be an article set") from None


# trafilatura's extraction modes, in the order tried: precision keeps the least furniture, but on
# some real articles it finds nothing (issue 12: nothing, where recall finds the 12,655 characters)
_MODES = ("precision", "recall")
# precision output shorter than this (under a news lead paragraph) is read again for recall: of
# the 293 pages of benchmarks/web.py, precision found 0 words on 3 and 23 on one where recall found 183
_MIN_WORDS = 30


def html_to_text(html: str) -> str:
    """The main text of a web page, "" when it has none.

    trafilatura finds the main content: navigation, link lists (by their link density), ads,
    comments and tables go. Precision mode first; recall mode when precision finds too little.
    Its markup then drops what the plain text could no longer tell apart (`_strip_furniture`).
    """
    from trafilatura import bare_extraction
    from trafilatura.metadata import Document
    from trafilatura.utils import normalize_unicode
    from trafilatura.xml import xmltotxt

    best = ""
    for mode in _MODES:
        document = bare_extraction(
            html,
            output_format="txt",
            include_comments=False,
            include_tables=False,
            favor_precision=mode == "precision",
            favor_recall=mode == "recall",
        )
        if not isinstance(document, Document) or document.body is None:
            continue
        _strip_furniture(document.body)
        text = normalize_unicode(xmltotxt(document.body, include_formatting=False)).strip()
        if len(text.split()) >= _MIN_WORDS:
            return text
        best = max(best, text, key=len)
    return best


# a heading element ending in one of these reads as prose (a deck that is a sentence, a long
# question of an interview): it stays, for cleaning to judge as a line
_PROSE_MARKS = (".", "?")


def _strip_furniture(body: Any) -> None:
    """Drop the elements of trafilatura's tree that its plain text would pass off as article text:

    - a heading element that cleaning would not take for a heading, unless it ends like a statement
      or a question: a standfirst without end punctuation, longer than the heading bound (in plain
      text only its length tells it from prose, and article lines without end punctuation run as
      long), or an exclamation (a call to action: "Support us!", "Join our channel!");
    - a quote that ends with an embedded post's signature ("— Name (@handle) date"): the whole
      post, every line of it (in plain text, cleaning drops only the line before the signature).
    """
    from trafilatura.xml import delete_element, xmltotxt

    for element in list(body.iter("head", "quote")):
        tail, element.tail = element.tail, None  # the text after the element is not part of it
        lines = [line.strip() for line in xmltotxt(element, include_formatting=False).splitlines() if line.strip()]
        element.tail = tail
        if not lines:
            continue
        text = " ".join(lines)
        if element.tag == "head":
            if not is_heading(text) and final_mark(text) not in _PROSE_MARKS:
                delete_element(element)
        elif BOILERPLATE.embed_signature.fullmatch(lines[-1]):
            delete_element(element)


def looks_like_html(text: str) -> bool:
    """A page, or a fragment that opens with a tag and closes one (`<p>…</p><script>…`)."""
    head = text.lstrip()[:512].lower()
    return (
        head.startswith(("<!doctype html", "<html"))
        or ("<body" in head and "</" in head)
        or (head[:1] == "<" and head[1:2].isalpha() and "</" in head)
    )


# an article's optional "format"; without it, HTML is detected (looks_like_html)
ArticleFormat = Literal["text", "html"]
FORMATS: tuple[str, ...] = get_args(ArticleFormat)


def default_id(pos: int) -> str:
    """An article without an id is known by its position in its set, counting from 0 (every entry point)."""
    return str(pos)


def articles_from_json(value: Any, origin: str, first_pos: int = 0) -> list[Article]:
    """Accept an article, a list of articles, or an object with `articles` or `documents`."""
    if isinstance(value, dict):
        for key in ("articles", "documents"):
            if key in value:
                return articles_from_json(value[key], origin, first_pos)
        value = [value]
    if not isinstance(value, list):
        raise ReadError(f"{origin}: expected an article object or a list of articles")
    return articles_from_items(value, origin, first_pos)


def articles_from_items(items: Sequence[Any], origin: str, first_pos: int = 0) -> list[Article]:
    """One Article per JSON item (`first_pos` is the first one's position); ids must come out unique.

    An error's `param` is `origin[position].field`, so an HTTP caller passing `origin="articles"`
    gets `articles[1].text`.
    """
    articles = [article_from_json(item, first_pos + i, origin) for i, item in enumerate(items)]
    named = [isinstance(item, dict) and item.get("id") is not None for item in items]
    seen: dict[str, int] = {}
    for i, article in enumerate(articles):
        if article.id not in seen:
            seen[article.id] = i
            continue
        first = seen[article.id]

        def how(j: int) -> str:
            if named[j]:
                return f"article {first_pos + j} names it"
            return f"article {first_pos + j} has it by default (an article without an id is known by its position)"

        raise InputError(
            f"{origin}: article id {article.id!r} is used twice: {how(first)} and {how(i)}; "
            "give each article its own id",
            param=f"{origin}[{first_pos + i}].id",
        )
    return articles


def article_from_json(item: Any, pos: int, origin: str) -> Article:
    """A text or an object (`id`, `text`, `format`, `title`, …) → an Article; HTML is cleaned to its main text."""
    where = f"{origin}[{pos}]"
    if isinstance(item, str):
        item = {"text": item}
    if not isinstance(item, dict):
        raise ReadError(f"{origin}: article {pos} is not an object", param=where)
    item = dict(item)
    if item.get("id") is None:
        item["id"] = default_id(pos)
    elif isinstance(item["id"], int) and not isinstance(item["id"], bool):
        item["id"] = str(item["id"])  # 3 and "3" name one article; a list or a float is no id
    fmt = item.pop("format", None)
    if fmt is not None and fmt not in FORMATS:
        raise ReadError(f"{origin}: article {pos}: format must be one of {', '.join(FORMATS)}", param=f"{where}.format")
    text = item.get("text")
    if isinstance(text, str) and (fmt == "html" or (fmt is None and looks_like_html(text))):
        item["text"] = html_to_text(text)  # "" if the page has no article text: left out of the brief, with a note
    try:
        return Article.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ReadError(f"{origin}: article {pos}: {field}: {first['msg']}", param=f"{where}.{field}") from None


def _parse_json_lines(text: str, origin: str) -> list[Article]:
    articles: list[Article] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            value = load_json(line, f"{origin}:{number}")
            articles.extend(articles_from_json(value, f"{origin}:{number}", len(articles)))
    return articles


def parse(text: str, origin: str, suffix: str, stem: str) -> list[Article]:
    if suffix in JSON_SUFFIXES or (suffix == "" and text.lstrip()[:1] in ("{", "[")):
        stripped = text.strip()
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError:  # not one document: JSON Lines, one article (or list) per line
            return _parse_json_lines(text, origin)
        except (RecursionError, ValueError):  # too deep, or a number too long to read
            value = load_json(stripped, origin)  # raises the ReadError
        return articles_from_json(value, origin)
    if suffix in HTML_SUFFIXES or looks_like_html(text):
        text = html_to_text(text)  # "" if the page has no article text: the set is briefed from the others
    return [Article(id=stem or "0", text=text)]


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        known = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
        yield from (p for p in files if p.suffix.lower() in known)
    else:
        yield path


def read_paths(paths: Sequence[str], stdin: Iterable[bytes] | None = None) -> list[Article]:
    """Articles from every path ('-' is stdin), in order; ids must come out unique.

    A web page without article text is kept as an empty article, which the summary names in its
    notes: the set is briefed from the others. Only a set with no text at all is an error.
    """
    articles: list[Article] = []
    for raw in paths:
        if raw == "-":
            data = b"".join(stdin) if stdin is not None else b""
            articles.extend(parse(decode(data, "<stdin>"), "<stdin>", "", "stdin"))
            continue
        path = Path(raw)
        if not path.exists():
            raise ReadError(f"{raw}: no such file or folder")
        found = list(_files(path))
        if path.is_dir() and not found:
            raise ReadError(f"{raw}: the folder holds no .txt, .html or .json files")
        for file in found:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise ReadError(f"{file}: cannot read ({exc.strerror})") from None
            articles.extend(parse(decode(data, str(file)), str(file), file.suffix.lower(), file.stem))
    if articles and not any(a.text.strip() for a in articles):  # one readable article is enough
        raise ReadError(f"{', '.join(paths)}: no article text found (empty, or a web page without an article)")
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"article id {duplicate!r} appears twice in the input; give each article its own id")
    return articles
