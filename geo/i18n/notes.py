"""Sentences of the run's notes (warnings and skip reasons), rendered from their facts.

An analysis states a :class:`geo.diagnostics.Note` as a code and facts (numbers, file
names, column names); :func:`say` turns it into one sentence in the reader's language.
Every code has a template in both languages (a test renders each one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.diagnostics import Note, RunWarning

__all__ = ["NOTES", "note_record", "say"]

#: (Chinese, English) template of every note, by code (``code:variant`` where the facts
#: choose one); ``{where}`` is "file: " or nothing.
NOTES: dict[str, tuple[str, str]] = {
    # warnings: input
    "rows_without_coordinates": (
        "{where}{n} 行没有坐标或几何，已跳过",
        "{where}{n} rows without coordinates or geometry were skipped",
    ),
    "grade_not_understood": (
        "{where}{n} 个 A 级值无法识别，按 0 计（请写作 5A、AAAAA 或 4A级）",
        "{where}{n} A-grade values were not understood and count as 0 "
        "(write them like 5A, AAAAA or 4A级)",
    ),
    "osm_unnamed_skipped": (
        "{where}{n} 个没有名称的旅游要素已跳过",
        "{where}{n} tourism features without a name were skipped",
    ),
    "units_overlap": (
        "{where}{n} 对行政单元重叠面积超过 {min_km2:g} km²；重叠处的资源点归入前一个单元",
        "{where}{n} pairs of units overlap by more than {min_km2:g} km²; "
        "sites in the overlap are assigned to the first",
    ),
    "zones_overlap": (
        "{where}{n} 对规划区重叠面积超过 {min_km2:g} km²；重叠处的资源点归入前一个规划区",
        "{where}{n} pairs of zones overlap by more than {min_km2:g} km²; "
        "sites in the overlap are assigned to the first",
    ),
    "unit_geometry_repaired": (
        "{where}{n} 个无效的行政单元几何已用 make_valid 修复",
        "{where}{n} invalid unit geometries were repaired with make_valid",
    ),
    "zone_geometry_repaired": (
        "{where}{n} 个无效的规划区几何已用 make_valid 修复",
        "{where}{n} invalid zone geometries were repaired with make_valid",
    ),
    "dem_partial_coverage": (
        "{where}DEM 只覆盖行政单元面积的 {coverage:.1%}；未覆盖部分没有地形数值",
        "{where}the DEM covers {coverage:.1%} of the units' area; terrain numbers "
        "for the uncovered part will be missing",
    ),
    "roads_without_class": (
        "{where}没有道路等级列（查找过 {columns}）；所有道路按 unclassified 计——"
        '请在 [roads] 中用 highway = "..." 指明该列',
        "{where}no road-class column (looked for {columns}); every road counts as "
        "'unclassified' — name the column with highway = \"...\" in [roads]",
    ),
    "roads_not_motorable": (
        "{where}{n} 条线是步道、小路或自行车道，未纳入道路网络",
        "{where}{n} lines are footways, paths or cycleways and are left out of the road network",
    ),
    "road_class_unknown": (
        "{where}{n} 条道路的等级不是机动车道路等级，按 unclassified 计",
        "{where}{n} roads have a class that is not a motorable road class and count as "
        "'unclassified'",
    ),
    "stats_missing_units": (
        "{where}{n} 个单元没有统计行（{first}）；其人口在联系强度中按 0 计，且不参与效率分析",
        "{where}{n} units have no row ({first}); their population counts as 0 in the linkage "
        "and they are left out of the efficiency analysis",
    ),
    "illustrative_stats:linkage": (
        "{where}{n} 个单元的 {columns} 为示意数据而非官方统计；引力联系分析使用了它们",
        "{where}{columns} of {n} units are illustrative, not official figures; the gravity "
        "linkage uses them",
    ),
    "illustrative_stats:efficiency": (
        "{where}{n} 个单元的 {columns} 为示意数据而非官方统计；DEA 效率分析使用了它们",
        "{where}{columns} of {n} units are illustrative, not official figures; the DEA "
        "efficiency uses them",
    ),
    # warnings: sites and units
    "sites_unclassified": (
        "{n} 个资源点不属于任何类型，按“其他”计（只按主题比较）；"
        "请在 [taxonomy] kinds 中映射其类别",
        "{n} sites match no kind and count as 'other' (they are compared only by theme); "
        "map their categories in [taxonomy] kinds",
    ),
    "origin_not_understood": (
        "{n} 个开发类型值无法识别（请写 developed/开发型 或 endowment/资源型），按类型与等级判断",
        "{n} origin values were not understood (write developed/开发型 or endowment/资源型); "
        "the kind and the grade decide instead",
    ),
    "parent_unknown": (
        "{n} 个资源点的所属景区编号不是任何资源点的编号，已忽略（请检查 parent 列）",
        "{n} sites name a parent id that is no site's id; it was ignored (check the parent column)",
    ),
    "markets_equal_units": (
        "没有客源市场点，也没有单元人口：{n} 个单元各按一个等量市场计"
        "（请提供 [markets] 或 [stats] population）",
        "no market points and no unit population: each of the {n} units counts as one equal "
        "market (give [markets] or a [stats] population)",
    ),
    "sites_without_market": (
        "{n} 个资源点在 {reach:g} {unit} 内没有任何客源市场点，不参与竞争判断",
        "{n} sites reach no market point within {reach:g} {unit}; they compete with no one",
    ),
    "record_duplicates": (
        "{n} 条记录与 {max_m:g} m 内名称相近的另一资源点重复，已合并（见 record_duplicates.csv）",
        "{n} records repeat another site within {max_m:g} m under a similar name and were "
        "merged into it (see record_duplicates.csv)",
    ),
    "site_attached_to_nearest_unit": (
        "{n} 个资源点位于所有单元之外但距最近单元不超过 {km} 公里（海岛、界河瀑布、粗略岸线），"
        "已归入最近单元",
        "{n} sites lie outside every unit but within {km} km of one (islands, border "
        "waterfalls, coarse coastlines); each is attached to the nearest unit",
    ),
    "display_simplified:units": (
        "行政单元图层有 {vertices} 个顶点，地图、GeoPackage 和 API 中按容"
        "差 {tolerance_deg}° 简化为 {display_vertices} 个顶点用于显示；分析使用完整几何",
        "the units layer has {vertices} vertices: the map, the GeoPackage "
        "and the API show it simplified to {display_vertices} (tolerance {tolerance_deg}°); "
        "the analysis used the full geometry",
    ),
    "display_simplified:zones": (
        "特殊区域图层有 {vertices} 个顶点，地图、GeoPackage 和 API 中按容"
        "差 {tolerance_deg}° 简化为 {display_vertices} 个顶点用于显示；分析使用完整几何",
        "the zones layer has {vertices} vertices: the map, the GeoPackage "
        "and the API show it simplified to {display_vertices} (tolerance {tolerance_deg}°); "
        "the analysis used the full geometry",
    ),
    "display_simplified:unit_borders": (
        "共享边界图层有 {vertices} 个顶点，地图、GeoPackage 和 API 中按容"
        "差 {tolerance_deg}° 简化为 {display_vertices} 个顶点用于显示；分析使用完整几何",
        "the shared borders layer has {vertices} vertices: the map, the GeoPackage "
        "and the API show it simplified to {display_vertices} (tolerance {tolerance_deg}°); "
        "the analysis used the full geometry",
    ),
    "hubs_outside_units": (
        "{n} 个中心点（如县城）不在任何行政单元内；单元间的中心点行程时间不计入它们",
        "{n} hubs (e.g. county seats) lie outside every unit; the hub-to-hub times between "
        "units leave them out",
    ),
    "site_outside_units": (
        "{n} 个资源点不在任何行政单元内；保留但不归属单元",
        "{n} sites lie outside every unit; they are kept with no unit",
    ),
    "unit_disagrees": (
        "{n} 个资源点位于与所填单元不同的单元内（所填单元 → 所在单元）；请核对坐标或所填单元",
        "{n} sites lie in another unit than the one declared (declared → containing unit); "
        "check their coordinates or the declared unit",
    ),
    "unit_declared_unknown": (
        "{n} 个资源点所填的单元不在行政单元图层中（所填单元 → 所在单元）",
        "{n} sites declare a unit that is not in the units layer (declared → containing unit)",
    ),
    # warnings: analyses
    "network_components": (
        "道路网络分成 {components} 个互不连通的部分；行程时间使用最大的部分（{nodes} 个节点），"
        "其余部分的 {dropped} 个节点未纳入",
        "the road network has {components} separate parts; the largest ({nodes} nodes) is "
        "used for travel times, {dropped} nodes in the others are left out",
    ),
    "roads_sparse": (
        "{n} 个单元几乎没有道路数据（道路节点密度不到各单元中位数的 {ratio:.0%}）："
        "道路文件可能未覆盖它们；"
        "其边界上的跨界道路、断头路和缺失连接不作为结论",
        "{n} units have almost no road data (road nodes per km² below {ratio:.0%} of the median "
        "unit): the road file may not cover them, so crossings, dead-ends and missing links on "
        "their borders are not findings",
    ),
    "sites_approximate": (
        "{where}{n} 个资源点的位置为近似值（非实测或地理编码）：距离、单元归属和点对关系仅供参考",
        "{where}the positions of {n} sites are approximate (not surveyed or geocoded): "
        "distances, units and pair relations rest on them",
    ),
    "roads_schematic": (
        "道路为示意性路网（直线连接），并非真实道路：行程时间、跨界道路、断头路和缺失连接仅供示意",
        "the roads are schematic (straight legs), not a real road network: travel times, "
        "crossings, dead-ends and missing links are indicative only",
    ),
    "sites_off_network": (
        "{n} 个资源点距最近道路超过 {snap_max_m:g} m；其道路外路段按 {speed_kmh:g} km/h 计时",
        "{n} sites are more than {snap_max_m:g} m from any road; their off-road leg is timed "
        "at {speed_kmh:g} km/h",
    ),
    "site_pairs_unreachable": (
        "{n} 个有序资源点对之间没有道路可达，没有行程时间",
        "{n} ordered site pairs have no road route; they get no travel time",
    ),
    "no_isochrone_origins": (
        "没有等时圈：没有 [hubs]，也没有 {min_grade}A 级及以上的资源点"
        "（在 [params] 中降低 isochrone_min_grade 即可绘制）",
        "no isochrones: no [hubs] and no site of A-grade {min_grade} or more (lower "
        "isochrone_min_grade in [params] to draw them)",
    ),
    "one_site": ("只有一个资源点，无可比较", "only one site: there is nothing to compare"),
    "one_unit": (
        "所有资源点都在同一单元内，不可能有跨界重复",
        "every site lies in one unit: there can be no cross-border overlaps",
    ),
    "one_unit_only": (
        "只有一个单元，无法计算单元间的不均衡指标",
        "a single unit: no inequality measures across units",
    ),
    "cluster_radius_small:geodesic": (
        "聚类半径 {eps} 公里远小于资源点的间距：只有 {share}% 的资源点在半径内有另一个点"
        "（到最近点的距离中位数 {nearest_km} 公里），集群只在最密处形成；"
        "可试 cluster_eps_km = {suggest_km}（一半的资源点在此距离内有 {k} 个其他点）",
        "the cluster radius of {eps} km is far below the sites' spacing: only {share}% of "
        "sites have another site within it (median distance to the nearest site "
        "{nearest_km} km), so clusters form only where sites are densest; try "
        "cluster_eps_km = {suggest_km} (half the sites have {k} other sites within it)",
    ),
    "cluster_radius_small:road": (
        "聚类半径 {eps} 分钟远小于资源点间的行程时间：只有 {share}% 的资源点在半径内有另一个点，"
        "集群只在最密处形成；请加大 cluster_eps_min",
        "the cluster radius of {eps} min is far below the travel times between sites: only "
        "{share}% of sites have another site within it, so clusters form only where sites are "
        "densest; raise cluster_eps_min",
    ),
    "hdbscan_unweighted:geodesic": (
        "HDBSCAN 按直线（大地线）距离聚类，忽略等级权重；"
        '需要等级加权的核心点请用 cluster_method = "dbscan"',
        "HDBSCAN clusters on geodesic distance and ignores the grade weights; use "
        'cluster_method = "dbscan" for grade-weighted cores',
    ),
    "hdbscan_unweighted:road": (
        "HDBSCAN 按道路行程时间聚类，忽略等级权重；"
        '需要等级加权的核心点请用 cluster_method = "dbscan"',
        "HDBSCAN clusters on road travel times and ignores the grade weights; use "
        'cluster_method = "dbscan" for grade-weighted cores',
    ),
    "dea_infeasible": (
        "DEA 对 {n} 个单元没有最优解，它们没有效率得分（请检查其统计中的投入与产出）",
        "the DEA has no optimal solution for {n} units; they get no efficiency score "
        "(check their inputs and outputs in the statistics)",
    ),
    "sites_outside_dem": (
        "{n} 个资源点位于 DEM 之外或无数据像元上，没有高程和坡度",
        "{n} sites are outside the DEM or on no-data cells; they have no elevation or slope",
    ),
    # reasons for skipping an analysis
    "skip:no_part": ("清单中没有 [{part}]", "no [{part}] in the manifest"),
    "skip:no_output": (
        "它需要“{name}”，但前面的分析没有产生",
        "it needs '{name}', which no earlier stage produced",
    ),
    "skip:no_dea_data": (
        "清单的 [stats] 中没有投入与产出",
        "no [stats] with inputs and outputs in the manifest",
    ),
    "skip:roads_linkage": ("联系强度改用道路行程时间", "the linkage uses road travel times"),
}


def say(note: Note, lang: str) -> str:
    """Return ``note`` as one sentence in ``lang`` (``"zh"`` or ``"en"``).

    A file named in the facts (``file``) opens the sentence; a ``variant`` fact picks the
    template ``code:variant``. A code without a template (an analysis added outside this
    package) falls back to its ``text`` fact, else its code.
    """
    facts: Mapping[str, Any] = note.facts
    key = f"{note.code}:{facts['variant']}" if "variant" in facts else note.code
    template = NOTES.get(key)
    if template is None:
        return str(facts.get("text", note.code))
    text = template[0 if lang == "zh" else 1]
    where = f"{facts['file']}: " if facts.get("file") else ""
    shown = {k: v for k, v in facts.items() if k not in ("file", "variant")}
    return text.format(where=where, **shown)


def note_record(note: Note) -> dict[str, Any]:
    """Return a note as JSON (``run.json``): code, English message, facts and items."""
    record: dict[str, Any] = {"code": note.code, "message": say(note, "en")}
    record["facts"] = dict(note.facts)
    if isinstance(note, RunWarning):
        record["items"] = list(note.items)
    return record
