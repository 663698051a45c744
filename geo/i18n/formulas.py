"""The formulas the report states, with their names and meanings in both languages."""

from __future__ import annotations

__all__ = ["FORMULAS", "formulas"]

#: (name, formula, meaning), each name and meaning as (Chinese, English).
FORMULAS: list[tuple[tuple[str, str], str, tuple[str, str]]] = [
    (("重复度评分", "overlap score"), "S = 100 · sim^wₛ · prox^wₚ · grade^w_g",
     ("sim：同类型为 1，否则为主题的 Jaccard 系数；prox = 1 − d/阈值；"
      "grade = 1 − |gᵢ − gⱼ|/5；w = overlap_weights",
      "sim: 1 for the same kind, else Jaccard of themes; prox = 1 − d/cut-off; "
      "grade = 1 − |gᵢ − gⱼ|/5; w = overlap_weights")),
    (("泰尔指数", "Theil"), "T = (1/n) Σ (Eᵢ/Ē) ln(Eᵢ/Ē)",
     ("按单元计算，0 ln 0 = 0", "over units, 0 ln 0 = 0")),
    (("跨界指数", "cross-border index"), "H = −Σ pᵤ ln pᵤ / ln n",
     ("pᵤ：单元 u 在集聚区中的等级加权占比；n：集聚区涉及的单元数",
      "pᵤ: grade-weighted share of unit u in the cluster; n: units in the cluster")),
    (("资源禀赋", "endowment"), "E = Σ w(grade)",
     ("等级权重取自 [params] grade_weights", "grade weights from [params] grade_weights")),
    (("基尼系数", "Gini"), "G = Σᵢ Σⱼ |Eᵢ − Eⱼ| / (2 n² Ē)", ("按单元计算", "over units")),
    (("地理集中指数", "concentration"), "C = 100 · √(Σ (Eᵢ/ΣE)²)",
     ("地理集中指数", "geographic concentration index")),
    (("最近邻指数 R", "Clark–Evans R"), "R = r̄ₒ / (0.5 / √(n/A))",
     ("r̄ₒ：平均最近邻距离；R < 1 为集聚，> 1 为分散；z = (r̄ₒ − r̄ₑ)/SE",
      "r̄ₒ: mean nearest-neighbour distance; R < 1 clustered, > 1 dispersed; "
      "z = (r̄ₒ − r̄ₑ)/SE")),
    (("引力模型", "gravity"), "Rᵢⱼ = √(Pᵢ Eᵢ) · √(Pⱼ Eⱼ) / tᵢⱼ²",
     ("P 人口，E 资源禀赋，t 中心之间的道路分钟数（无道路时为质心间公里数）",
      "P population, E endowment, t road minutes between hubs (else km between centroids)")),
    (("DEA（CCR/BCC）", "DEA (CCR/BCC)"),
     "min θ s.t. Σλⱼxⱼ ≤ θx₀, Σλⱼyⱼ ≥ y₀, λ ≥ 0 (BCC: Σλ = 1)",
     ("投入导向；规模效率 = CCR / BCC", "input-oriented; scale efficiency = CCR / BCC")),
    (("绕行系数", "detour index"), "D = road km / geodesic km",
     ("直线距离 1–60 km 的点对", "pairs 1–60 km apart")),
    (("坡度", "slope"), "atan(√((∂z/∂x)² + (∂z/∂y)²))",
     ("像元大小按椭球面上的米计", "cell sizes in metres on the ellipsoid")),
]  # fmt: skip


def formulas(lang: str) -> list[tuple[str, str, str]]:
    """Return (name, formula, meaning) rows in ``lang``."""
    pick = 0 if lang == "zh" else 1
    return [(name[pick], formula, meaning[pick]) for name, formula, meaning in FORMULAS]
