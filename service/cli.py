"""The `newsbrief` command: summarize, batch, eval.

Every expected failure is printed as one `error: …` line with exit code 2; no traceback.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer

from service.errors import NewsbriefError
from service.reading import read_paths
from service.rendering import Format, render
from service.settings import (
    MAX_QUOTES_LIMIT,
    MAX_SENTENCES_LIMIT,
    MAX_WORDS_LIMIT,
    FaithfulnessPolicy,
    OffTopicMode,
    RewriteMode,
    Settings,
)
from service.summarizer import Summarizer

if TYPE_CHECKING:
    from service.batch import BatchStats

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Multi-document news briefs with provenance.")

T = TypeVar("T")
Engine = Literal["local", "ray"]

MaxWords = Annotated[
    int | None, typer.Option("--max-words", min=1, max=MAX_WORDS_LIMIT, help="Word budget of the brief.")
]
MaxSentences = Annotated[
    int | None, typer.Option("--max-sentences", min=1, max=MAX_SENTENCES_LIMIT, help="Sentence budget of the brief.")
]
Rewrite = Annotated[
    RewriteMode | None,
    typer.Option(help="Abstractive rewrite: off, auto (when the model is loaded) or on (NEWSBRIEF_REWRITE)."),
]
Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Rewrite model: a name from `models list`, a hub id, a folder or a .gguf (NEWSBRIEF_REWRITE_MODEL).",
    ),
]
Faithfulness = Annotated[
    FaithfulnessPolicy | None,
    typer.Option(help="strict: an unfaithful rewrite falls back to the extractive brief; flag: keep it, list why."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except NewsbriefError as exc:
        raise _fail(exc.message) from None
    except OSError as exc:
        raise _fail(f"{exc.filename or 'I/O'}: {exc.strerror or exc or type(exc).__name__}") from None


@contextmanager
def _interruptible(output: Path, state: str = "holds whole records only: --resume completes it") -> Iterator[None]:
    """SIGINT and SIGTERM end a run with one line and exit code 128 + the signal's number; `state`
    says what the output then holds (a batch's: whole records only, and --resume completes it)."""
    received: list[int] = [signal.SIGINT]

    def on_term(signum: int, _frame: FrameType | None) -> None:
        received[0] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        name = signal.Signals(received[0]).name
        message = f"interrupted by {name}; {output} {state}"
        raise _fail(message, 128 + received[0]) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _settings(**options: object) -> Settings:
    """The one Settings of this command: the environment, with the options given on the command line."""
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"setting NEWSBRIEF_{str(first['loc'][0]).upper()}: {first['msg']}") from None
    return settings.model_copy(update={k: v for k, v in options.items() if v is not None})


@app.command()
def summarize(
    paths: Annotated[
        list[str], typer.Argument(help="Files or folders of articles (.txt, .html, .json, .jsonl); - for stdin.")
    ],
    max_words: MaxWords = None,
    max_sentences: MaxSentences = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format", "-f", help="text, json, markdown (with source footnotes) or html (one page, sources beside it)."
        ),
    ] = "text",
    query: Annotated[str | None, typer.Option(help="Topic to focus the brief on.")] = None,
    known: Annotated[
        list[str] | None,
        typer.Option(help="Articles already read (repeatable): the brief tells what is new since them."),
    ] = None,
    timings: Annotated[bool, typer.Option(help="Include stage timings in JSON output.")] = False,
    rewrite: Rewrite = None,
    model: Model = None,
    faithfulness: Faithfulness = None,
    off_topic: Annotated[
        OffTopicMode | None,
        typer.Option(help="exclude: leave articles unlike the rest out of the brief (named in notes); keep."),
    ] = None,
    quotes: Annotated[
        int | None,
        typer.Option(
            "--quotes", min=0, max=MAX_QUOTES_LIMIT, help="Add the best N direct quotes verbatim (NEWSBRIEF_QUOTES)."
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="The brief's language (ISO 639-1, NEWSBRIEF_LANG); default: most articles' language."),
    ] = None,
) -> None:
    """Summarise one article set into one brief."""
    summarizer = Summarizer(
        _settings(rewrite=rewrite, rewrite_model=model, faithfulness=faithfulness, off_topic=off_topic, quotes=quotes)
    )
    articles = _guard(lambda: read_paths(paths, stdin=sys.stdin.buffer if "-" in paths else None))
    already_read = _guard(lambda: read_paths(known)) if known else []
    summary = _guard(
        lambda: summarizer.summarize(
            articles, max_words=max_words, max_sentences=max_sentences, query=query, known=already_read, lang=lang
        )
    )
    sys.stdout.write(render(summary, articles, fmt, timings=timings))
    for note in summary.notes:
        typer.echo(f"note: {note}", err=True)


@app.command()
def batch(
    input_path: Annotated[
        str,
        typer.Argument(
            help='JSON Lines (or .gz): one {"id", "documents": [...], "known_documents"?: [...]} per line; - for stdin.'
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write one JSON record per input line.")],
    max_words: MaxWords = None,
    max_sentences: MaxSentences = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Local worker processes, or Ray actors (--engine ray); output keeps input order.")
    ] = 1,
    resume: Annotated[
        bool, typer.Option(help="Skip the input lines OUTPUT has records for (by line number); append the rest.")
    ] = False,
    engine: Annotated[
        Engine, typer.Option(help="local processes, or Ray actors here or on a cluster (pip install 'newsbrief[ray]').")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster: host:port of its head (ray://host:10001 for Ray Client); default: start Ray here. "
            "A cluster with token authentication needs RAY_AUTH_MODE=token and its token (~/.ray/auth_token)."
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Progress bar with rate and ETA on stderr.")] = True,
    rewrite: Rewrite = None,
    model: Model = None,
    faithfulness: Faithfulness = None,
) -> None:
    """Summarise many article sets; a bad line gives an error record and the run goes on."""
    settings = _settings(rewrite=rewrite, rewrite_model=model, faithfulness=faithfulness)
    if input_path != "-" and not Path(input_path).exists():
        raise _fail(f"{input_path}: no such file")
    if input_path != "-" and Path(input_path).is_dir():
        raise _fail(f"{input_path}: a folder; batch reads one JSON Lines file")
    with _interruptible(output):
        stats = _guard(
            lambda: _run(
                settings, input_path, output, workers, resume, max_words, max_sentences, progress, engine, ray_address
            )
        )
    typer.echo(stats.line(), err=True)
    warning = stats.warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    if stats.failed:
        raise typer.Exit(1)


def _run(
    settings: Settings,
    input_path: str,
    output: Path,
    workers: int,
    resume: bool,
    max_words: int | None,
    max_sentences: int | None,
    progress: bool,
    engine: Engine,
    ray_address: str | None,
) -> BatchStats:
    """A batch run on either engine, with a progress bar over the lines it can count (not stdin or a
    pipe); the Ray engine reaches its cluster and starts its actors before the bar shows."""
    from tqdm import tqdm

    from service.batch import refuse_same_file, run_batch
    from service.sets import count_lines

    refuse_same_file(input_path, output)  # before a progress bar shows
    counted = progress and Path(input_path).is_file()  # it can be read twice
    total = count_lines(input_path, settings.max_line_bytes) if counted else None
    with ExitStack() as stack:
        work = None
        if engine == "ray":
            from service.ray_engine import ray_lines

            work = stack.enter_context(
                ray_lines(
                    settings, address=ray_address, actors=workers, max_words=max_words, max_sentences=max_sentences
                )
            )
        bar = stack.enter_context(tqdm(total=total, desc="sets", unit=" set", disable=not progress, file=sys.stderr))
        stats = run_batch(
            settings,
            input_path,
            output,
            workers=workers,
            resume=resume,
            max_words=max_words,
            max_sentences=max_sentences,
            on_record=lambda _: bar.update(),
            work=work,
        )
        bar.update(stats.skipped)
    return stats


@app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Argument(help='JSON Lines with "documents" and "references" per line.')],
    max_words: Annotated[
        int,
        typer.Option("--max-words", min=1, max=MAX_WORDS_LIMIT, help="Budget; summary and references are cut to it."),
    ] = 100,
    use_query: Annotated[
        bool, typer.Option("--query/--no-query", help="Focus on each line's query when it has one.")
    ] = False,
) -> None:
    """ROUGE-1/2/L recall and F1 (Porter stemming) of newsbrief against the references."""
    from service.evaluation import METRICS, evaluate_lines
    from service.sets import InputLines, open_input

    summarizer = Summarizer(_settings())

    def go() -> None:
        with open_input(str(data)) as stream:
            lines = InputLines(stream, str(data), summarizer.settings.max_line_bytes)
            count, avg = evaluate_lines(summarizer, lines.strict(), max_words, use_query=use_query)
        typer.echo(f"clusters: {count}, budget: {max_words} words")
        for metric in METRICS:
            typer.echo(f"{metric}: recall {avg.recall[metric]:.2f}  f1 {avg.f1[metric]:.2f}")

    _guard(go)


@app.command()
def stories(
    input_path: Annotated[
        str,
        typer.Argument(
            help="JSON Lines (or .gz): one article {id, text|html, title?, source?, url?, published_at?} per line; "
            "- for stdin."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write one JSON story per line.")],
    max_words: MaxWords = None,
) -> None:
    """Group a stream of articles into stories, one brief each; a bad line gives an error record."""
    import json
    import os
    import tempfile

    from service.batch import refuse_same_file
    from service.sets import InputLines, input_name, open_input
    from service.story_briefs import read_stream
    from service.story_briefs import stories as group

    settings = _settings(max_words=max_words)
    summarizer = Summarizer(settings)

    def go() -> tuple[int, int, int]:
        refuse_same_file(input_path, output)  # the rename would put the stories in place of the articles
        with open_input(input_path) as stream:
            lines = InputLines(stream, input_name(input_path), settings.max_line_bytes)
            articles, errors = read_stream(lines.strict(), settings.max_line_bytes)
        found = group(articles, summarizer)
        # written whole or not at all: into a temporary file beside it, then renamed over it
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=output.parent, delete=False) as out:
            try:
                for record in found:
                    out.write(record.model_dump_json() + "\n")
                for error in errors:
                    out.write(json.dumps(error, ensure_ascii=False) + "\n")
            except BaseException:
                Path(out.name).unlink()
                raise
        os.replace(out.name, output)
        return len(articles), len(found), len(errors)

    with _interruptible(output, "was not written"):
        count, found, failed = _guard(go)
    typer.echo(f"{count} articles, {found} stories, {failed} bad lines", err=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (NEWSBRIEF_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (NEWSBRIEF_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (NEWSBRIEF_WORKERS).")] = None,
) -> None:
    """Run the HTTP API (docs at /docs)."""
    from service.api.server import serve as run_server

    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers}.items() if v is not None}
    run_server(_settings().model_copy(update=overrides))


models_app = typer.Typer(help="Rewrite models: the manifest and downloads into models/.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """The supported rewrite models, with kind, licence and size."""
    from service.model_registry import entries

    models_dir = _settings().models_dir
    for entry in _guard(lambda: entries(models_dir)):
        typer.echo(f"{entry.name:24} {entry.kind:8} {entry.licence:12} {entry.size:>8}  {entry.spec}")
        typer.echo(f"{'':24} {entry.good_for}")


@models_app.command("pull")
def models_pull(spec: Annotated[str, typer.Argument(help="A name from `models list`, or any hub id.")]) -> None:
    """Download a model into models/<name>/ (used by the Docker build to bake a model in)."""
    from service.model_registry import pull

    models_dir = _settings().models_dir
    target = _guard(lambda: pull(spec, models_dir))
    typer.echo(f"pulled into {target}; use it with --model {target.name}")


def main() -> None:
    app()
