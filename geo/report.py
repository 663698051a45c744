"""The self-contained HTML report of a run (Jinja2; figures embedded as PNG data URIs)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from geo import __version__, i18n
from geo.diagnostics import RunWarning
from geo.figures import (
    efficiency_figure,
    linkage_figure,
    lorenz_figure,
    overlap_matrix_figure,
    overview_figure,
)
from geo.registry import Params
from geo.results import Results
from geo.road_classes import MAIN_CLASSES
from geo.taxonomy import load_taxonomy

__all__ = ["render_report", "write_report"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _said(warning: RunWarning, lang: str) -> dict[str, Any]:
    return {"code": warning.code, "message": i18n.say(warning, lang), "items": warning.items}


def _image(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()


def _records(frame: pd.DataFrame | None, limit: int | None = None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    frame = frame if limit is None else frame.head(limit)
    return frame.replace({np.nan: None}).to_dict(orient="records")


def _without_geometry(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def _road_exits(exits: pd.DataFrame | None) -> list[dict[str, Any]]:
    """List the ways out, one row per road, unit and direction (a dual road ends twice)."""
    if exits is None or exits.empty:
        return []
    named = exits.assign(name=exits["name"].replace("", "–"))
    grouped = named.groupby(["unit_id", "toward", "name", "highway"], sort=False).size()
    return [
        {"unit_id": u, "toward": t, "name": n, "highway": h, "ends": int(k)}
        for (u, t, n, h), k in grouped.items()
    ]


def _proposals(results: Results, lang: str, shown: int = 10) -> dict[str, Any]:
    """Return the proposals in the report's language and the shares of the first ``shown``."""
    table = results.outputs.get("proposals")
    if table is None or table.empty:
        return {"proposals": [], "shares": [], "proposal_counts": ""}
    rows = pd.DataFrame(table.drop(columns="geometry"))
    rows["sentence"] = rows["explanation"] if lang == "zh" else rows["explanation_en"]
    counts = rows["type"].value_counts(sort=False)
    joiner = "、" if lang == "zh" else ", "
    said = joiner.join(f"{i18n.term('proposal_type', t, lang)} {n}" for t, n in counts.items())
    shares = pd.DataFrame(results.outputs["proposal_shares"].drop(columns="geometry"))
    gain = rows.set_index("proposal_id")["gain"]
    first = rows["proposal_id"].head(shown).tolist()
    grouped = []
    for pid in first:
        mine = shares[shares["proposal_id"] == pid].copy()
        total = float(gain[pid]) or 1.0
        for column in ("shapley", "proportional", "equal"):
            mine[f"{column}_share"] = mine[column] / total
        mine["stderr_share"] = mine["shapley_stderr"] / total
        grouped.append((pid, mine.to_dict(orient="records")))
    return {"proposals": _records(rows), "shares": grouped, "proposal_counts": said}


#: Rows of a long table the report shows (the rest are in the published files).
MAX_TABLE_ROWS = 100


def _clusters_first(clusters: pd.DataFrame | None) -> pd.DataFrame | None:
    """Clusters in the order the report lists them: candidates by rank, then by size."""
    if clusters is None:
        return None
    table = clusters.drop(columns="geometry")
    rank = table["rank"].astype(float).where(table["candidate"].astype(bool), np.inf)
    order = np.lexsort((-table["sites"].to_numpy(float), rank.to_numpy(float)))
    return table.iloc[order]


def _units_table(results: Results, label: dict[str, str]) -> list[dict[str, Any]]:
    table = results.unit_indicators
    if table is None:
        return []
    table = table.sort_values("endowment", ascending=False).copy()
    table["label"] = table["unit_id"].astype(str).map(label)
    if results.efficiency is not None:
        scores = results.efficiency.set_index("unit_id")
        table["ccr"] = table["unit_id"].map(scores["ccr"])
        table["illustrative"] = table["unit_id"].map(scores.get("illustrative"))
    return _records(table)


def _methods(results: Results, lang: str) -> list[dict[str, Any]]:
    params = results.dataset.params
    return [
        {
            "name": name,
            "value": getattr(params, name),
            "description": i18n.parameter_meaning(name, field.description or "", lang),
        }
        for name, field in Params.model_fields.items()
    ]


def _shared_resources(results: Results, label: dict[str, str]) -> list[dict[str, str]]:
    """Each shared resource: its name(s) and the units that list it, in the reader's words."""
    table = results.outputs.get("shared_resources")
    if table is None or table.empty:
        return []
    rows = []
    for row in table.itertuples():
        units = [row.unit_a, *str(row.unit_b).split(";")]
        names = [row.name_a] + ([row.name_b] if row.name_b and row.name_b != row.name_a else [])
        rows.append(
            {
                "names": " / ".join(names),
                "units": [label.get(u, u) for u in units if u],
                "distance_m": float(row.distance_m),
                "records": int(row.records),
            }
        )
    return rows


def render_report(results: Results, *, lang: str = "zh") -> str:
    """Render the report of a run as one HTML page that needs no network.

    Parameters
    ----------
    results
        What the pipeline produced.
    lang
        ``"zh"`` or ``"en"``: headings, labels and unit names.

    Returns
    -------
    str
        The page (figures embedded as PNG data URIs, styles inline, no scripts).
    """
    words = i18n.words(lang, "report")
    title, about = results.dataset.title(lang)
    label = i18n.unit_names(results.units, lang)
    indicators = results.indicators
    overlaps = results.overlaps
    top: dict[str, pd.DataFrame | None] = {}
    for relation, rows in (("competing", 15), ("complementary", 10)):
        chosen = None
        if overlaps is not None:
            chosen = overlaps[overlaps["relation"] == relation]
            chosen = chosen.sort_values("score", ascending=False, kind="stable").head(rows)
            chosen = chosen.assign(explanation=results.explain(chosen, lang))
        top[relation] = chosen
    efficiency = results.efficiency
    if efficiency is not None:
        efficiency = efficiency.assign(
            returns_to_scale=efficiency["returns_to_scale"].map(lambda v: i18n.term("rts", v, lang))
        )
    candidates = (
        results.clusters[results.clusters["candidate"]].sort_values("rank")
        if results.clusters is not None
        else None
    )
    swot = indicators.get("swot") or {}
    said = {
        group: [
            {
                **entry,
                **{
                    key: [i18n.swot_bullet(fact, lang, label) for fact in entry[key]]
                    for key in ("strengths", "weaknesses", "opportunities", "threats")
                },
            }
            for entry in swot.get(group, [])
        ]
        for group in ("zones", "units")
    }
    context = {
        "swot": said,
        "w": words,
        "term": lambda group, key: i18n.term(group, key, lang),
        "lang": lang,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "dataset": results.dataset,
        "title": title,
        "about": about,
        "counts": results.counts(),
        "sources": results.sources,
        "ind": indicators,
        "warnings": [_said(w, lang) for w in results.warnings],
        "illustrative": [
            _said(w, lang) for w in results.warnings if w.code == "illustrative_stats"
        ],
        "skipped": {k: i18n.say(v, lang) for k, v in results.skipped.items()},
        "record_duplicates": _records(results.record_duplicates, 20),
        "n_record_duplicates": 0 if results.record_duplicates is None
        else len(results.record_duplicates),
        "units": _units_table(results, label),
        "label": label,
        "kinds": {k: i18n.kind_label(k, lang) for k in load_taxonomy().kinds},
        "top_overlaps": _records(top["competing"]),
        "top_complementary": _records(top["complementary"]),
        "shared_resources": _shared_resources(results, label),
        "clusters": _records(_clusters_first(results.clusters), MAX_TABLE_ROWS),
        "n_clusters": 0 if results.clusters is None else len(results.clusters),
        "candidates": _records(None if candidates is None else candidates.drop(columns="geometry")),
        "borders": _records(_without_geometry(results.outputs.get("borders"))),
        "missing_links": _records(_without_geometry(results.outputs.get("missing_links"))),
        "road_exits": _road_exits(results.outputs.get("road_exits")),
        "road_notes": [
            _said(w, lang) for w in results.data_quality() if w.code.startswith("roads_")
        ],
        **_proposals(results, lang),
        "level": lambda value: i18n.level_words(value, lang) if value else "",
        "road_classes": MAIN_CLASSES,
        "links": _records(
            None if results.linkage is None
            else results.linkage[results.linkage["cooperation_link"]], 15
        ),
        "efficiency": _records(efficiency),
        "methods": _methods(results, lang),
        "formulas": i18n.formulas(lang),
        "figures": {
            "overview": _image(overview_figure(results, lang)),
            "matrix": _image(overlap_matrix_figure(results, lang)),
            "lorenz": _image(lorenz_figure(results, lang)),
            "linkage": _image(linkage_figure(results, lang)),
            "efficiency": _image(efficiency_figure(results, lang)),
        },
    }  # fmt: skip
    return _TEMPLATES.get_template("report.html").render(**context)


def write_report(results: Results, path: str | Path, *, lang: str = "zh") -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(results, lang=lang), encoding="utf-8")
    return path
