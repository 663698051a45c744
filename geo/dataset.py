"""Dataset manifest: ``dataset.toml`` -> a validated :class:`Dataset`.

A dataset is a folder with a ``dataset.toml``. Every part (:mod:`geo.parts`) names a file
(relative to the manifest), optional layer, the coordinate system of its coordinates
(``coords``) and the columns to read; ``[params]`` overrides analysis parameters, whose models
the analyses declare (:data:`geo.registry.Params`). Unknown keys, missing required
parts and values of the wrong type are errors that name the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from geo.errors import DatasetError
from geo.parts import (
    DemPart,
    HubsPart,
    MarketsPart,
    Part,
    RoadsPart,
    SitesPart,
    StatsPart,
    TaxonomyPart,
    UnitsPart,
    ZonesPart,
)
from geo.registry import Params
from geo.slugs import slugify

__all__ = [
    "MANIFEST_NAME",
    "Dataset",
    "DemPart",
    "HubsPart",
    "MarketsPart",
    "Params",
    "RoadsPart",
    "SitesPart",
    "StatsPart",
    "TaxonomyPart",
    "UnitsPart",
    "ZonesPart",
    "load_dataset",
    "with_params",
]

MANIFEST_NAME = "dataset.toml"


class Dataset(BaseModel):
    """A validated dataset manifest with absolute paths."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str | None = None
    name_zh: str | None = Field(None, description="the name in Chinese (the report's title)")
    description_zh: str | None = None
    sites: SitesPart
    more_sites: tuple[SitesPart, ...] = Field(
        (), description="further site files ([[sites]] written more than once), in order"
    )
    units: UnitsPart
    zones: ZonesPart | None = None
    roads: RoadsPart | None = None
    hubs: HubsPart | None = None
    markets: MarketsPart | None = None
    dem: DemPart | None = None
    stats: StatsPart | None = None
    taxonomy: TaxonomyPart = Field(default_factory=TaxonomyPart)
    params: Params = Field(default_factory=Params)
    root: Path = Field(Path("."), description="folder of the manifest (set by the loader)")

    @model_validator(mode="before")
    @classmethod
    def _several_site_files(cls, raw: Any) -> Any:
        """``[[sites]]`` lists several files: the first is ``sites``, the others follow."""
        if isinstance(raw, dict) and isinstance(raw.get("sites"), list) and raw["sites"]:
            if "more_sites" in raw:
                msg = "unknown key 'more_sites' at the top level; write [[sites]] once per file"
                raise ValueError(msg)
            first, *rest = raw["sites"]
            return {**raw, "sites": first, "more_sites": rest}
        return raw

    @property
    def site_parts(self) -> tuple[SitesPart, ...]:
        """Every sites file, in manifest order."""
        return (self.sites, *self.more_sites)

    def title(self, lang: str) -> tuple[str, str | None]:
        """Return the name and description in ``lang`` (Chinese when given, else as written)."""
        if lang == "zh" and self.name_zh:
            return self.name_zh, self.description_zh or self.description
        return self.name, self.description

    @property
    def manifest(self) -> Path:
        """Path of the ``dataset.toml``."""
        return self.root / MANIFEST_NAME

    @property
    def slug(self) -> str:
        """Folder-safe short name: the dataset folder's name."""
        return slugify(self.root.name)

    def parts(self) -> dict[str, Part]:
        """Return the parts present, by manifest section name."""
        names = ("sites", "units", "zones", "roads", "hubs", "markets", "dem", "stats")
        found = {n: getattr(self, n) for n in names if getattr(self, n) is not None}
        found |= {f"sites.{i + 2}": part for i, part in enumerate(self.more_sites)}
        return found


def _describe_error(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc[0] == "more_sites" and len(loc) > 2:  # the second [[sites]] table is item 0
        loc = [f"sites] (file {int(loc[1]) + 2}) [", *loc[2:]]
    section = f"[{loc[0]}]" if len(loc) > 1 else "the top level"
    while len(loc) > 2 and loc[-1].isdigit():  # an item of a list: name the list and the item
        loc = [*loc[:-2], f"{loc[-2]}[{loc[-1]}]"]
    key = loc[-1]
    kind = err["type"]
    if kind == "extra_forbidden":
        if loc[0] == "params" and len(loc) == 2:
            known = ", ".join(Params.model_fields)
            return f"unknown parameter '{key}' in [params]; known parameters are {known}"
        return f"unknown key '{key}' in {section}; remove it or check its spelling"
    if kind == "missing":
        if len(loc) == 1 and key in ("name", "description"):
            return f"required key '{key}' is missing at the top of the manifest ({key} = \"...\")"
        if len(loc) == 1:
            return f"required section [{key}] is missing; add it (see README 'Bring your own data')"
        return f"required key '{key}' is missing in {section}"
    where = f"key '{key}' in {section}" if len(loc) > 1 else f"key '{key}'"
    return f"{where} is invalid: {err['msg']}"


def load_dataset(path: str | Path, *, confined: bool = False) -> Dataset:
    """Read and validate a dataset manifest.

    Parameters
    ----------
    path
        A dataset folder (containing ``dataset.toml``) or the manifest file itself.
    confined
        Every part's file must lie inside the manifest's folder (for datasets received from
        others, e.g. uploads to the API, whose manifest must not point at other files).

    Returns
    -------
    Dataset
        The validated manifest; part paths are absolute and exist.

    Raises
    ------
    DatasetError
        Missing manifest, TOML syntax error, unknown or missing keys, wrong types, a part
        whose file does not exist, or (``confined``) lies outside the dataset folder.
    """
    path = Path(path)
    manifest = path / MANIFEST_NAME if path.is_dir() or path.suffix != ".toml" else path
    if not manifest.is_file():
        msg = (
            f"{manifest}: no dataset manifest found; create one with "
            f"'tia init {manifest.parent}' or write dataset.toml by hand"
        )
        raise DatasetError(msg)
    try:
        raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{manifest}: not valid TOML ({exc}); fix the syntax"
        raise DatasetError(msg) from exc
    if "root" in raw:
        msg = f"{manifest}: unknown key 'root' at the top level; remove it"
        raise DatasetError(msg)
    root = manifest.parent.resolve()
    try:
        dataset = Dataset.model_validate({**raw, "root": root})
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        msg = f"{manifest}: {_describe_error(errors[0])}{more}"
        raise DatasetError(msg) from None
    updates = {}
    for section, part in dataset.parts().items():
        try:
            full = (root / part.path).resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before 3.13)
            msg = (
                f"{manifest}: [{section}] path '{part.path}' cannot be followed ({exc}); "
                "replace the link by the file"
            )
            raise DatasetError(msg) from None
        if confined and not full.is_relative_to(root):
            msg = (
                f"{manifest}: [{section}] path '{part.path}' leads outside the dataset folder; "
                "put the file in the folder and give its relative path"
            )
            raise DatasetError(msg)
        if not full.exists():
            msg = (
                f"{manifest}: [{section}] path '{part.path}' does not exist ({full}); "
                "fix the path or add the file"
            )
            raise DatasetError(msg)
        updates[section] = part.model_copy(update={"path": full})
    more = tuple(updates.pop(f"sites.{i + 2}") for i in range(len(dataset.more_sites)))
    return dataset.model_copy(update={**updates, "more_sites": more})


def with_params(dataset: Dataset, overrides: dict[str, Any]) -> Dataset:
    """Return the dataset with some analysis parameters replaced.

    Parameters
    ----------
    dataset
        A loaded dataset.
    overrides
        Parameter name -> value, over the manifest's ``[params]``.

    Returns
    -------
    Dataset
        A copy whose ``params`` are validated like ``[params]`` in a manifest.

    Raises
    ------
    DatasetError
        An unknown parameter or an invalid value (the sentence names it).
    """
    try:
        params = Params.model_validate({**dataset.params.model_dump(), **overrides})
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        first = {**errors[0], "loc": ("params", *errors[0]["loc"])}
        raise DatasetError(f"{_describe_error(first)}{more}") from None
    return dataset.model_copy(update={"params": params})
