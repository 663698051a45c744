"""Command line: ``tia analyze | validate | init``.

Bad input prints one sentence to stderr and exits with code 2; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

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


@contextmanager
def _progress(quiet: bool) -> Iterator[StageCallback | None]:
    """Show the stage, its progress and time on a terminal; stay silent otherwise."""
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
) -> None:
    """Analyse a dataset and write the results, map.html and run.json to out/<dataset>/."""
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
        target = out_dir if out_dir is not None else Path("out") / ds.slug
        with _progress(quiet) as on_stage:
            results = run_pipeline(ds, on_stage=on_stage)
        extras = {
            "map.html": partial(save_map, results, lang=lang.value),
            "report.html": partial(write_report, results, lang=lang.value),
        }
        published = write_results(results, target, started=started, extras=extras)
    if not quiet:
        out.print(_summary(results))
        _print_overlaps(results)
        _print_warnings(results)
        out.print(f"[green]written:[/] {published}")


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
    """Start the HTTP API (OpenAPI at /docs) over the analyses in TIA_RESULTS (default out/)."""
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
