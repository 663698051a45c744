"""The ordered list of stages, and what follows from it: parameters and the output catalogue.

Adding an analysis is one module in :mod:`geo.analyses` and one line here. The pipeline
runs the stages in this order; the composed :data:`Params` is the manifest's ``[params]``;
:data:`CATALOGUE` carries every output to the files, the map, the API and the OGC service.
"""

from __future__ import annotations

from geo.analyses.balance import Balance, Density
from geo.analyses.base import Output, Stage, catalogue_of, compose_params
from geo.analyses.clusters import Clusters
from geo.analyses.efficiency import Efficiency
from geo.analyses.inputs import (
    AssignUnits,
    CheckDem,
    ClassifySites,
    LinkComponents,
    LoadSites,
    LoadUnits,
    LoadZones,
    MeasureBorders,
    RecordDuplicates,
)
from geo.analyses.linkage import Linkage, LoadStats, UnitDistances
from geo.analyses.markets import LoadMarkets, Markets
from geo.analyses.network import BorderFriction, BuildNetwork, Isochrones, LoadRoads, TravelTimes
from geo.analyses.overlaps import Overlaps
from geo.analyses.proposals import Proposals
from geo.analyses.swot import Swot
from geo.analyses.terrain import Terrain

__all__ = ["CATALOGUE", "REGISTRY", "VALIDATION", "Params", "stage_names"]

REGISTRY: tuple[Stage, ...] = (
    LoadSites(),
    LoadUnits(),
    LoadZones(),
    CheckDem(),
    LoadStats(),
    LoadMarkets(),
    ClassifySites(),
    AssignUnits(),
    RecordDuplicates(),
    LinkComponents(),
    MeasureBorders(),
    LoadRoads(),
    BuildNetwork(),
    TravelTimes(),
    Isochrones(),
    BorderFriction(),
    Markets(),
    Overlaps(),
    Clusters(),
    Balance(),
    Density(),
    UnitDistances(),
    Linkage(),
    Efficiency(),
    Terrain(),
    Proposals(),
    Swot(),
)

#: The stages ``tia validate`` runs: every part loaded and checked, nothing analysed.
VALIDATION: tuple[Stage, ...] = tuple(stage for stage in REGISTRY if stage.validates)

#: The manifest's ``[params]``: every stage's parameter model, composed (flat keys).
Params = compose_params(REGISTRY)

#: Every output a run can produce, by name, in registry order.
CATALOGUE: dict[str, Output] = catalogue_of(REGISTRY)


def stage_names(stages: tuple[Stage, ...] = REGISTRY) -> tuple[str, ...]:
    """Return the stage names, in the order they run (for progress and timings)."""
    return tuple(stage.name for stage in stages)
