"""The formulas the report states, with their names and meanings in both languages."""

from __future__ import annotations

__all__ = ["FORMULAS", "formulas"]

#: (name, formula, meaning), each name and meaning as (Chinese, English).
FORMULAS: list[tuple[tuple[str, str], str, tuple[str, str]]] = [
    (("客源市场", "market"), "wᵢₖ = Pₖ · 2^(−tᵢₖ / h),  tᵢₖ ≤ R",
     ("Pₖ 市场点 k 的人口；t 道路分钟（无道路时为公里）；h 减半距离；R 外部可达范围",
      "Pₖ population of market point k; t road minutes (km without roads); h half-distance; "
      "R outer reach")),
    (("市场重叠", "market overlap"), "Oᵢⱼ = Σₖ min(wᵢₖ, wⱼₖ) / Σₖ max(wᵢₖ, wⱼₖ)",
     ("两处资源衰减客源的加权 Jaccard 系数（0–1）",
      "weighted Jaccard index of the two decayed catchments (0–1)")),
    (("重复建设 / 互补评分", "competing / complementary score"),
     "S = 100 · sim^w₁ · O^w₂ · grade^w₃ · I^w₄",
     ("sim：同类型为 1，同一产品族为 0.8，否则为主题 Jaccard；grade = 1 − |gᵢ − gⱼ|/5"
      "（任一未评级时为 1）；I = √(iᵢ iⱼ)，i 为等级权重/最大权重；w = overlap_weights",
      "sim: 1 same kind, 0.8 same product family, else theme Jaccard; grade = 1 − |gᵢ − gⱼ|/5 "
      "(1 when a grade is unknown); I = √(iᵢ iⱼ), i = grade weight / largest; "
      "w = overlap_weights")),
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
