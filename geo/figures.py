"""Matplotlib figures of a run, as PNG bytes for the self-contained report."""

from __future__ import annotations

import io
import re
import warnings
from functools import cache

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.collections import LineCollection

from geo import i18n
from geo.coords import local_projected_crs
from geo.display import sites_to_draw
from geo.palette import GB_COLOURS
from geo.results import Results

__all__ = [
    "cjk_font",
    "drawn_language",
    "efficiency_figure",
    "linkage_figure",
    "lorenz_figure",
    "overlap_matrix_figure",
    "overview_figure",
    "unit_labels",
]

#: Most units a per-unit figure draws (and links the network draws); the title says so when
#: there are more, and the report's tables hold them all.
MAX_FIGURE_UNITS = 40
MAX_FIGURE_LINKS = 300
#: Sites the overview draws at most (graded first, then a fixed pseudo-random choice).
MAX_FIGURE_SITES = 20_000

_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "SimHei", "PingFang SC")


@cache
def cjk_font() -> str | None:
    """Return the name of an installed font that draws Chinese, or None.

    Matplotlib caches the fonts it saw when it first ran; a font installed since (e.g.
    ``fonts-noto-cjk`` by ``make test``) is looked for on disk and added.
    """
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in _CJK_FONTS if f in names), None)
    if found is None:
        for path in font_manager.findSystemFonts():
            if re.search(r"cjk|wqy|simhei|pingfang", path, re.IGNORECASE):
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((f for f in _CJK_FONTS if f in names), None)
    return found


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def drawn_language(lang: str) -> str:
    """Return the language figures are drawn in: Chinese only with a font that draws it."""
    return "zh" if lang == "zh" and cjk_font() is not None else "en"


def _words(lang: str) -> dict[str, str]:
    return i18n.words(drawn_language(lang), "figure")


def unit_labels(results: Results, lang: str) -> dict[str, str]:
    """Return unit names for figures in the drawn language (the id where it cannot be drawn)."""
    drawn = drawn_language(lang)
    names = i18n.unit_names(results.units, drawn)
    if cjk_font() is None:
        return {u: u if _CJK.search(name) else name for u, name in names.items()}
    return names


def _quiet(draw):  # missing glyphs would warn once per character
    def wrapped(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            family = [cjk_font(), "DejaVu Sans"] if cjk_font() else ["DejaVu Sans"]
            with mpl.rc_context({"font.family": family}):
                return draw(*args, **kwargs)

    wrapped.__doc__ = draw.__doc__
    wrapped.__name__ = draw.__name__
    return wrapped


@_quiet
def overview_figure(results: Results, lang: str) -> bytes:
    """Units, zones and sites coloured by GB/T 18972 class."""
    fig, ax = plt.subplots(figsize=(7.5, 6))
    results.units.boundary.plot(ax=ax, color="#777", linewidth=0.6)
    if results.zones is not None and len(results.zones):
        results.zones.boundary.plot(ax=ax, color="#2c3e50", linewidth=1.4, linestyle="--")
    drawn = drawn_language(lang)
    sites = sites_to_draw(results.sites, MAX_FIGURE_SITES)
    if len(sites) < len(results.sites):
        ax.set_title(
            _words(lang)["sites_drawn"].format(
                shown=f"{len(sites):,}", total=f"{len(results.sites):,}"
            )
        )
    for code, group in sites.groupby(sites["gb_class"].fillna("")):
        size = (12 + 6 * group["a_grade"].fillna(0)).to_numpy(float)
        group.plot(ax=ax, color=GB_COLOURS.get(code, GB_COLOURS[""]), markersize=size,
                   edgecolor="#333", linewidth=0.4,
                   label=f"{code} {i18n.term('gb', code, drawn)}".strip())  # fmt: skip
    # "best" weighs every point against every place: slow, and needless with many points
    where = "best" if len(sites) <= 2000 else "lower left"
    ax.legend(title=i18n.words(drawn)["gb_class"], fontsize=8, loc=where)
    ax.set_axis_off()
    ax.set_aspect(1 / np.cos(np.radians(sites.geometry.y.mean() if len(sites) else 30)))
    return _png(fig)


@_quiet
def overlap_matrix_figure(results: Results, lang: str) -> bytes | None:
    """Overlap pairs between every two units (diagonal: inside one unit)."""
    pairs = results.overlap_unit_pairs
    if pairs is None or pairs.empty:
        return None
    label = unit_labels(results, lang)
    a_ids, b_ids = pairs["unit_a"].astype(str), pairs["unit_b"].astype(str)
    per_unit = pd.concat(
        [pairs["competing"].groupby(a_ids).sum(), pairs["competing"].groupby(b_ids).sum()]
    )
    per_unit = per_unit.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    ids = sorted(per_unit.index[:MAX_FIGURE_UNITS])
    index = {u: i for i, u in enumerate(ids)}
    matrix = np.zeros((len(ids), len(ids)))
    for a, b, n in zip(a_ids, b_ids, pairs["competing"], strict=True):
        if a in index and b in index:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = n
    size = 2.5 + 0.32 * len(ids)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(np.where(matrix > 0, matrix, np.nan), cmap="YlOrRd")
    names = [label.get(u, u) for u in ids]
    ax.set_xticks(range(len(ids)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(ids)), names, fontsize=7)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, shrink=0.6, label=_words(lang)["pairs"])
    if len(per_unit) > len(ids):
        ax.set_title(_words(lang)["top_pairs"].format(shown=len(ids), total=len(per_unit)))
    return _png(fig)


@_quiet
def lorenz_figure(results: Results, lang: str) -> bytes | None:
    """Lorenz curve of grade-weighted endowment across units, with the equality line."""
    table = results.unit_indicators
    if table is None or len(table) < 2:
        return None
    values = np.sort(table["endowment"].fillna(0.0).to_numpy(float))
    if values.sum() <= 0:
        return None
    share_units = np.arange(len(values) + 1) / len(values)
    share_endowment = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
    fig, ax = plt.subplots(figsize=(4.8, 4.5))
    w = _words(lang)
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", label=w["equality"])
    ax.plot(share_units, share_endowment, color="#c0392b", marker="o", markersize=3,
            label=w["endowment"])  # fmt: skip
    ax.fill_between(share_units, share_endowment, share_units, color="#c0392b", alpha=0.12)
    ax.set_xlabel(w["share_units"])
    ax.set_ylabel(w["share_endowment"])
    ax.legend(loc="upper left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return _png(fig)


@_quiet
def linkage_figure(results: Results, lang: str) -> bytes | None:
    """Draw the cooperation network: units at their centroids, links by gravity strength."""
    links = results.linkage
    if links is None or links.empty:
        return None
    label = unit_labels(results, lang)
    units = results.units
    centres = units.to_crs(local_projected_crs(tuple(units.total_bounds))).centroid.to_crs(4326)
    where = dict(zip(units["unit_id"].astype(str), zip(centres.x, centres.y, strict=True),
                     strict=True))  # fmt: skip
    fig, ax = plt.subplots(figsize=(7.5, 6))
    units.boundary.plot(ax=ax, color="#bbb", linewidth=0.5)
    linked = links[links["cooperation_link"]]
    shown = linked.nlargest(MAX_FIGURE_LINKS, "strength")
    top = float(shown["strength"].max()) if len(shown) else 1.0
    pair_ids = shown[["unit_a", "unit_b"]].astype(str).to_numpy()
    widths = 0.6 + 5 * shown["strength"].to_numpy(float) / top
    ends = [(where[a], where[b]) for a, b in pair_ids]
    ax.add_collection(LineCollection(ends, colors="#2171b5", alpha=0.8, linewidths=widths))
    xy = np.array(list(where.values()))
    ax.plot(xy[:, 0], xy[:, 1], "o", color="#08306b", markersize=2 if len(xy) > 200 else 3)
    # names only of the units of the strongest links when there are many units
    named = where if len(where) <= MAX_FIGURE_UNITS else pd.unique(pair_ids.ravel())
    named = list(named)[:MAX_FIGURE_UNITS]
    for unit_id in named:
        ax.annotate(label.get(unit_id, unit_id), where[unit_id], fontsize=6, xytext=(2, 2),
                    textcoords="offset points")  # fmt: skip
    if len(linked) > len(shown):
        ax.set_title(_words(lang)["strongest_links"].format(shown=len(shown), total=len(linked)))
    ax.set_axis_off()
    ax.set_aspect(1 / np.cos(np.radians(np.mean([y for _, y in where.values()]))))
    return _png(fig)


@_quiet
def efficiency_figure(results: Results, lang: str) -> bytes | None:
    """CCR and BCC efficiency per unit, lowest CCR first."""
    scores = results.efficiency
    if scores is None or scores.empty:
        return None
    label = unit_labels(results, lang)
    total = len(scores)
    scores = scores.sort_values("ccr", kind="stable").head(MAX_FIGURE_UNITS)
    names = [label.get(str(u), str(u)) for u in scores["unit_id"]]
    y = np.arange(len(scores))
    fig, ax = plt.subplots(figsize=(6, 1.2 + 0.22 * len(scores)))
    ax.barh(y - 0.2, scores["bcc"], height=0.4, color="#9ecae1", label="BCC (VRS)")
    ax.barh(y + 0.2, scores["ccr"], height=0.4, color="#2171b5", label="CCR (CRS)")
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel(_words(lang)["efficiency_score"])
    ax.legend(loc="lower right", fontsize=7)
    if total > len(scores):
        ax.set_title(_words(lang)["lowest_ccr"].format(shown=len(scores), total=total))
    return _png(fig)
