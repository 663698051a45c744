"""Analyse a dataset and publish the run: results, map and report, in one atomic folder.

The CLI (``tia analyze``) and the API's worker both call :func:`analyse_and_publish`; it is
the one place where the pipeline, the map and the report are put together. Progress is
reported as :func:`progress_event` objects, the same for every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from geo.analyses.base import Stage
from geo.dataset import Dataset
from geo.display import use_display_geometry
from geo.memory import release_freed_memory
from geo.pipeline import run_pipeline
from geo.registry import REGISTRY
from geo.results import Results, write_results
from maps import save_map

__all__ = ["STAGE_WRITE", "ProgressCallback", "analyse_and_publish", "progress_event"]

#: The last step of every run, after the registry's stages.
STAGE_WRITE = "write outputs"

#: Receives one progress event (see :func:`progress_event`).
ProgressCallback = Callable[[dict[str, Any]], None]


def progress_event(stage: str, index: int, total: int) -> dict[str, Any]:
    """Return the progress event of a stage starting.

    Parameters
    ----------
    stage
        Stage name.
    index
        Its number, counted from 1.
    total
        Number of steps: the registry's stages and writing the outputs.

    Returns
    -------
    dict
        ``{"event": "stage", "stage", "index", "total"}``; ``index / total`` is the share
        of the steps begun.
    """
    return {"event": "stage", "stage": stage, "index": index, "total": total}


def analyse_and_publish(
    dataset: Dataset,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    on_progress: ProgressCallback | None = None,
    stages: Sequence[Stage] = REGISTRY,
    extras: dict[str, Callable[[Path], object]] | None = None,
) -> tuple[Results, Path]:
    """Run the analyses and publish results, ``map.html`` and ``report.html`` atomically.

    Parameters
    ----------
    dataset
        A validated dataset.
    out_dir
        The results folder; its previous content is replaced only when all is written.
    lang
        Language of the map and the report (``zh`` or ``en``).
    on_progress
        Called with a progress event as each step starts.
    stages
        The stages to run (default: the registry).
    extras
        More files to publish: name -> writer of that path.

    Returns
    -------
    tuple
        The results and the published folder.

    Raises
    ------
    DatasetError
        On bad input; nothing was written.
    """
    started = datetime.now(UTC)
    total = len(stages) + 1

    def on_stage(name: str, index: int, count: int) -> None:
        if on_progress is not None:
            on_progress(progress_event(name, index + 1, total))

    from geo.report import write_report  # with its figures: imported when a run publishes

    results = run_pipeline(dataset, on_stage=on_stage, stages=stages)
    on_stage(STAGE_WRITE, len(stages), total)
    use_display_geometry(results)
    release_freed_memory()
    files = {
        "map.html": partial(save_map, results, lang=lang),
        "report.html": partial(write_report, results, lang=lang),
        **(extras or {}),
    }
    return results, write_results(results, out_dir, started=started, extras=files)
