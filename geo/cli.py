"""Command line: ``tia analyze | validate | init``.

Bad input prints one sentence to stderr and exits with code 2; nothing is written.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo import __version__
from geo.dataset import load_dataset
from geo.errors import DatasetError
from geo.init_dataset import write_manifest
from geo.pipeline import StageCallback, run_pipeline
from geo.report import write_report
from geo.results import Results, write_results

app = typer.Typer(
    help="Tourism Integration Analyzer: duplicated construction and cross-border clusters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

DatasetArg = Annotated[Path, typer.Argument(help="dataset folder (with dataset.toml)")]


class Language(StrEnum):
    """Languages of the map and the report."""

    zh = "zh"
    en = "en"


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print only errors")]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn bad input into one sentence on stderr and exit code 2."""
    try:
        yield
    except DatasetError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        raise typer.Exit(130) from None


def _json_event(event: str, **fields: object) -> None:
    """Write one JSON object per line to stderr (``--json-log``)."""
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@contextmanager
def _progress(quiet: bool, json_log: bool = False) -> Iterator[StageCallback | None]:
    """Show the stage, its progress and time on a terminal; stay silent otherwise."""
    if json_log:
        start = time.perf_counter()

        def log_stage(name: str, index: int, total: int) -> None:
            elapsed = round(time.perf_counter() - start, 3)
            _json_event("stage", stage=name, index=index + 1, total=total, elapsed_s=elapsed)

        yield log_stage
        return
    if quiet or not err.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def on_stage(name: str, index: int, total: int) -> None:
            progress.update(
                task, description=f"[{index + 1}/{total}] {name}", total=total, completed=index
            )

        yield on_stage


def _summary(results: Results) -> Table:
    table = Table(title=results.dataset.name, show_header=True, header_style="bold")
    table.add_column("part")
    table.add_column("what was found")
    for section, info in results.sources.items():
        facts = []
        for key in (
            "format",
            "encoding",
            "source_crs",
            "sites",
            "features",
            "ways",
            "rows_skipped",
            "repaired",
        ):
            if info.get(key) not in (None, 0, ""):
                facts.append(f"{key}={info[key]}")
        if section == "dem" and results.dem is not None:
            facts = [
                f"crs={results.dem.crs}",
                f"{results.dem.width}x{results.dem.height}",
                f"coverage={results.dem.coverage:.1%}",
            ]
        table.add_row(section, escape(", ".join(facts)))
    counts = results.counts()
    table.add_row("result", ", ".join(f"{k}={v}" for k, v in counts.items()))
    timings = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in results.timings.items())
    table.add_row("time", timings)
    for name, reason in results.skipped.items():
        table.add_row(f"skipped: {name}", escape(reason))
    return table


def _print_overlaps(results: Results, top: int = 5) -> None:
    pairs = results.overlaps
    if pairs is None or pairs.empty:
        return
    cross = int(pairs["cross_border"].sum())
    out.print(f"[bold]{len(pairs)} overlap pairs ({cross} across borders); the strongest:[/]")
    for sentence in pairs["explanation"].head(top):
        out.print(f"  - {escape(sentence)}", highlight=False, soft_wrap=True)


def _print_warnings(results: Results) -> None:
    for warning in results.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning.message)}", highlight=False, soft_wrap=True)
        for item in warning.items[:5]:
            err.print(f"  - {escape(item)}", highlight=False, soft_wrap=True)
        if len(warning.items) > 5:
            err.print(f"  ... and {len(warning.items) - 5} more (see run.json)")


@app.command()
def validate(dataset: DatasetArg, quiet: QuietOpt = False) -> None:
    """Check a dataset: load every part, report counts, CRS, encoding and warnings."""
    with _user_errors():
        ds = load_dataset(dataset)
        with _progress(quiet) as on_stage:
            results = run_pipeline(ds, on_stage=on_stage)
    if not quiet:
        out.print(_summary(results))
        _print_warnings(results)
        out.print(f"[green]valid:[/] {ds.manifest}")


@app.command()
def analyze(
    dataset: DatasetArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default out/<dataset>)")
    ] = None,
    quiet: QuietOpt = False,
    lang: Annotated[
        Language, typer.Option("--lang", help="language of map.html and report.html (zh or en)")
    ] = Language.zh,
    json_log: Annotated[
        bool,
        typer.Option("--json-log", help="for scripts: one JSON object per line on stderr"),
    ] = False,
) -> None:
    """Analyse a dataset and write results, map.html, report.html and run.json."""
    from maps import save_map  # the CLI composes the packages; geo's stages never see maps
    from maps.assets import MapAssetError, asset_root

    try:
        asset_root()
    except MapAssetError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    started = datetime.now(UTC)
    with _user_errors():
        ds = load_dataset(dataset)
        target = Path(out_dir if out_dir is not None else Path("out") / ds.slug)
        if target.exists() and not target.is_dir():
            msg = f"--out {target} is a file; give a folder (it is created when missing)"
            raise DatasetError(msg)
        stage = ["load", 0]
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            with _progress(quiet or json_log, json_log) as show:

                def on_stage(name: str, index: int, total: int) -> None:
                    stage[:] = [name, total]
                    if show is not None:
                        show(name, index, total)

                results = run_pipeline(ds, on_stage=on_stage)
                on_stage("write outputs", stage[1], stage[1] + 1)
                extras = {
                    "map.html": partial(save_map, results, lang=lang.value),
                    "report.html": partial(write_report, results, lang=lang.value),
                }
                published = write_results(results, target, started=started, extras=extras)
        except DatasetError:
            raise
        except (Exception, KeyboardInterrupt) as exc:  # reported with a log, not a traceback
            _report_failure(exc, str(stage[0]), target, json_log)
    if json_log:
        for warning in results.warnings:
            _json_event("warning", code=warning.code, message=warning.message, items=warning.items)
        _json_event("done", out=str(published), counts=results.counts(), skipped=results.skipped)
    elif not quiet:
        out.print(_summary(results))
        _print_overlaps(results)
        _print_warnings(results)
        out.print(f"[green]written:[/] {published}")


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt, so a stopped run cleans up and says so."""
    raise KeyboardInterrupt


def _report_failure(exc: BaseException, stage: str, target: Path, json_log: bool) -> NoReturn:
    """Write the traceback beside the results, say where it is and exit (1, or 130 if stopped)."""
    log = target.parent / f"{target.name}.error.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    kept = (
        f"the previous results in {target} are untouched"
        if target.exists()
        else "no results were written"
    )
    stopped = isinstance(exc, KeyboardInterrupt)
    what = "was interrupted" if stopped else f"failed ({type(exc).__name__}: {exc})"
    message = f"the analysis {what} during '{stage}'; {kept}; the full log is in {log}"
    if json_log:
        _json_event("error", stage=stage, message=message, log=str(log))
    else:
        err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(130 if stopped else 1)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="folder of data files")],
    force: Annotated[
        bool, typer.Option("--force", help="replace an existing dataset.toml")
    ] = False,
) -> None:
    """Write dataset.toml for a folder of data files and say what was guessed."""
    with _user_errors():
        manifest, guess = write_manifest(folder, force=force)
    for reason in guess.reasons:
        out.print(f"- {escape(reason)}", highlight=False, soft_wrap=True)
    out.print(f"[green]wrote:[/] {manifest} — check it, then run: tia validate {folder}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Start the HTTP API (docs at /docs); data under TIA_HOME (default out/server)."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False,
) -> None:
    """Tourism Integration Analyzer."""
    if version:
        out.print(f"tia {__version__}")
        raise typer.Exit(0)
