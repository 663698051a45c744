"""One analysis job, in its own process: ``python -m api.worker INPUT RESULTS [--params JSON]``.

The server starts this for every job so a long analysis never slows the API, and a crash or a
kill only loses the job. Progress goes to stdout as one JSON object per line (``stage``,
``done`` or ``error``; stage events are :func:`tia.publish.progress_event`); the run is
published by :func:`tia.publish.analyse_and_publish`, the same as ``tia analyze``, and the
server reads it back from the published files (:func:`geo.results.read_results`).
Exit code: 0 done, 2 bad input, 1 failure, 130 stopped.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from geo.dataset import load_dataset, with_params
from geo.errors import DatasetError
from geo.i18n import say
from tia.publish import analyse_and_publish

__all__ = ["main"]


def _emit(event: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


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
    stage = "load"
    try:
        dataset = with_params(load_dataset(args.input, confined=True), json.loads(args.params))

        def on_progress(event: dict[str, Any]) -> None:
            nonlocal stage
            stage = event["stage"]
            _emit(**event)

        results, _ = analyse_and_publish(
            dataset, args.results, lang=args.lang, on_progress=on_progress
        )
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
        warnings=[say(w, "en") for w in results.warnings],
        timings={k: round(v, 4) for k, v in results.timings.items()},
        params=dataset.params.model_dump(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
