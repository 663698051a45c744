"""The sites layer: one canvas circle per site, clustered above a threshold, with a search box.

Large results stay usable because the data go into the page once, as compact columns
(coordinates rounded to 1e-5 degrees, about 1 m; classes, kinds and units as indexes), and
the browser builds canvas-rendered circle markers from them; popups are made on click.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from folium.map import Layer

from geo.display import sites_to_draw
from geo.i18n import term, unit_names
from geo.palette import GB_COLOURS
from geo.results import Results
from maps.layers import MAX_PAIRS
from maps.style import Words, grade_radius, kind_label
from maps.templates import template

__all__ = ["MAX_MAP_SITES", "SiteLayer", "drawn_sites", "site_columns"]

#: Sites drawn at most: a million names and positions would make a page of about 90 MB.
MAX_MAP_SITES = 50_000

_CDN = "https://cdn.jsdelivr.net/npm"


def _overlaps_by_site(
    results: Results, index: pd.Series, top: int, lang: str
) -> dict[int, list[list]]:
    """Each site's strongest related sites (score 1 or more when rounded).

    ``[[partner, score, relation in words]]``: a rival and a partner to develop with are told
    apart in the popup.
    """
    pairs = results.overlaps
    if pairs is None or pairs.empty:
        return {}
    columns = ["site", "other", "score", "relation"]
    both = pd.concat(
        [
            pairs[["site_a", "site_b", "score", "relation"]].set_axis(columns, axis=1),
            pairs[["site_b", "site_a", "score", "relation"]].set_axis(columns, axis=1),
        ]
    )
    both = both[
        both["site"].isin(index.index) & both["other"].isin(index.index) & (both["score"] >= 0.5)
    ]
    both = both.sort_values("score", ascending=False).groupby("site").head(top)
    words = {r: term("relation", r, lang) for r in both["relation"].unique()}
    out: dict[int, list[list]] = {}
    for site, other, score, relation in both[columns].itertuples(index=False):
        entry = [int(index[other]), round(float(score)), words[relation]]
        out.setdefault(int(index[site]), []).append(entry)
    return out


def drawn_sites(results: Results, limit: int = MAX_MAP_SITES) -> pd.DataFrame:
    """Return the sites the map draws (:func:`geo.display.sites_to_draw`).

    The ends of the overlap lines the map draws (the strongest pairs) come first.
    """
    sites = results.sites
    if len(sites) <= limit:
        return sites
    pairs = results.overlap_pairs
    first = None
    if pairs is not None and not pairs.empty:
        top = pairs.nlargest(MAX_PAIRS, "score")
        first = sites["site_id"].isin(set(top["site_a"]) | set(top["site_b"])).to_numpy()
    return sites_to_draw(sites, limit, first)


def site_columns(results: Results, lang: str, *, top_overlaps: int = 5) -> dict[str, Any]:
    """Return the sites as compact columns for the page (see the module docstring)."""
    sites = drawn_sites(results)
    index = pd.Series(np.arange(len(sites)), index=sites["site_id"].astype(str))
    classes = list(GB_COLOURS)
    kinds = sorted(set(sites["kind"].fillna("")))
    units = results.units
    unit_ids = list(units["unit_id"].astype(str))
    names = unit_names(units, lang)
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    grades = sites["a_grade"].fillna(0).astype(int).clip(0, 5)
    return {
        "lon": np.round(sites.geometry.x.to_numpy(), 5).tolist(),
        "lat": np.round(sites.geometry.y.to_numpy(), 5).tolist(),
        "name": sites["name"].fillna("").astype(str).tolist(),
        "name_en": sites.get("name_en", pd.Series("", index=sites.index))
        .fillna("")
        .astype(str)
        .tolist(),
        "grade": grades.tolist(),
        "cls": [classes.index(c) if c in classes else len(classes) - 1 for c in sites["gb_class"]],
        "kind": [kinds.index(k) for k in sites["kind"].fillna("")],
        "unit": [unit_index.get(str(u), -1) for u in sites["unit_id"]],
        "classes": [[GB_COLOURS[c], f"{c} {term('gb', c, lang)}".strip()] for c in classes],
        "kinds": [kind_label(k, lang) if k else "" for k in kinds],
        "units": [names[u] for u in unit_ids],
        "radius": [grade_radius(g) for g in range(6)],
        "overlaps": _overlaps_by_site(results, index, top_overlaps, lang),
    }


class SiteLayer(JSCSSMixin, Layer):
    """Sites as canvas circle markers (colour: GB/T 18972 class, size: A-grade).

    Parameters
    ----------
    results
        The run to draw.
    words, lang
        Labels and language of the popups and the search box.
    cluster_above
        Cluster the markers when there are more sites than this.
    """

    _template = template("sites.html")

    default_js: ClassVar[list[tuple[str, str]]] = [
        ("markerclusterjs", f"{_CDN}/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"),
        ("leafletsearchjs", f"{_CDN}/leaflet-search@2.9.7/dist/leaflet-search.min.js"),
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        ("markerclustercss", f"{_CDN}/leaflet.markercluster@1.5.3/dist/MarkerCluster.css"),
        (
            "markerclusterdefaultcss",
            f"{_CDN}/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
        ),
        ("leafletsearchcss", f"{_CDN}/leaflet-search@2.9.7/dist/leaflet-search.min.css"),
    ]

    def __init__(
        self, results: Results, words: Words, lang: str, *, cluster_above: int = 2000
    ) -> None:
        super().__init__(name=words["sites"], overlay=True, control=True, show=True)
        self._name = "TiaSites"
        self.data = site_columns(results, lang)
        self.drawn = len(self.data["lon"])  # sites in the page (see drawn_sites)
        self.words = dict(words)
        self.clustered = len(results.sites) > cluster_above
