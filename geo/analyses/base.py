"""The seam every analysis plugs into: a declared stage, its outputs and its parameters.

A stage says what it needs (dataset parts and outputs of earlier stages), which parameters
it owns, what it produces (declared once as :class:`Output` entries, which the writers, the
map, the API and the OGC service iterate over) and why it would be skipped. The pipeline
runs the stages of :mod:`geo.registry` in order; nothing else knows what a stage does.

Model: pygeoapi's provider plugins (one interface, plugins listed in one place).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, create_model

from geo.diagnostics import Note, RunWarning

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = [
    "Context",
    "Output",
    "ParamModel",
    "Stage",
    "StageResult",
    "catalogue_of",
    "compose_params",
]


class ParamModel(BaseModel):
    """Base of every analysis's parameters: unknown keys and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


OutputKind = Literal["layer", "table", "raster"]


@dataclass(frozen=True)
class Output:
    """One output of a run, declared once by the stage that produces it.

    Attributes
    ----------
    name
        Key in :class:`geo.results.Results`; the GeoPackage layer, OGC collection and API
        table name of a layer.
    kind
        ``layer`` (GeoDataFrame: a GeoPackage layer and an OGC collection), ``table``
        (DataFrame: a CSV) or ``raster`` (written and read by its own functions).
    title
        English and Chinese titles (``{"en": ..., "zh": ...}``) for OGC, the API and the map.
    geometry
        GeoPackage geometry type, needed when a layer comes out empty.
    csv
        File name of a table's CSV, or of a layer's attributes as a CSV (``None``: no CSV).
    files
        More files written from a layer (e.g. ``clusters.geojson``), or a raster's files.
    write, read
        A raster's writer ``(value, folder) -> None`` and reader ``(folder) -> value``.
    map
        ``shown`` or ``hidden``: drawn as a map layer (on or off when the map opens);
        ``off``: not drawn.
    api
        Served as a paginated API table (``/datasets/{id}/tables/{name}``).
    display
        How a large layer is simplified once the analysis is done (see
        :mod:`geo.display`): ``coverage``, ``features`` or ``None`` (never).
    columns
        The attribute columns: name -> (type, description). The API's row schemas are made
        from them; a test holds each declared output to them on the bundled run. A column
        that only some datasets produce (e.g. needs roads) says so in its description.
    precise
        Float columns its CSV writes at full precision (the others: 3 decimals).
    """

    name: str
    kind: OutputKind
    title: Mapping[str, str]
    geometry: str | None = None
    csv: str | None = None
    files: tuple[str, ...] = ()
    write: Callable[[Any, Path], None] | None = None
    read: Callable[[Path], Any] | None = None
    map: Literal["shown", "hidden", "off"] = "off"
    api: bool = True
    display: Literal["coverage", "features"] | None = None
    columns: Mapping[str, tuple[type, str]] = field(default_factory=dict)
    precise: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """Return the title in ``lang`` (English when there is none)."""
        return self.title.get(lang, self.title["en"])


@dataclass
class StageResult:
    """What one stage produced.

    Attributes
    ----------
    outputs
        New or replaced outputs by name (declared or internal to the run).
    columns
        Columns to add to existing outputs: output name -> column name -> values (aligned by
        position). Stages run in the background use it, so they never replace a table that a
        later stage changed in the meantime.
    indicators
        The stage's section of ``indicators.json`` (``None``: none).
    warnings, sources, skipped
        Findings that did not stop the run, facts about loaded parts, analyses skipped inside
        the stage (name -> reason).
    """

    outputs: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators: dict[str, Any] | None = None
    warnings: list[RunWarning] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, Note] = field(default_factory=dict)


@dataclass
class Context:
    """The run so far, as a stage sees it: the dataset, its parameters and earlier outputs."""

    dataset: Dataset
    outputs: dict[str, Any] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> Any:
        """The run's parameters (every analysis's model, composed)."""
        return self.dataset.params

    def __getitem__(self, name: str) -> Any:
        return self.outputs[name]

    def get(self, name: str) -> Any:
        """Return an output, or None when no stage produced it."""
        return self.outputs.get(name)


class Stage:
    """One declared step of the pipeline; subclass it and list it in :mod:`geo.registry`.

    Class attributes
    ----------------
    name
        Shown in the progress display and used as the key of its timing in ``run.json``.
    section
        Its ``indicators.json`` section and the key of its skip reason.
    parts
        Dataset parts it requires; without one the stage is skipped, saying so.
    needs
        Outputs of earlier stages it requires.
    params
        Parameter models it owns; they are composed into the dataset's ``[params]``.
    outputs
        The outputs it declares (the catalogue is the union over the registry).
    validates
        It loads or checks input: ``tia validate`` runs these stages only.
    background
        It releases the GIL: it starts on a second thread once :meth:`starts_after` has
        finished and is joined at its own place in the registry.
    """

    name: ClassVar[str]
    section: ClassVar[str | None] = None
    parts: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[tuple[type[ParamModel], ...]] = ()
    outputs: ClassVar[tuple[Output, ...]] = ()
    validates: ClassVar[bool] = False
    background: ClassVar[bool] = False

    def skip_reason(self, ctx: Context) -> Note | None:
        """Say why the stage cannot run on this dataset (None: it can)."""
        for part in self.parts:
            if getattr(ctx.dataset, part) is None:
                return Note("skip:no_part", {"part": part})
        for name in self.needs:
            if ctx.get(name) is None:
                return Note("skip:no_output", {"name": name})
        return None

    def starts_after(self, dataset: Dataset) -> str | None:
        """Name of the stage after which a background stage's inputs are final."""
        return None

    def run(self, ctx: Context) -> StageResult:
        """Compute the stage's outputs from the context (must not change the context)."""
        raise NotImplementedError


def compose_params(stages: Iterable[Stage]) -> type[ParamModel]:
    """Compose the stages' parameter models into one flat ``[params]`` model.

    Raises
    ------
    TypeError
        Two different models declare the same parameter (a parameter has one home).
    """
    models: list[type[ParamModel]] = []
    owner: dict[str, type[ParamModel]] = {}
    for stage in stages:
        for model in stage.params:
            if model in models:
                continue
            for key in model.model_fields:
                known = owner.get(key)
                if known is not None and not (issubclass(model, known) or issubclass(known, model)):
                    msg = f"parameter '{key}' is declared by {known.__name__} and {model.__name__}"
                    raise TypeError(msg)
                owner.setdefault(key, model)
            models.append(model)
    # a model another one extends is in it already (and may not precede it in the bases)
    bases = [m for m in models if not any(o is not m and issubclass(o, m) for o in models)]
    composed = create_model("Params", __base__=tuple(bases) or (ParamModel,))
    composed.__doc__ = "Analysis parameters; every one may be overridden in ``[params]``."
    return composed


def catalogue_of(stages: Iterable[Stage]) -> dict[str, Output]:
    """Collect the outputs the stages declare, in registry order.

    Raises
    ------
    TypeError
        Two stages declare the same output.
    """
    found: dict[str, Output] = {}
    for stage in stages:
        for output in stage.outputs:
            if output.name in found:
                msg = f"output '{output.name}' is declared twice"
                raise TypeError(msg)
            found[output.name] = output
    return found
