"""Every word a reader sees, by language: the one table, names, numbers and sentences.

The report, the map, the figures and the command line take their words from here, and so do
the sentences built from an analysis's facts (overlap explanations, returns to scale). A word
a single reader uses differently is keyed ``"<reader>:<key>"`` (readers: ``map``,
``report``, ``figure``); :func:`words` gives each reader its view of the table. Grouped
words (``section:``, ``source:``, ``gb:``, ``road:``, ``rts:``) are read with :func:`term`.
The sentences of warnings and skip reasons are in :mod:`geo.i18n.notes`, the report's
formulas in :mod:`geo.i18n.formulas`.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.i18n.formulas import formulas
from geo.i18n.notes import NOTES, note_record, say
from geo.taxonomy import load_taxonomy

__all__ = [
    "LANGUAGES",
    "NOTES",
    "Lang",
    "explain_pairs",
    "fmt_number",
    "formulas",
    "kind_label",
    "level_words",
    "names_in",
    "note_record",
    "parameter_meaning",
    "say",
    "swot_bullet",
    "term",
    "theme_label",
    "unit_names",
    "words",
]

Lang = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")

#: (Chinese, English) of every heading, label and word.
WORDS: dict[str, tuple[str, str]] = {
    "map:units": ("行政单元（资源禀赋）", "Units (endowment)"),
    "map:zones": ("规划区", "Planning zones"),
    "map:sites": ("旅游资源点", "Tourism sites"),
    "overlap_pairs": ("重复建设（竞争资源对）", "Duplicated construction (competing pairs)"),
    "map:pairs_complementary": (
        "互补资源对（宜联合开发）",
        "Complementary pairs (develop jointly)",
    ),
    "map:pairs_shared": ("跨界共有资源", "Shared resources (one resource, two units)"),
    "overlap_groups": ("重复建设组", "Overlap groups"),
    "map:clusters": ("资源集聚区（跨界指数）", "Resource clusters (cross-border index)"),
    "roads": ("道路", "Roads"),
    "border_crossings": ("跨界道路连接点", "Border crossings"),
    "border_deadends": ("断头路（临界未连通）", "Border dead-ends"),
    "borders": ("共享边界（按跨界道路）", "Shared borders (by road crossings)"),
    "missing_links": ("缺失连接", "Missing links"),
    "map:proposals": ("合作建议", "Cooperation proposals"),
    "map:missing_link_tip": (
        "{id} {a} – {b}：直线 {km:.1f} km，可节省 {saving:.0f} 分钟，{pairs} 对景点受益",
        "{id} {a} – {b}: {km:.1f} km straight, saves {saving:.0f} min, {pairs} site pairs gain",
    ),
    "isochrones": ("等时圈", "Isochrones"),
    "map:density": ("资源密度（等级加权）", "Site density (grade-weighted)"),
    "hillshade": ("地形晕渲", "Hillshade"),
    "endowment": ("资源禀赋", "endowment"),
    "map:score": ("重复度评分", "overlap score"),
    "cross_border_index": ("跨界指数", "cross-border index"),
    "minutes": ("分钟", "minutes"),
    "grade": ("A级", "A-grade"),
    "ungraded": ("未评级", "not graded"),
    "map:unit": ("所在单元", "unit"),
    "kind": ("类型", "kind"),
    "gb_class": ("国标主类", "GB/T 18972 class"),
    "map:overlaps": ("相关资源（竞争 / 互补）", "related sites (competing / complementary)"),
    "relation:competing": ("竞争：重复建设", "competing: duplicated construction"),
    "relation:complementary": ("互补：宜联合开发", "complementary: develop together"),
    "relation:shared": ("同一资源，两个单元", "one resource, two units"),
    "relation:component": ("组成部分", "part of"),
    "no_overlaps": ("无相似资源", "no overlaps found"),
    "search": ("搜索资源点…", "Search sites…"),
    "not_found": ("未找到", "not found"),
    "sites_count": ("资源点数", "sites"),
    "candidate": ("合作候选", "cooperation candidate"),
    "legend": ("图例", "Legend"),
    "crossing": ("跨界道路", "road crossing"),
    "deadend": ("断头路", "dead-end"),
    "low": ("低", "low"),
    "high": ("高", "high"),
    "zone_note": ("示意范围", "approximate boundary"),
    "strongest": ("仅显示最强的 {n} 对（共 {total} 对）", "the strongest {n} of {total} shown"),
    "map:largest_groups": (
        "仅显示得分最高的 {n} 组（共 {total} 组）",
        "the {n} highest-scoring of {total} groups shown",
    ),
    "map:largest_clusters": (
        "仅显示最大的 {n} 个集群（共 {total} 个，合作候选优先）",
        "the {n} largest of {total} clusters shown (candidates first)",
    ),
    "map:sites_shown": (
        "地图显示 {n} / {total} 个资源点（等级高者及相似资源对所涉者优先），"
        "搜索仅限这些点；全部见 results.gpkg",
        "{n} of {total} sites drawn (higher grades and those in the drawn pairs "
        "first); the search finds these; all are in results.gpkg",
    ),
    "title": ("旅游一体化分析报告", "Tourism integration report"),
    "overview": ("概览", "Overview"),
    "data_quality": ("数据质量", "Data quality"),
    "report:units": ("各行政单元", "Units"),
    "report:overlaps": ("重复建设", "Duplicated construction"),
    "report:clusters": (
        "跨界资源集聚区与合作候选",
        "Cross-border clusters and cooperation candidates",
    ),
    "friction": ("边界摩擦", "Border friction"),
    "proposals": ("合作建议与利益协调", "Cooperation proposals and benefit sharing"),
    "proposals_intro": (
        "由跨界发现生成的合作建议：谁与谁一起做什么、预期收益（按各类型的模型）"
        "以及按 Shapley 值的公平分配（并列按各自市场的比例分配与平均分配）。共 {n} 条：{types}。",
        "Proposals generated from the cross-border findings: who should do what together, the "
        "expected gain under each type's model and its fair (Shapley) shares, beside shares in "
        "proportion to each unit's own market and equal shares. {n} in all: {types}.",
    ),
    "gain": ("预期收益", "expected gain"),
    "priority": ("优先级", "priority"),
    "proposal": ("建议", "proposal"),
    "shares_of": ("收益分配（前 {n} 条建议）", "Benefit shares (the first {n} proposals)"),
    "shapley": ("Shapley 值", "Shapley"),
    "proportional": ("按比例", "proportional"),
    "equal": ("平均", "equal"),
    "proposal_type:joint_brand": ("联合品牌与联票", "joint brand and ticket"),
    "proposal_type:joint_product": ("联合产品或线路", "joint product or route"),
    "proposal_type:coordinated_positioning": ("错位发展、协调定位", "coordinated positioning"),
    "proposal_type:joint_management": ("联合管理", "joint management"),
    "proposal_type:road_link": ("连接道路", "road link"),
    "priority:high": ("高", "high"),
    "priority:medium": ("中", "medium"),
    "priority:low": ("低", "low"),
    "gain_unit:people": ("人（客源）", "people reached"),
    "gain_unit:unit_markets": ("个等权单元市场", "equal unit markets"),
    "gain_unit:minutes": ("分钟", "minutes"),
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
    "report:unit": ("单元", "unit"),
    "report:sites": ("资源点", "sites"),
    "report:density": ("密度（/千km²）", "density (/1,000 km²)"),
    "share": ("占比", "share"),
    "clark_evans": ("最近邻指数 R", "Clark–Evans R"),
    "linkage_share": ("联系份额", "linkage share"),
    "ccr": ("综合效率 CCR", "CCR"),
    "bcc": ("纯技术效率 BCC", "BCC"),
    "scale": ("规模效率", "scale"),
    "rts": ("规模报酬", "returns to scale"),
    "report:score": ("评分", "score"),
    "explanation": ("说明", "explanation"),
    "top_overlaps": (
        "最强的重复建设（竞争）资源对",
        "Strongest duplicated construction (competing pairs)",
    ),
    "report:top_complementary": (
        "互补资源对：宜联合开发的产品与线路",
        "Complementary pairs: joint products and routes",
    ),
    "report:top_shared": ("跨界共有资源", "Shared resources (one resource, two units)"),
    "report:relations_note": (
        "可达范围内共有 {competing} 对竞争（替代品且客源市场重叠）资源，"
        "其中 {counted} 对评分不低于 {min_score}，计为重复建设；"
        "另有 {complementary} 对互补资源、{shared} 处跨界共有资源、"
        "{component} 对景区与其组成部分（不作比较）。",
        "Within reach, {competing} pairs compete (substitutes whose markets overlap); the "
        "{counted} scoring at least {min_score} count as duplicated construction. "
        "{complementary} pairs are complementary, {shared} resources are shared by two units "
        "and {component} pairs are a scenic area and its part (not compared).",
    ),
    "unit_pairs": ("单元对矩阵（重复建设对数）", "Unit-pair matrix (overlap pairs)"),
    "candidates": ("合作候选", "Cooperation candidates"),
    "cluster": ("集聚区", "cluster"),
    "quality": ("质量", "quality"),
    "kinds": ("类型", "kinds"),
    "crossings": ("跨界道路", "road crossings"),
    "deadends": ("断头路", "dead-ends"),
    "detour": ("绕行系数（中位数）", "detour index (median)"),
    "borders_all": (
        "全部共享边界（{n} 条，按缺口严重程度排序）",
        "Every shared border ({n}, most serious gap first)",
    ),
    "border_level": ("边界级别", "level"),
    "length_km": ("长度（km）", "length (km)"),
    "finding": ("结论", "finding"),
    "major_crossings": ("主要道路跨界", "main-road crossings"),
    "km_per_crossing": ("每条主要跨界道路对应边界（km）", "km of border per main crossing"),
    "by_class": ("按道路等级", "by road class"),
    "detour_bands": ("按直线距离分段的绕行系数", "Detour index by straight-line distance band"),
    "band_km": ("直线距离（km）", "straight line (km)"),
    "ratio_cross_same": ("跨界 / 同单元", "across / within"),
    "detour_matched": (
        "控制距离后，跨界出行的绕行系数是同单元出行的 {ratio} 倍"
        "（{n} 对跨界点对，按各距离段加权）。",
        "At matched distances, trips across a border detour {ratio} times as much as trips "
        "within a unit ({n} cross-border pairs, weighted by band).",
    ),
    "detour_unmatched": (
        "没有同时含跨界与同单元点对的距离段，无法对比。",
        "No distance band holds both cross-border and same-unit pairs: no comparison.",
    ),
    "report:missing_links": (
        "缺失连接（跨界近在咫尺、道路却很远）",
        "Missing links (close across a border, far by road)",
    ),
    "straight_km": ("直线（km）", "straight (km)"),
    "road_min": ("现有道路（分钟）", "road now (min)"),
    "link_min": ("新连接（分钟）", "new link (min)"),
    "saving_min": ("节省（分钟）", "saving (min)"),
    "site_pairs_gaining": ("受益景点对", "site pairs gaining"),
    "best_pair": ("受益最大的景点对", "pair gaining most"),
    "road_exits": (
        "驶出道路数据范围的主要道路（对外通道）",
        "Main roads leaving the road data (the ways out)",
    ),
    "toward": ("通往", "toward"),
    "road": ("道路", "road"),
    "no_data_note": ("道路数据未覆盖", "no road data"),
    "finding:no_crossing": ("无跨界道路", "no road crosses"),
    "finding:minor_only": ("仅有低等级道路", "minor roads only"),
    "finding:crossed": ("有主要道路连通", "crossed by main roads"),
    "finding:no_road_data": ("缺少道路数据", "no road data"),
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
    "report:zones": ("规划区", "Zones"),
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
    "part": ("数据部分", "part"),
    "file": ("文件", "file"),
    "format": ("格式", "format"),
    "code": ("代码", "code"),
    "message": ("说明", "message"),
    "concentration": ("地理集中指数", "concentration"),
    "area_km2": ("面积（km²）", "area km²"),
    "population": ("人口", "population"),
    "inputs": ("投入", "inputs"),
    "outputs": ("产出", "outputs"),
    "outside_dem": ("个在 DEM 范围外", "outside the DEM"),
    "mean_site_elevation": ("资源点平均高程", "mean site elevation"),
    "linkage_by_road": ("枢纽间道路时间（分钟）", "road time between hubs (min)"),
    "linkage_by_centroid": ("单元质心间距离（km）", "km between unit centroids"),
    "dea_model": (
        "投入导向 DEA，CCR 与 BCC 模型（scipy HiGHS）",
        "input-oriented DEA, CCR and BCC (scipy HiGHS)",
    ),
    "population_given": ("来自 [stats]", "from [stats]"),
    "population_missing": ("未提供：P = 1", "not given: P = 1"),
    "section:zones": ("规划区", "zones"),
    "section:terrain": ("地形", "terrain"),
    "section:network": ("道路网络", "road network"),
    "section:overlaps": ("重复建设", "overlaps"),
    "section:clusters": ("资源集聚区", "clusters"),
    "section:balance": ("均衡与格局", "balance"),
    "section:linkage": ("空间联系", "linkage"),
    "section:efficiency": ("旅游效率（DEA）", "efficiency (DEA)"),
    "section:swot": ("SWOT 摘要", "SWOT"),
    "source:table": ("文本表格", "table"),
    "source:excel": ("Excel 表格", "Excel table"),
    "source:osm": ("OpenStreetMap", "OpenStreetMap"),
    "source:vector": ("矢量", "vector"),
    "source:raster": ("栅格", "raster"),
    "source:rows_read": ("读取行数", "rows read"),
    "source:rows_skipped": ("跳过行数", "rows skipped"),
    "source:features": ("要素数", "features"),
    "source:repaired": ("修复几何数", "repaired"),
    "source:ways": ("道路线数", "ways"),
    "gb:A": ("地文景观", "landforms"),
    "gb:B": ("水域景观", "water"),
    "gb:C": ("生物景观", "biological"),
    "gb:D": ("天象与气候景观", "sky and climate"),
    "gb:E": ("建筑与设施", "buildings and facilities"),
    "gb:F": ("历史遗迹", "historic remains"),
    "gb:G": ("旅游购品", "tourism products"),
    "gb:H": ("人文活动", "human activities"),
    "gb:": ("未分类", "unclassified"),
    "road:motorway": ("高速公路", "expressway"),
    "road:trunk": ("国道", "trunk road"),
    "road:primary": ("省道", "primary road"),
    "road:secondary": ("县道", "secondary road"),
    "road:tertiary": ("乡道", "tertiary road"),
    "road:other": ("其他道路", "other road"),
    "figure:pairs": ("相似资源对数", "pairs"),
    "figure:equality": ("绝对均衡线", "equality"),
    "figure:endowment": ("资源禀赋", "endowment"),
    "figure:share_units": ("单元累计占比", "cumulative share of units"),
    "figure:share_endowment": ("资源禀赋累计占比", "cumulative share of endowment"),
    "figure:efficiency_score": ("效率值", "efficiency"),
    "figure:sites_drawn": (
        "绘出 {shown} / {total} 个资源点（等级高者优先）",
        "{shown} of {total} sites drawn (higher grades first)",
    ),
    "report:rows_more": ("其余 {n} 行", "{n} more rows"),
    "report:rows_shown": (
        "显示 {n} / {total} 行；全部见 {file}",
        "{n} of {total} rows shown; all are in {file}",
    ),
    "figure:top_pairs": (
        "相似资源对最多的 {shown} 个单元（共 {total} 个）",
        "the {shown} units with the most pairs (of {total})",
    ),
    "figure:lowest_ccr": (
        "CCR 最低的 {shown} 个单元（共 {total} 个）",
        "the {shown} units with the lowest CCR (of {total})",
    ),
    "figure:strongest_links": (
        "最强的 {shown} 条合作联系（共 {total} 条）",
        "the {shown} strongest cooperation links (of {total})",
    ),
    "rts:constant": ("规模报酬不变", "constant"),
    "rts:increasing": ("规模报酬递增", "increasing"),
    "rts:decreasing": ("规模报酬递减", "decreasing"),
    "rts:infeasible": ("无可行解", "infeasible"),
}

#: What each parameter of the registry means, in Chinese (English: the models' descriptions).
PARAMETERS_ZH: dict[str, str] = {
    "density_bandwidth_km": "density.tif 的核函数带宽",
    "density_cell_km": "density.tif 的像元大小",
    "density_max_cells": "密度栅格的最大像元数；更细的网格会被拒绝",
    "grade_weights": "A 级 0–5 的资源权重（资源禀赋、集聚区质量）",
    "cluster_method": (
        "dbscan（按等级加权的核心点）或 hdbscan（不加权，忽略等级权重；"
        "有完整出行时间矩阵时按道路时间）"
    ),
    "cluster_eps_km": "无道路时 DBSCAN 的邻域半径",
    "cluster_eps_min": "按道路时 DBSCAN 的邻域半径",
    "cluster_min_weight": "构成核心点所需的等级权重",
    "hull_buffer_km": "集聚区外包多边形的缓冲距离",
    "candidate_min_index": "合作候选所需的跨界指数",
    "candidate_min_quality": "合作候选所需的等级加权质量",
    "reach_minutes": "按道路的外部可达范围（分钟）：只限定点对搜索",
    "reach_km": "无道路时的外部可达范围（km）：只限定点对搜索",
    "market_half_minutes": "客源市场权重减半的道路时间（分钟）",
    "market_half_km": "客源市场权重减半的距离（km）",
    "min_market_overlap": "替代品的市场重叠低于此值即不构成竞争",
    "circuity": "道路距离与直线距离之比（估计值）",
    "overlap_weights": "评分中相似度、市场重叠、等级相似度、重要性的指数",
    "group_min_score": "评分达到此值的竞争点对计入重复建设并参与分组",
    "min_pair_score": "评分低于此值的竞争与互补点对不列出（只计数）",
    "component_km": (
        "与同类型或同主题的更高等级景区相距此距离内（超出其面积）的资源点视为其组成部分；0 为关闭"
    ),
    "component_name_km": "以另一资源点名称开头且相距此距离内的资源点视为其组成部分",
    "shared_km": "两个单元在此距离内以同一名称列出的记录视为一处跨界共有资源",
    "shared_area_share": "以面表示的资源点在两个单元内各占其面积的此比例以上，即为两单元共有",
    "deadend_near_border_km": "距共享边界此距离内的断头节点参与检查",
    "deadend_across_km": "……且对岸节点的直线距离小于此值",
    "deadend_ratio": "……且道路距离与直线距离之比不小于此值",
    "detour_min_km": "绕行系数所用点对的最短距离",
    "detour_max_km": "绕行系数所用点对的最长距离",
    "detour_band_km": "跨界与同单元绕行系数按此直线距离分段（km）对比",
    "link_max_km": "缺失连接：边界两侧节点的直线距离不超过此值",
    "link_near_border_km": "缺失连接：节点距共享边界不超过此距离",
    "link_speed_kmh": "新建连接道路的车速",
    "link_min_saving_min": "缺失连接：新连接至少节省的分钟数",
    "link_thin_km": "相距小于此值的候选连接只保留最优者",
    "link_max": "最多列出的缺失连接数",
    "linkage_reach_minutes": "道路行程超过此值（分钟）的单元之间不计联系",
    "linkage_reach_km": "中心点相距超过此值（km）的单元之间不计联系",
    "linkage_top_k": "联系强度位列任一方前 k 名的单元对构成合作网络",
    "proposal_max_per_type": "每类合作建议最多保留的条数（按收益从大到小）",
    "shapley_samples": "超过 12 个单元时 Shapley 值的抽样排列数",
    "roads_sparse_ratio": "道路节点密度低于中位数此比例的单元视为缺少道路数据",
    "isochrone_minutes": "等时圈的时间分段（分钟）",
    "isochrone_min_grade": "达到此 A 级的资源点与交通节点一样绘制等时圈",
    "road_speeds_kmh": "各 OSM 道路等级的车速（覆盖默认值）",
    "road_classes_excluded": "不纳入路网的 OSM 道路等级（如 track 机耕路）",
    "network_margin_km": "单元范围外保留的道路宽度",
    "snap_max_m": "距道路超过此距离的资源点被标记",
    "offroad_speed_kmh": "资源点与道路之间的速度",
    "od_cutoff_min": "大规模资源点集不存储超过此值的出行时间",
    "border_tolerance_m": "两单元边界相距小于此值即视为共享",
    "table_max_mb": "读取的 CSV/TXT 表格最大体积（MB），更大的表格被拒绝",
    "table_max_columns": "CSV/TXT 表格最多的列数，更宽的表格被拒绝",
    "attach_km": "资源点（或中心点）在所有单元之外但距某单元不超过此距离时归入最近单元"
    "（海岛、界河瀑布、粗略岸线）；0 为关闭",
    "record_dup_m": "名称相似且相距小于此值的记录视为同一资源",
    "dem_min_coverage": "DEM 应覆盖的单元面积比例",
    "dem_max_cells": "可读取的 DEM 最大像元数；更大的栅格会被拒绝",
    "unit_overlap_min_km2": "小于此面积的单元重叠视为碎屑而忽略",
}

#: Theme ids of the bundled taxonomy in Chinese (a dataset's own themes show their id).
_THEMES_ZH = {
    "bamboo": "竹",
    "karst": "喀斯特",
    "bo_culture": "僰文化",
    "hot_spring": "温泉",
    "ancient_town": "古镇古街",
    "red": "红色旅游",
    "liquor": "酒文化",
    "tea": "茶文化",
    "miao": "苗族文化",
    "yi": "彝族文化",
    "buddhist": "佛教",
    "confucian": "儒学",
    "salt": "盐文化",
    "forest": "森林",
    "waterfall": "瀑布",
    "geopark": "地质公园",
    "panda": "熊猫",
}


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        msg = f"lang must be 'zh' or 'en', not {lang!r}"
        raise ValueError(msg)


def words(lang: str, reader: str | None = None) -> dict[str, str]:
    """Return the words in ``lang`` as ``reader`` (``map``, ``report``) sees them.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    reader
        Its own words (``"<reader>:<key>"``) replace the common ones of the same key.

    Returns
    -------
    dict
        Key -> word.

    Raises
    ------
    ValueError
        Another language.
    """
    _check(lang)
    pick = 0 if lang == "zh" else 1
    found = {k: v[pick] for k, v in WORDS.items() if ":" not in k}
    if reader is not None:
        prefix = f"{reader}:"
        found |= {k[len(prefix) :]: v[pick] for k, v in WORDS.items() if k.startswith(prefix)}
    return found


@cache
def _kinds() -> dict[str, tuple[str, str]]:
    return {k: (v.zh, v.en) for k, v in load_taxonomy().kinds.items()}


def kind_label(kind: str, lang: str) -> str:
    """Return a kind id in words (the id itself when the bundled taxonomy lacks it)."""
    zh, en = _kinds().get(kind, (kind, kind.replace("_", " ")))
    return zh if lang == "zh" else en


def theme_label(theme: str, lang: str) -> str:
    """Return a theme id in words (in English, and for a dataset's own theme: its id)."""
    if lang != "zh":
        return theme
    if theme in _THEMES_ZH:
        return _THEMES_ZH[theme]
    return kind_label(theme, lang) if theme in _kinds() else theme  # a kind used as a theme


def parameter_meaning(name: str, description: str, lang: str) -> str:
    """Say what a parameter means (a new analysis's parameter: its own description)."""
    return PARAMETERS_ZH.get(name, description) if lang == "zh" else description


def term(group: str, key: str, lang: str) -> str:
    """Return ``key`` of a word group (``section``, ``source``, ``rts``, ``gb``, ``road``) in words.

    A key the group lacks is returned as it is.
    """
    zh, en = WORDS.get(f"{group}:{key}", (key, key))
    return zh if lang == "zh" else en


def fmt_number(value: object, digits: int = 2) -> str:
    """Format a number with thousands separators; missing values as a dash."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def names_in(frame: pd.DataFrame, lang: str) -> pd.Series:
    """Names in ``lang``: English when asked and present, else the name as given."""
    names = frame["name"].fillna("").astype(str)
    if lang == "en" and "name_en" in frame:
        english = frame["name_en"].fillna("").astype(str)
        names = english.where(english != "", names)
    return names


def unit_names(units: gpd.GeoDataFrame | pd.DataFrame, lang: str) -> dict[str, str]:
    """Map each unit id to its name in ``lang``, qualified where names repeat.

    Two units of the same name (two 城区, two Saint-Julià) are told apart by their id.
    """
    names = names_in(units, lang)
    ids = units["unit_id"].astype(str)
    repeated = names.duplicated(keep=False) & names.astype(bool)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    names = names.where(~repeated, names + open_ + ids + close)
    return dict(zip(ids, names, strict=True))


_TEXT = pa.large_string()  # pandas' own string storage: no copy on the way back
_Text = pa.Array | str


def _scalar(part: _Text) -> pa.Array | pa.Scalar:
    return pa.scalar(part, _TEXT) if isinstance(part, str) else part


def _join(*parts: _Text) -> pa.Array:
    """Concatenate text columns and literals row by row."""
    return pc.binary_join_element_wise(*map(_scalar, parts), pa.scalar("", _TEXT))


def _either(condition: np.ndarray, yes: _Text, no: _Text) -> pa.Array:
    """``yes`` where ``condition`` holds, else ``no`` (columns or literals)."""
    return pc.if_else(pa.array(condition, pa.bool_()), _scalar(yes), _scalar(no))


def _texts(values: pd.Series) -> pa.Array:
    return pa.array(values.fillna("").astype(str), _TEXT)


def _site_labels(sites: pd.DataFrame, units: pd.DataFrame, lang: str) -> pa.Array:
    """Name each site as the sentences do: name, unit and grade."""
    outside = "单元外" if lang == "zh" else "outside the units"
    name = _texts(sites["name"])
    unit = _texts(sites["unit_id"].astype(str).map(unit_names(units, lang)).fillna(outside))
    grade = sites["a_grade"].to_numpy()
    graded = grade > 0
    digits = _decimals(np.where(graded, grade, 0), 0)
    if lang == "zh":
        return _join(name, "（", unit, "，", _either(graded, _join(digits, "A级"), "未评级"), "）")
    if "name_en" in sites:
        english = sites["name_en"].fillna("").astype(str)
        name = _join(name, _either(english.to_numpy() == "", "", " "), _texts(english))
    level = _either(graded, _join(digits, "A"), "not graded")
    return _join(name, " (", unit, ", ", level, ")")


def _decimals(values: np.ndarray, places: int) -> pa.Array:
    """``values`` (not negative) as text, rounded half up to ``places`` decimals (0 or 1)."""
    scaled = np.floor(np.asarray(values, float) * 10**places + 0.5).astype(np.int64)
    whole = pc.cast(pa.array(scaled // 10**places), _TEXT)
    if places == 0:
        return whole
    return _join(whole, ".", pc.cast(pa.array(scaled % 10), _TEXT))


def _distances(distance: np.ndarray, lang: str, *, by_road: bool, circuity: float) -> pa.Array:
    """How far apart each pair is, in words."""
    if by_road:
        minutes = _decimals(distance, 0)
        return (
            _join("车程 ", minutes, " 分钟")
            if lang == "zh"
            else _join(minutes, " min apart by road")
        )
    road_km = distance * circuity
    estimate = _either(road_km >= 10, _decimals(road_km, 0), _decimals(road_km, 1))
    km = _decimals(distance, 1)
    if lang == "zh":
        return _join("直线距离 ", km, " km（道路约 ", estimate, " km）")
    return _join(km, " km apart (about ", estimate, " km by road)")


#: Words of a border's level: (Chinese "跨…", English).
LEVEL_WORDS: dict[str, tuple[str, str]] = {
    "county": ("跨县（区）界", "across a county border"),
    "district": ("跨区界", "across a district border"),
    "prefecture": ("跨市（州）界", "across a prefecture border"),
    "city": ("跨市界", "across a city border"),
    "province": ("跨省界", "across a province border"),
    "country": ("跨国界", "across a national border"),
    "parish": ("跨堂区界", "across a parish border"),
}
_ORIGIN_WORDS = {"developed": ("开发型", "developed"), "endowment": ("资源型", "endowment")}


def level_words(level: str, lang: str) -> str:
    """Say which border a pair crosses ("跨省界", "across a province border")."""
    zh, en = LEVEL_WORDS.get(level, (f"跨{level}界", f"across a {level} border"))
    return zh if lang == "zh" else en


def explain_pairs(
    pairs: pd.DataFrame,
    sites: pd.DataFrame,
    units: pd.DataFrame,
    lang: str,
    *,
    by_road: bool,
    circuity: float,
) -> pd.Series:
    """One sentence per pair, in ``lang``, that a planner can read aloud.

    It names the relation and its evidence: what the two share, their origins, the market
    overlap, the distance, the border crossed and the score, e.g. “巡司温泉（筠连县，未评级）
    与西部大峡谷温泉（水富市，4A级）同为温泉（开发型/开发型）产品，市场重叠 62%，车程 61
    分钟，跨省界（筠连县—水富市）：重复建设评分 48/100。” Built column by column with Arrow's
    string kernels: two million pairs take seconds.

    Parameters
    ----------
    pairs
        Pairs (``site_a``, ``site_b``, ``relation``, ``shared_kind``, ``shared_themes``,
        ``origin_a``, ``origin_b``, ``market_overlap``, ``distance``, ``unit_a``,
        ``unit_b``, ``level``, ``score``).
    sites
        The sites (``site_id``, ``name``, ``name_en``, ``a_grade``, ``unit_id``).
    units
        The units, for their names.
    lang
        ``"zh"`` or ``"en"``.
    by_road
        ``distance`` is road minutes (else geodesic km, road km estimated with ``circuity``).
    circuity
        Road km per straight-line km.

    Returns
    -------
    pandas.Series
        The sentences, on the index of ``pairs``.
    """
    _check(lang)
    if pairs.empty:
        return pd.Series([], index=pairs.index, dtype="str")
    zh = lang == "zh"
    position = pd.Index(sites["site_id"])
    a = position.get_indexer(pairs["site_a"])
    b = position.get_indexer(pairs["site_b"])
    needed = np.unique(np.concatenate([a, b]))  # each site's label once
    labels = _site_labels(sites.iloc[needed], units, lang)
    who_a = labels.take(pa.array(np.searchsorted(needed, a)))
    who_b = labels.take(pa.array(np.searchsorted(needed, b)))
    relation = pairs["relation"].fillna("").astype(str)
    facts = pd.MultiIndex.from_arrays(
        [
            relation,
            pairs["shared_kind"].fillna("").astype(str),
            pairs["shared_themes"].fillna("").astype(str),
            pairs["kind_a"].fillna("").astype(str),
            pairs["kind_b"].fillna("").astype(str),
            pairs["origin_a"].fillna("").astype(str),
            pairs["origin_b"].fillna("").astype(str),
        ]
    )
    codes, combos = facts.factorize()  # what two sites share: said once per combination
    what = pa.array([_what(*combo, lang) for combo in combos], _TEXT).take(pa.array(codes))
    far = _distances(pairs["distance"].to_numpy(float), lang, by_road=by_road, circuity=circuity)
    share = _decimals(np.nan_to_num(pairs["market_overlap"].to_numpy(float)) * 100, 0)
    where = _where(pairs, units, lang)
    score = _decimals(np.nan_to_num(pairs["score"].to_numpy(float)), 0)
    rel = relation.to_numpy()
    if zh:
        market = _join("市场重叠 ", share, "%，")
        verdict = {
            "competing": _join("：重复建设评分 ", score, "/100。"),
            "complementary": _join("：互补，宜联合开发产品或线路（评分 ", score, "/100）。"),
            "shared": pa.scalar("：同一资源由两个单元分别列出，应共同管理。", _TEXT),
            "component": pa.scalar("：前者是后者的组成部分，不作竞争比较。", _TEXT),
        }
        text = _join(who_a, "与", who_b, what, "，", market, far, "，", where)
    else:
        market = _join("markets overlap ", share, "%, ")
        verdict = {
            "competing": _join(": duplicated construction, score ", score, "/100."),
            "complementary": _join(
                ": complementary, a joint product or route (score ", score, "/100)."
            ),
            "shared": pa.scalar(": one resource listed by two units; manage it jointly.", _TEXT),
            "component": pa.scalar(": the first is part of the second, not a rival.", _TEXT),
        }
        text = _join(who_a, " and ", who_b, " ", what, ", ", market, far, ", ", where)
    ending = pa.array(np.full(len(pairs), "", dtype=object), _TEXT)
    for name, words in verdict.items():
        ending = pc.if_else(pa.array(rel == name), words, ending)
    part = rel == "component"
    if part.any():  # the part first, then the whole it belongs to
        parents = sites["parent"].fillna("").astype(str).to_numpy() if "parent" in sites else None
        b_is_part = (
            np.zeros(len(pairs), bool)
            if parents is None
            else (parents[b] == pairs["site_a"].astype(str).to_numpy())
        )
        child = pc.if_else(pa.array(b_is_part), who_b, who_a)
        whole = pc.if_else(pa.array(b_is_part), who_a, who_b)
        comma = "，" if zh else ", "
        said = _join(child, "与" if zh else " and ", whole, comma, far, comma, where)
        text = pc.if_else(pa.array(part), said, text)
    return pd.Series(pd.array(_join(text, ending), dtype="str"), index=pairs.index)


def _where(pairs: pd.DataFrame, units: pd.DataFrame, lang: str) -> pa.Array:
    """Say the border crossed and the two units, or the one unit."""
    names = unit_names(units, lang)
    outside = "单元外" if lang == "zh" else "outside the units"
    ua = _texts(pairs["unit_a"].astype(str).map(names).fillna(outside))
    ub = _texts(pairs["unit_b"].astype(str).map(names).fillna(outside))
    level = pairs["level"].fillna("").astype(str)
    crossed = _texts(level.map({v: level_words(v, lang) if v else "" for v in level.unique()}))
    cross = pairs["cross_border"].to_numpy(bool)
    if lang == "zh":
        return _either(cross, _join(crossed, "（", ua, "—", ub, "）"), _join("同在", ua))
    return _either(cross, _join(crossed, " (", ua, " – ", ub, ")"), _join("both in ", ua))


@cache
def _what(
    relation: str,
    kind: str,
    themes: str,
    kind_a: str,
    kind_b: str,
    origin_a: str,
    origin_b: str,
    lang: str,
) -> str:
    """Say what two sites have in common, as the relation sees it."""
    zh = lang == "zh"
    shared = [theme_label(t, lang) for t in themes.split(";") if t]
    theme_text = ("、" if zh else ", ").join(shared)
    origins = "/".join(
        _ORIGIN_WORDS.get(o, (o, o))[0 if zh else 1] for o in (origin_a, origin_b) if o
    )
    if relation in ("competing", "complementary") and kind:
        label = kind_label(kind, lang)
        if zh:
            return f"同为{label}（{origins}）" + ("产品" if relation == "competing" else "资源")
        noun = "products" if relation == "competing" else "resources"
        return f"are both {label} {noun} ({origins})"
    if relation == "competing":  # one product family, two kinds
        a, b = kind_label(kind_a, lang), kind_label(kind_b, lang)
        if zh:
            return f"为同类产品（{a}/{b}，{origins}）"
        return f"sell the same product ({a} / {b}, {origins})"
    if relation == "complementary":
        if zh:
            a, b = kind_label(kind_a, lang), kind_label(kind_b, lang)
            return f"类型不同（{a}/{b}）但共享主题{theme_text}"
        return (
            f"are different products ({kind_label(kind_a, lang)} / {kind_label(kind_b, lang)}) "
            f"sharing the theme{'s' if len(shared) > 1 else ''} {theme_text}"
        )
    if relation == "shared":
        return "为同一处资源" if zh else "are one resource"
    return ""


def _sites(best: list[list[Any]], lang: str) -> str:
    if lang == "zh":
        return "、".join(f"{n}（{g}A级）" if g else str(n) for n, g in best)
    return ", ".join(f"{n} ({g}A)" if g else str(n) for n, g in best)


def swot_bullet(fact: dict[str, Any], lang: str, units: dict[str, str]) -> str:
    """Say one SWOT fact (:mod:`geo.swot`) in ``lang``.

    Parameters
    ----------
    fact
        ``{"fact": <kind>, ...}`` as the SWOT analysis wrote it.
    lang
        ``"zh"`` or ``"en"``.
    units
        Unit id -> name in ``lang`` (:func:`unit_names`).

    Returns
    -------
    str
        One bullet.
    """
    _check(lang)
    zh = lang == "zh"
    f = fact
    name = lambda unit_id: units.get(unit_id, unit_id)  # noqa: E731
    join = "、" if zh else ", "
    kind = f["fact"]
    if kind == "endowment":
        if zh:
            return (
                f"旅游资源 {f['sites']} 处，资源禀赋 {f['endowment']:g}"
                f"（{f['units']} 个单元中第 {f['rank']} 位，占全区 {f['share']:.0%}）"
            )
        return (
            f"{f['sites']} tourism resources, endowment {f['endowment']:g} "
            f"(rank {f['rank']} of {f['units']}, {f['share']:.0%} of the region)"
        )
    if kind == "best_sites":
        return ("代表性资源：" if zh else "best sites: ") + _sites(f["sites"], lang)
    if kind == "overlaps_inside":
        if zh:
            return (
                f"单元内部有 {f['pairs']} 对重复建设（竞争）资源，"
                f"最强为 {f['site_a']} / {f['site_b']}（评分 {f['score']:.0f}）"
            )
        return (
            f"{f['pairs']} competing pairs among its own sites, strongest "
            f"{f['site_a']} / {f['site_b']} (score {f['score']:.0f})"
        )
    if kind == "deadends":
        if zh:
            return f"{f['roads']} 条道路在边界附近中断，未与邻区连通"
        return f"{f['roads']} roads end near the border without a link across"
    if kind == "low_efficiency":
        if zh:
            caveat = "，基于示意性统计" if f["illustrative"] else ""
            return f"旅游投入的 DEA 效率偏低（CCR {f['ccr']:.2f}{caveat}）"
        caveat = " from illustrative statistics" if f["illustrative"] else ""
        return f"low DEA efficiency of tourism inputs (CCR {f['ccr']:.2f}{caveat})"
    if kind == "candidate":
        partners = join.join(name(u) for u in f["partners"])
        if zh:
            kinds = join.join(kind_label(k, lang) for k in f["kinds"])
            return f"与{partners}共有合作候选集聚区 {f['cluster_id']}（{kinds}）"
        kinds = ", ".join(f["kinds"])
        return f"cooperation candidate {f['cluster_id']} ({kinds}) shared with {partners}"
    if kind == "link":
        if zh:
            unit = "分钟" if f["distance_unit"] == "min" else f["distance_unit"]
            shaky = "；人口为示意值" if f["illustrative"] else ""
            return f"与{name(f['other'])}有较强的引力联系（相距 {f['distance']:.0f} {unit}{shaky}）"
        shaky = "; illustrative population" if f["illustrative"] else ""
        return (
            f"strong gravity link with {name(f['other'])} "
            f"({f['distance']:.0f} {f['distance_unit']} apart{shaky})"
        )
    if kind == "complement":
        themes = join.join(theme_label(t, lang) for t in f["themes"])
        if zh:
            return (
                f"与{name(f['other'])}的{f['theirs']}互补（{f['ours']}；共同主题：{themes}），"
                "宜联合开发产品或线路"
            )
        return (
            f"{f['ours']} complements {f['theirs']} in {name(f['other'])} (shared themes: "
            f"{themes}): a joint product or route"
        )
    if kind == "shared_resource":
        if zh:
            return f"{f['resource']}由本单元与{name(f['other'])}共同列出：宜设立联合管理机构"
        return (
            f"{f['resource']} is listed by this unit and {name(f['other'])}: one resource to "
            "manage jointly"
        )
    if kind == "competitor":
        if zh:
            return (
                f"{name(f['other'])}的{f['theirs']}与{f['ours']}形成竞争（评分 {f['score']:.0f}）"
            )
        return (
            f"{f['theirs']} in {name(f['other'])} competes with {f['ours']} "
            f"(score {f['score']:.0f})"
        )
    if kind == "zone_sites":
        if zh:
            return f"{f['sites']} 处资源分布于 {f['units']} 个单元：{_sites(f['best'], lang)}"
        return f"{f['sites']} resources across {f['units']} units: {_sites(f['best'], lang)}"
    if kind == "zone_overlaps":
        if zh:
            return f"区内有 {f['pairs']} 对重复建设（竞争）资源，其中 {f['across']} 对跨界"
        return (
            f"{f['pairs']} competing (duplicated) pairs inside the zone, {f['across']} across "
            "borders"
        )
    if kind == "proposal":
        partners = join.join(name(u) for u in f["partners"])
        what = term("proposal_type", f["type"], lang)
        unit = term("gain_unit", f["gain_unit"], lang)
        if zh:
            return (
                f"{f['proposal_id']} {what}：与{partners}合作，预期收益 {f['gain']:,.0f} {unit}，"
                f"按 Shapley 值分得 {f['share']:.0%}"
            )
        return (
            f"{f['proposal_id']} {what} with {partners}: expected gain {f['gain']:,.0f} {unit}, "
            f"a fair (Shapley) share of {f['share']:.0%}"
        )
    if kind == "zone_joint":
        spans = join.join(name(u) for u in f["units"])
        return f"应统一规划：该区跨越{spans}" if zh else f"plan the zone jointly: it spans {spans}"
    msg = f"no words for the SWOT fact {kind!r}"
    raise ValueError(msg)
