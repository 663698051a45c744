"""One analysis job, in its own process: ``python -m api.worker INPUT RESULTS [--params JSON]``.

The server starts this for every job so a long analysis never slows the API, and a crash or a
kill only loses the job. Progress goes to stdout as one JSON object per line (``stage``,
``done`` or ``error``); results are published atomically (:func:`geo.results.write_results`),
with ``results.pickle`` beside the usual files so the server can serve the run from memory.
Exit code: 0 done, 2 bad input, 1 failure, 130 stopped.
"""

from __future__ import annotations

import argparse
import json
import pickle
import signal
import sys
import traceback
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from geo.dataset import load_dataset, with_params
from geo.errors import DatasetError
from geo.pipeline import STAGES, run_pipeline
from geo.report import write_report
from geo.results import Results, write_results
from maps import save_map

__all__ = ["PICKLE_NAME", "main"]

#: The run in Python's pickle format, written only by this server process for its own reads.
PICKLE_NAME = "results.pickle"


def _emit(event: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _pickle(results: Results, path: Path) -> None:
    with path.open("wb") as out:
        pickle.dump(results, out, protocol=pickle.HIGHEST_PROTOCOL)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run one job; return the process exit code.

    Parameters
    ----------
    argv
        ``INPUT RESULTS [--params JSON] [--lang zh|en]`` (``sys.argv[1:]`` when None).
    """
    parser = argparse.ArgumentParser(prog="python -m api.worker")
    parser.add_argument("input", type=Path, help="dataset folder (with dataset.toml)")
    parser.add_argument("results", type=Path, help="results folder, replaced atomically")
    parser.add_argument("--params", default="{}", help="[params] overrides as a JSON object")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    started = datetime.now(UTC)
    stage = "load"
    try:
        dataset = with_params(load_dataset(args.input, confined=True), json.loads(args.params))

        def on_stage(name: str, index: int, total: int) -> None:
            nonlocal stage
            stage = name
            _emit("stage", stage=name, index=index, total=total + 1)

        results = run_pipeline(dataset, on_stage=on_stage)
        on_stage("write outputs", len(STAGES), len(STAGES))
        extras = {
            "map.html": partial(save_map, results, lang=args.lang),
            "report.html": partial(write_report, results, lang=args.lang),
            PICKLE_NAME: partial(_pickle, results),
        }
        write_results(results, args.results, started=started, extras=extras)
    except DatasetError as exc:
        _emit("error", message=str(exc))
        return 2
    except KeyboardInterrupt:
        _emit("error", message=f"the analysis was stopped during '{stage}'")
        return 130
    except Exception as exc:  # reported to the job; the traceback goes to the job's log
        traceback.print_exc()
        _emit(
            "error", message=f"the analysis failed during '{stage}' ({type(exc).__name__}: {exc})"
        )
        return 1
    _emit(
        "done",
        counts=results.counts(),
        warnings=[w.message for w in results.warnings],
        timings={k: round(v, 4) for k, v in results.timings.items()},
        params=dataset.params.model_dump(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
