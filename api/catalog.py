"""Published runs held in memory, so read requests filter tables instead of reading files.

A dataset's last good run is read back from its published files (the versioned read model,
:func:`geo.results.read_results`) the first time it is asked for, and replaced when a job
publishes a new run. A run this version cannot read is reported as stale, in one sentence
that says to analyse it again. Map and report pages are rendered once per set of options.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from fastapi import Response

from api.store import DatasetRecord, Store
from api.tables import Table
from geo.results import Results, StaleRunError, read_results

__all__ = ["Catalog", "Published", "UnreadableRunError"]

_MAX_PAGES = 16
_CACHE_BYTES = 64 * 1024**2  # answers kept per run
_CACHE_ENTRY_BYTES = 1024**2


class UnreadableRunError(Exception):
    """A dataset's published run cannot be read by this version; it must be analysed again."""

    def __init__(self, dataset_id: str, why: str) -> None:
        self.dataset_id = dataset_id
        super().__init__(
            f"the results of dataset '{dataset_id}' cannot be read by this version of the "
            f"server ({why}); analyse it again: POST /datasets/{dataset_id}/analyze"
        )


@dataclass
class Published:
    """One dataset's last good run, in memory."""

    record: DatasetRecord
    results: Results
    run: dict[str, Any]
    _pages: dict[tuple[Any, ...], str] = field(default_factory=dict)
    _answers: OrderedDict[str, tuple[bytes, dict[str, str]]] = field(default_factory=OrderedDict)
    _answer_bytes: int = 0
    _tables: dict[str, Table] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # held only for lookups
    _render_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, record: DatasetRecord) -> Published | None:
        """Load the run published in the dataset's results folder, or None before the first.

        Raises
        ------
        UnreadableRunError
            The run was published by a version whose files this one cannot read.
        """
        folder = record.results_dir
        try:
            run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
            results = read_results(folder)
        except FileNotFoundError:
            return None
        except (StaleRunError, KeyError, ValueError, OSError) as exc:
            raise UnreadableRunError(record.id, str(exc)) from None
        published = cls(record=record, results=results, run=run)
        published.sites, published.overlaps, published.indicators  # noqa: B018 - read now
        return published

    @cached_property
    def sites(self) -> Table:
        """Sites with ``lon``/``lat`` columns."""
        sites = self.results.sites
        return Table.of(sites.assign(lon=sites.geometry.x, lat=sites.geometry.y))

    @cached_property
    def overlaps(self) -> Table:
        """Overlap pairs (lines between the two sites), strongest first."""
        pairs = self.results.overlap_pairs
        if pairs is None:
            return Table(pd.DataFrame({"score": pd.Series(dtype=float)}))
        order = np.argsort(-pairs["score"].to_numpy(), kind="stable")
        return Table.of(pairs.iloc[order])

    @cached_property
    def overlap_groups(self) -> Table:
        """Groups of sites joined by strong overlaps."""
        return Table.of(self.results.overlap_groups)

    @cached_property
    def proposals(self) -> Table:
        """Cooperation proposals, in the order listed (type, then gain)."""
        return Table.of(self.results.proposals)

    @cached_property
    def clusters(self) -> Table:
        """Resource clusters with their hulls."""
        return Table.of(self.results.clusters)

    def tables(self) -> list[str]:
        """Names of the run's outputs served as API tables (catalogue order)."""
        return [
            name
            for name, output in self.results.catalogue.items()
            if output.api and output.kind in ("layer", "table") and name in self.results.outputs
        ]

    def table(self, name: str) -> Table | None:
        """One output of the catalogue as a table (None: the run has no such table)."""
        if name not in self.tables():
            return None
        with self._lock:
            if name not in self._tables:
                self._tables[name] = Table.of(self.results.outputs[name])
            return self._tables[name]

    @cached_property
    def indicators(self) -> dict[str, Any]:
        """The run's ``indicators.json`` (strict JSON, as :mod:`geo.results` wrote it)."""
        text = (self.record.results_dir / "indicators.json").read_text(encoding="utf-8")
        return json.loads(text)

    @cached_property
    def neighbours(self) -> pd.DataFrame:
        """Unit pairs sharing a border, both ways round (``unit_id``, ``neighbour_id``)."""
        borders = pd.DataFrame(self.results.unit_borders.drop(columns="geometry"))
        there = borders.rename(columns={"unit_a": "unit_id", "unit_b": "neighbour_id"})
        back = borders.rename(columns={"unit_b": "unit_id", "unit_a": "neighbour_id"})
        return pd.concat([there, back], ignore_index=True)

    def answer(self, key: str, build: Callable[[], Response]) -> Response:
        """Return the answer to a read request, built once per run and kept (LRU, 64 MB).

        A run never changes once published, so the same request gets the same bytes; a new
        run is a new :class:`Published` with an empty cache.
        """
        with self._lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
        if hit is not None:
            return Response(hit[0], headers=hit[1])
        response = build()
        body = bytes(response.body)
        if len(body) <= _CACHE_ENTRY_BYTES:
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            with self._lock:
                if key not in self._answers:
                    self._answers[key] = (body, headers)
                    self._answer_bytes += len(body)
                while self._answer_bytes > _CACHE_BYTES:
                    _, (old, _) = self._answers.popitem(last=False)
                    self._answer_bytes -= len(old)
        return response

    def page(self, key: tuple[Any, ...], render: Callable[[], str]) -> str:
        """Return a rendered page (map or report), rendering it once per key.

        Renders (up to seconds) take their own lock, never the one the table answers use on
        the event loop.
        """
        with self._render_lock:
            if key not in self._pages:
                if len(self._pages) >= _MAX_PAGES:
                    self._pages.pop(next(iter(self._pages)))
                self._pages[key] = render()
            return self._pages[key]


class Catalog:
    """The published runs of every dataset, loaded on first use.

    Parameters
    ----------
    store
        The dataset index.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loaded: dict[str, Published] = {}
        self._lock = threading.Lock()

    def loaded(self, dataset_id: str) -> Published | None:
        """Return a dataset's run when it is already in memory (never touches the disk)."""
        return self._loaded.get(dataset_id)

    def get(self, dataset_id: str) -> Published | None:
        """Return a dataset's last good run, or None (unknown dataset, or not analysed yet).

        Raises
        ------
        UnreadableRunError
            Its published run was written by a version this one cannot read.
        """
        published = self._loaded.get(dataset_id)
        if published is not None:
            return published
        record = self.store.dataset(dataset_id)
        if record is None:
            return None
        with self._lock:
            if dataset_id not in self._loaded:
                loaded = Published.load(record)
                if loaded is None:
                    return None
                self._loaded[dataset_id] = loaded
            return self._loaded[dataset_id]

    def readable(self, dataset_id: str) -> Published | None:
        """Return a dataset's last good run, or None (also when it is stale: see :meth:`get`)."""
        try:
            return self.get(dataset_id)
        except UnreadableRunError:
            return None

    def refresh(self, dataset_id: str) -> None:
        """Load a dataset's new run (after a job published it)."""
        record = self.store.dataset(dataset_id)
        try:
            loaded = Published.load(record) if record is not None else None
        except UnreadableRunError:
            loaded = None
        with self._lock:
            if loaded is None:
                self._loaded.pop(dataset_id, None)
            else:
                self._loaded[dataset_id] = loaded

    def forget(self, dataset_id: str) -> None:
        """Drop a dataset from memory (it was deleted)."""
        with self._lock:
            self._loaded.pop(dataset_id, None)
