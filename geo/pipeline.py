"""The pipeline: run the stages of :mod:`geo.registry` in order -> :class:`Results`.

Each stage is timed; a stage the dataset cannot feed is skipped with its stated reason. A
stage marked ``background`` (its work releases the GIL) starts on a second thread as soon as
the stage it :meth:`~geo.analyses.base.Stage.starts_after` has finished, and is joined at its
own place in the registry, so the results and their order never depend on the timing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from geo.analyses.base import Context, Stage, StageResult, catalogue_of
from geo.dataset import Dataset
from geo.memory import release_freed_memory
from geo.registry import REGISTRY
from geo.results import Results

__all__ = ["StageCallback", "run_pipeline"]

#: Called when a stage starts: ``(stage name, index from 0, number of stages)``.
StageCallback = Callable[[str, int, int], None]


def _timed(stage: Stage, ctx: Context) -> tuple[StageResult, float]:
    start = time.perf_counter()
    result = stage.run(ctx)
    return result, time.perf_counter() - start


def _merge(ctx: Context, results: Results, stage: Stage, result: StageResult) -> None:
    """Take a stage's outputs, columns, numbers and findings into the run."""
    ctx.outputs.update(result.outputs)
    for name, columns in result.columns.items():
        ctx.outputs[name] = ctx.outputs[name].assign(**columns)
    if result.indicators is not None and stage.section is not None:
        ctx.indicators[stage.section] = result.indicators
    results.warnings.extend(result.warnings)
    results.sources.update(result.sources)
    results.skipped.update(result.skipped)


def run_pipeline(
    dataset: Dataset,
    *,
    on_stage: StageCallback | None = None,
    stages: Sequence[Stage] = REGISTRY,
) -> Results:
    """Run every stage the dataset can feed.

    Parameters
    ----------
    dataset
        A validated dataset (see :func:`geo.dataset.load_dataset`).
    on_stage
        Progress callback, called as each stage starts (skipped ones included).
    stages
        The stages to run, in order (default: :data:`geo.registry.REGISTRY`).

    Returns
    -------
    Results
        Outputs, indicators, warnings, skipped analyses and stage timings.

    Raises
    ------
    DatasetError
        On bad input; nothing has been written at that point.
    """
    ctx = Context(dataset)
    results = Results(dataset=dataset, catalogue=catalogue_of(stages))
    started: dict[str, Future[tuple[StageResult, float]]] = {}
    early: defaultdict[str | None, list[Stage]] = defaultdict(list)
    for stage in stages:
        if stage.background:
            early[stage.starts_after(dataset)].append(stage)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="background") as pool:
        for index, stage in enumerate(stages):
            if on_stage is not None:
                on_stage(stage.name, index, len(stages))
            future = started.pop(stage.name, None)
            start = time.perf_counter()
            reason = None if future is not None else stage.skip_reason(ctx)
            if reason is not None:
                if stage.section is not None:
                    results.skipped[stage.section] = reason
                results.timings[stage.name] = time.perf_counter() - start
            else:
                result, seconds = future.result() if future is not None else _timed(stage, ctx)
                _merge(ctx, results, stage, result)
                results.timings[stage.name] = seconds
                release_freed_memory()
            for later in early.get(stage.name, ()):
                if later.skip_reason(ctx) is None:
                    # a snapshot of the outputs: later stages may replace them meanwhile
                    snapshot = Context(dataset, dict(ctx.outputs), dict(ctx.indicators))
                    started[later.name] = pool.submit(_timed, later, snapshot)
    results.outputs = {k: v for k, v in ctx.outputs.items() if k in results.catalogue}
    results.internals = {k: v for k, v in ctx.outputs.items() if k not in results.catalogue}
    results.indicators = ctx.indicators
    return results
