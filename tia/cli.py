"""Command line: ``tia analyze | validate | init | fetch | serve``.

Bad input prints one sentence to stderr and exits with code 2; nothing is written.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
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
from geo.i18n import note_record, say
from geo.init_dataset import write_manifest
from geo.pipeline import run_pipeline
from geo.registry import VALIDATION
from geo.results import Results
from maps.assets import MapAssetError, asset_root
from tia.publish import ProgressCallback, analyse_and_publish, progress_event
from tia.sigterm import stop_on_sigterm

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


def _json_line(event: dict[str, object]) -> str:
    return json.dumps(event, ensure_ascii=False, default=str) + "\n"


def _json_event(event: str, **fields: object) -> None:
    """Write one JSON object per line to stderr (``--json-log``)."""
    sys.stderr.write(_json_line({"event": event, **fields}))
    sys.stderr.flush()


@contextmanager
def _progress(quiet: bool, json_log: bool = False) -> Iterator[ProgressCallback | None]:
    """Show the stage, its progress and time on a terminal; stay silent otherwise."""
    if json_log:
        start = time.perf_counter()

        def log_stage(event: dict[str, object]) -> None:
            sys.stderr.write(
                _json_line(event | {"elapsed_s": round(time.perf_counter() - start, 3)})
            )
            sys.stderr.flush()

        yield log_stage
        return
    if quiet or not err.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def on_progress(event: dict[str, object]) -> None:
            index, total = int(event["index"]), int(event["total"])  # type: ignore[call-overload]
            progress.update(
                task,
                description=f"[{index}/{total}] {event['stage']}",
                total=total,
                completed=index - 1,
            )

        yield on_progress


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
        table.add_row(f"skipped: {name}", escape(say(reason, "en")))
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
        sentence = escape(say(warning, "en"))
        err.print(f"[yellow]warning:[/] {sentence}", highlight=False, soft_wrap=True)
        for item in warning.items[:5]:
            err.print(f"  - {escape(item)}", highlight=False, soft_wrap=True)
        if len(warning.items) > 5:
            err.print(f"  ... and {len(warning.items) - 5} more (see run.json)")


@app.command()
def validate(dataset: DatasetArg, quiet: QuietOpt = False) -> None:
    """Check a dataset: load every part and report counts, CRS, encoding and warnings.

    Nothing is analysed: only the stages that load and check input run.
    """
    with _user_errors():
        ds = load_dataset(dataset)
        with _progress(quiet) as show:

            def on_stage(name: str, index: int, total: int) -> None:
                if show is not None:
                    show(progress_event(name, index + 1, total))

            results = run_pipeline(ds, on_stage=on_stage, stages=VALIDATION)
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
    try:
        asset_root()
    except MapAssetError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    with _user_errors():
        ds = load_dataset(dataset)
        target = Path(out_dir if out_dir is not None else Path("out") / ds.slug)
        if target.exists() and not target.is_dir():
            msg = f"--out {target} is a file; give a folder (it is created when missing)"
            raise DatasetError(msg)
        stage = "load"
        try:
            with stop_on_sigterm(), _progress(quiet or json_log, json_log) as show:

                def on_progress(event: dict[str, object]) -> None:
                    nonlocal stage
                    stage = str(event["stage"])
                    if show is not None:
                        show(event)

                results, published = analyse_and_publish(
                    ds, target, lang=lang.value, on_progress=on_progress
                )
        except DatasetError:
            raise
        except (Exception, KeyboardInterrupt) as exc:  # reported with a log, not a traceback
            _report_failure(exc, stage, target, json_log)
    if json_log:
        for warning in results.warnings:
            _json_event("warning", **note_record(warning))
        skipped = {name: say(reason, "en") for name, reason in results.skipped.items()}
        _json_event("done", out=str(published), counts=results.counts(), skipped=skipped)
    elif not quiet:
        out.print(_summary(results))
        _print_overlaps(results)
        _print_warnings(results)
        out.print(f"[green]written:[/] {published}")


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
def fetch(
    dataset: DatasetArg,
    overpass_url: Annotated[
        str | None, typer.Option(help="Overpass API base URL (default: overpass-api.de)")
    ] = None,
    margin_km: Annotated[float, typer.Option(min=0, help="area fetched around the units")] = 2.0,
    roads: Annotated[bool, typer.Option(help="fetch the drivable roads")] = True,
    sites: Annotated[bool, typer.Option(help="fetch the tourism features")] = True,
    replace: Annotated[bool, typer.Option(help="replace a [roads] naming other roads")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Download OSM roads and tourism features for the units (osmnx, Overpass) into DATASET."""
    from tia.fetch import fetch_osm  # osmnx's download code, only for this command

    with _user_errors():
        report = fetch_osm(
            dataset,
            overpass_url=overpass_url,
            margin_km=margin_km,
            roads=roads,
            sites=sites,
            replace=replace,
        )
    if not quiet:
        out.print(
            f"fetched {report.roads} roads ({report.road_nodes} nodes) and {report.sites} "
            f"tourism features into {escape(str(dataset))}: {', '.join(report.files)}"
        )
        added = ", ".join(report.manifest) or "nothing (already there)"
        out.print(f"dataset.toml: added {escape(added)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Start the HTTP API (docs at /docs); data under TIA_HOME (default out/server)."""
    import uvicorn

    from api.app import create_app
    from api.connections import head_deadline_protocol
    from api.settings import Settings

    protocol = head_deadline_protocol(Settings().head_timeout_s)
    uvicorn.run(create_app(), host=host, port=port, log_level="info", http=protocol)


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False,
) -> None:
    """Tourism Integration Analyzer."""
    if version:
        out.print(f"tia {__version__}")
        raise typer.Exit(0)
