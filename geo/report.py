"""The self-contained HTML report of a run (Jinja2; figures embedded as PNG data URIs)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from geo import __version__
from geo.figures import (
    efficiency_figure,
    linkage_figure,
    lorenz_figure,
    overlap_matrix_figure,
    overview_figure,
)
from geo.registry import Params
from geo.results import Results
from geo.taxonomy import load_taxonomy

__all__ = ["render_report", "write_report"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# (Chinese, English) for every heading and label of the report
_WORDS: dict[str, tuple[str, str]] = {
    "title": ("旅游一体化分析报告", "Tourism integration report"),
    "overview": ("概览", "Overview"),
    "data_quality": ("数据质量", "Data quality"),
    "units": ("各行政单元", "Units"),
    "overlaps": ("重复建设", "Duplicated construction"),
    "clusters": ("跨界资源集聚区与合作候选", "Cross-border clusters and cooperation candidates"),
    "friction": ("边界摩擦", "Border friction"),
    "balance": ("均衡与格局", "Balance and pattern"),
    "linkage": ("空间联系", "Linkage"),
    "efficiency": ("旅游效率（DEA）", "Efficiency (DEA)"),
    "terrain": ("地形", "Terrain"),
    "swot": ("SWOT 摘要", "SWOT summary"),
    "methods": ("方法与参数", "Methods and parameters"),
    "generated": ("生成于", "Generated"),
    "dataset": ("数据集", "Dataset"),
    "warnings": ("警告", "Warnings"),
    "skipped": ("未运行的分析", "Analyses not run"),
    "record_duplicates": ("合并的重复记录", "Merged duplicate records"),
    "illustrative": ("示意性数值（非官方统计）", "Illustrative values (not official figures)"),
    "illustrative_note": (
        "以下数值并非官方统计，仅作示意；使用它们的结果均已标注。",
        "These values are not official statistics; every result that uses them is marked.",
    ),
    "none": ("无", "none"),
    "unit": ("单元", "unit"),
    "sites": ("资源点", "sites"),
    "endowment": ("资源禀赋", "endowment"),
    "density": ("密度（/千km²）", "density (/1,000 km²)"),
    "share": ("占比", "share"),
    "clark_evans": ("最近邻指数 R", "Clark–Evans R"),
    "linkage_share": ("联系份额", "linkage share"),
    "ccr": ("综合效率 CCR", "CCR"),
    "bcc": ("纯技术效率 BCC", "BCC"),
    "scale": ("规模效率", "scale"),
    "rts": ("规模报酬", "returns to scale"),
    "score": ("评分", "score"),
    "explanation": ("说明", "explanation"),
    "top_overlaps": ("最强的重复建设对", "Strongest overlaps"),
    "unit_pairs": ("单元对矩阵（重复建设对数）", "Unit-pair matrix (overlap pairs)"),
    "candidates": ("合作候选", "Cooperation candidates"),
    "cluster": ("集聚区", "cluster"),
    "cross_border_index": ("跨界指数", "cross-border index"),
    "quality": ("质量", "quality"),
    "kinds": ("类型", "kinds"),
    "crossings": ("跨界道路", "road crossings"),
    "deadends": ("断头路", "dead-ends"),
    "detour": ("绕行系数（中位数）", "detour index (median)"),
    "same_unit": ("同一单元内", "within a unit"),
    "cross_border": ("跨界", "across a border"),
    "lorenz": ("洛伦兹曲线", "Lorenz curve"),
    "network": ("合作网络", "Cooperation network"),
    "strongest_links": ("最强联系", "Strongest links"),
    "strength": ("联系强度", "strength"),
    "distance": ("距离", "distance"),
    "strengths": ("优势", "Strengths"),
    "weaknesses": ("劣势", "Weaknesses"),
    "opportunities": ("机会", "Opportunities"),
    "threats": ("威胁", "Threats"),
    "zones": ("规划区", "Zones"),
    "parameters": ("参数", "Parameters"),
    "formulas": ("公式", "Formulas"),
    "value": ("取值", "value"),
    "meaning": ("含义", "meaning"),
    "mean_elevation": ("平均高程（m）", "mean elevation (m)"),
    "mean_slope": ("平均坡度（°）", "mean slope (°)"),
    "steep_share": ("坡度>25°占比", "share steeper than 25°"),
    "pairs": ("对数", "pairs"),
    "count": ("数量", "count"),
    "key_numbers": ("主要数字", "Key numbers"),
    "files": ("输入文件", "Input files"),
}

_FORMULAS: list[tuple[str, str, str]] = [
    ("overlap score", "S = 100 · sim^wₛ · prox^wₚ · grade^w_g",
     "sim: 1 for the same kind, else Jaccard of themes; prox = 1 − d/cut-off; "
     "grade = 1 − |gᵢ − gⱼ|/5; w = overlap_weights"),
    ("Theil", "T = (1/n) Σ (Eᵢ/Ē) ln(Eᵢ/Ē)", "over units, 0 ln 0 = 0"),
    ("cross-border index", "H = −Σ pᵤ ln pᵤ / ln n",
     "pᵤ: grade-weighted share of unit u in the cluster; n: units in the cluster"),
    ("endowment", "E = Σ w(grade)", "grade weights from [params] grade_weights"),
    ("Gini", "G = Σᵢ Σⱼ |Eᵢ − Eⱼ| / (2 n² Ē)", "over units"),
    ("concentration", "C = 100 · √(Σ (Eᵢ/ΣE)²)", "geographic concentration index"),
    ("Clark–Evans R", "R = r̄ₒ / (0.5 / √(n/A))",
     "r̄ₒ: mean nearest-neighbour distance; R < 1 clustered, > 1 dispersed; z = (r̄ₒ − r̄ₑ)/SE"),
    ("gravity", "Rᵢⱼ = √(Pᵢ Eᵢ) · √(Pⱼ Eⱼ) / tᵢⱼ²",
     "P population, E endowment, t road minutes between hubs (else km between centroids)"),
    ("DEA (CCR/BCC)", "min θ s.t. Σλⱼxⱼ ≤ θx₀, Σλⱼyⱼ ≥ y₀, λ ≥ 0 (BCC: Σλ = 1)",
     "input-oriented; scale efficiency = CCR / BCC"),
    ("detour index", "D = road km / geodesic km", "pairs 1–60 km apart"),
    ("slope", "atan(√((∂z/∂x)² + (∂z/∂y)²))", "cell sizes in metres on the ellipsoid"),
]  # fmt: skip


def _image(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()


def _records(frame: pd.DataFrame | None, limit: int | None = None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    frame = frame if limit is None else frame.head(limit)
    return frame.replace({np.nan: None}).to_dict(orient="records")


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


def _methods(results: Results) -> list[dict[str, Any]]:
    params = results.dataset.params
    return [
        {"name": name, "value": getattr(params, name), "description": field.description or ""}
        for name, field in Params.model_fields.items()
    ]


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
    if lang not in ("zh", "en"):
        msg = f"lang must be 'zh' or 'en', not {lang!r}"
        raise ValueError(msg)
    words = {k: (zh if lang == "zh" else en) for k, (zh, en) in _WORDS.items()}
    names = results.units["name"].fillna("").astype(str)
    if lang == "en" and "name_en" in results.units:
        english = results.units["name_en"].fillna("").astype(str)
        names = english.where(english != "", names)
    label = dict(zip(results.units["unit_id"].astype(str), names, strict=True))
    indicators = results.indicators
    overlaps = results.overlaps
    top = overlaps.sort_values("score", ascending=False).head(15) if overlaps is not None else None
    candidates = (
        results.clusters[results.clusters["candidate"]].sort_values("rank")
        if results.clusters is not None
        else None
    )
    context = {
        "w": words,
        "lang": lang,
        "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "dataset": results.dataset,
        "counts": results.counts(),
        "sources": results.sources,
        "ind": indicators,
        "warnings": [w.to_dict() for w in results.warnings],
        "illustrative": [w.to_dict() for w in results.warnings if w.code == "illustrative_stats"],
        "skipped": results.skipped,
        "record_duplicates": _records(results.record_duplicates, 20),
        "n_record_duplicates": 0 if results.record_duplicates is None
        else len(results.record_duplicates),
        "units": _units_table(results, label),
        "label": label,
        "kinds": {k: (v.zh if lang == "zh" else v.en) for k, v in load_taxonomy().kinds.items()},
        "top_overlaps": _records(top),
        "clusters": _records(
            None if results.clusters is None else results.clusters.drop(columns="geometry")
        ),
        "candidates": _records(None if candidates is None else candidates.drop(columns="geometry")),
        "links": _records(
            None if results.linkage is None
            else results.linkage[results.linkage["cooperation_link"]], 15
        ),
        "efficiency": _records(results.efficiency),
        "methods": _methods(results),
        "formulas": _FORMULAS,
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
