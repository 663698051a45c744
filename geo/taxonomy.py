"""Tourism taxonomy: canonical kinds (GB/T 18972-2017 classes), themes and A-grades.

Kinds and themes come from ``data/taxonomy.toml``: a kind is chosen by the first rule that
matches, in this order — the manifest's own mapping of raw categories (``[taxonomy]``), the
raw category text, the OpenStreetMap tags, the site name. Sites no rule matches are ``other``
and counted. Themes are collected from the name, the raw category, a ``themes`` column and
the manifest's extra theme keywords.

China's A-level scenic-area grading (GB/T 17775) runs from A to AAAAA. Sources write it in
many ways: ``5A``, ``AAAAA``, ``5A级``, ``4A级旅游景区``, ``国家AAAA级``, ``五A``, ``5``.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from geo.analyses.base import ParamModel
from geo.diagnostics import RunWarning
from geo.names import name_cores

__all__ = [
    "ATTRACTION",
    "CAPACITY",
    "DEVELOPED",
    "ENDOWMENT",
    "FACILITY",
    "TAXONOMY_PATH",
    "GradeParams",
    "Kind",
    "Taxonomy",
    "classify_sites",
    "explode_themes",
    "grade_weight",
    "keyword_pattern",
    "load_taxonomy",
    "may_hold_keywords",
    "parse_a_grade",
    "parse_a_grades",
    "shared_themes",
    "site_origins",
    "split_themes",
    "unclassified_warning",
]

#: The bundled taxonomy table.
TAXONOMY_PATH = Path(__file__).resolve().parents[1] / "data" / "taxonomy.toml"
OTHER = "other"
#: Origins: built products and facilities, or what nature and history left.
DEVELOPED, ENDOWMENT = "developed", "endowment"
#: Roles: what a site is to a visitor (see ``data/taxonomy.toml``).
ATTRACTION, FACILITY, CAPACITY = "attraction", "facility", "capacity"
_ORIGIN_WORDS = {
    DEVELOPED: DEVELOPED, "开发": DEVELOPED, "开发型": DEVELOPED, "built": DEVELOPED,
    ENDOWMENT: ENDOWMENT, "资源": ENDOWMENT, "资源型": ENDOWMENT, "natural": ENDOWMENT,
}  # fmt: skip
_THEME_SPLIT = re.compile(r"[;,，、/|\s]+")


def keyword_pattern(keywords: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern: Chinese keywords as substrings, Latin ones as whole words.

    Parameters
    ----------
    keywords
        E.g. ``["竹", "bamboo"]`` (so "Steam Train" does not match "tea").

    Returns
    -------
    re.Pattern
        Never matches when ``keywords`` is empty.
    """
    ordered = sorted(keywords, key=len, reverse=True)
    # keywords without case (Chinese) stay outside the case-blind group: the regex engine can
    # then skip ahead to their characters, several times faster on long lists of names
    caseless = [re.escape(k) for k in ordered if not k.isascii() and k.lower() == k == k.upper()]
    cased = [
        rf"\b{re.escape(k)}\b" if k.isascii() else re.escape(k)
        for k in ordered
        if k.isascii() or k.lower() != k or k.upper() != k
    ]
    parts = caseless + ([f"(?i:{'|'.join(cased)})"] if cased else [])
    return re.compile("|".join(parts) or r"(?!)")


_RE2_SPECIAL = frozenset("\\.^$|?*+()[]{}-")


def may_hold_keywords(texts: pd.Series, keywords: list[str] | tuple[str, ...]) -> np.ndarray:
    """Which texts may hold one of the keywords: one pass of Arrow's regular expressions.

    The keywords are sought as plain substrings, ignoring case: a superset of what
    :func:`keyword_pattern` finds (it adds word boundaries to Latin keywords), so only the
    texts this keeps need the exact, slower search.

    Parameters
    ----------
    texts
        Strings (missing values hold nothing).
    keywords
        As for :func:`keyword_pattern`.

    Returns
    -------
    numpy.ndarray
        One boolean per text.
    """
    words = sorted({k for k in keywords if k}, key=len, reverse=True)
    if not words:
        return np.zeros(len(texts), dtype=bool)
    pattern = "|".join("".join(f"\\{c}" if c in _RE2_SPECIAL else c for c in w) for w in words)
    column = pa.array(texts.fillna("").astype(str), pa.large_string())
    try:
        found = pc.match_substring_regex(column, pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a pattern beyond RE2's budget
        return np.ones(len(texts), dtype=bool)
    return found.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Kind:
    """A canonical kind of tourism resource."""

    id: str
    zh: str
    en: str
    gb_class: str
    pattern: re.Pattern[str]
    osm: tuple[str, ...]
    keywords: tuple[str, ...]
    origin: str = ENDOWMENT
    role: str = ATTRACTION
    substitute: str = "kind"
    family: str = ""
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """Kinds in priority order and the keywords of each theme."""

    kinds: dict[str, Kind]
    themes: dict[str, tuple[str, ...]]


def load_taxonomy(
    path: Path = TAXONOMY_PATH, *, theme_keywords: dict[str, str] | None = None
) -> Taxonomy:
    """Read the taxonomy table.

    Parameters
    ----------
    path
        A TOML file with ``[kinds.<id>]`` tables and a ``[themes]`` table.
    theme_keywords
        Extra ``keyword -> theme`` rules (from the manifest).

    Returns
    -------
    Taxonomy
        Kinds (file order = priority) and theme keywords, lower-cased.
    """
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = {
        kind_id: Kind(
            id=kind_id,
            zh=spec["zh"],
            en=spec["en"],
            gb_class=spec["gb_class"],
            pattern=keyword_pattern(spec.get("keywords", [])),
            osm=tuple(spec.get("osm", [])),
            keywords=tuple(spec.get("keywords", [])),
            origin=spec.get("origin", ENDOWMENT),
            role=spec.get("role", ATTRACTION),
            substitute=spec.get("substitute", "kind"),
            family=spec.get("family", ""),
            suffixes=tuple(spec.get("suffixes", [])),
        )
        for kind_id, spec in raw["kinds"].items()
    }
    themes = {t: list(words) for t, words in raw["themes"].items()}
    for keyword, theme in (theme_keywords or {}).items():
        themes.setdefault(theme, []).append(keyword)
    return Taxonomy(kinds=kinds, themes={t: tuple(w) for t, w in themes.items()})


class GradeParams(ParamModel):
    """The weight of a site by its A-grade (keys of ``[params]``)."""

    grade_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        min_length=6,
        max_length=6,
        description="weight of a site by A-grade 0..5 (endowment, cluster quality)",
    )


def grade_weight(grades: pd.Series, weights: tuple[float, ...] | list[float]) -> np.ndarray:
    """Weight of each site by its A-grade (0-5), e.g. ``(1, 1, 2, 3, 4, 5)``.

    Parameters
    ----------
    grades
        A-grades.
    weights
        Six weights, for grades 0 to 5.

    Returns
    -------
    numpy.ndarray
        One weight per site.
    """
    return np.asarray(weights, dtype=float)[grades.clip(0, 5).to_numpy(dtype=int)]


def split_themes(text: str) -> set[str]:
    """Split a ``;``-joined theme list into a set."""
    return {t for t in _THEME_SPLIT.split(text or "") if t}


def explode_themes(texts: pd.Series, separator: str = _THEME_SPLIT.pattern) -> pd.Series:
    """Split every theme list with Arrow's kernels: one row per theme, on its text's index.

    ``separator`` is a regular expression (default: the separators :func:`split_themes` takes).
    """
    column = pa.array(texts.fillna("").astype(str), pa.large_string())
    lists = pc.split_pattern_regex(column, separator)
    rows = pc.list_parent_indices(lists).to_numpy()
    values = pd.Series(pd.array(pc.list_flatten(lists), dtype="str"), index=texts.index[rows])
    return values[values != ""]


def shared_themes(
    theme_text: pd.Series, i: np.ndarray, j: np.ndarray
) -> tuple[pd.Series, np.ndarray]:
    """Return the themes each pair shares (sorted, ``;``-joined) and their Jaccard index.

    Theme sets are bit masks (one bit per theme, in as many 64-bit words as needed), so the
    intersection of two million pairs is a vectorised ``and``.

    Parameters
    ----------
    theme_text
        Each site's themes (``;``-joined), on a 0..n-1 index.
    i, j
        Site positions of the pairs.

    Returns
    -------
    tuple
        The shared themes (a string Series, one per pair) and the Jaccard indices.
    """
    exploded = explode_themes(theme_text)
    vocabulary = np.sort(exploded.unique()).astype(object)
    if not len(vocabulary) or not len(i):
        return pd.Series("", index=range(len(i)), dtype="str"), np.zeros(len(i))
    bit = np.searchsorted(vocabulary, exploded.to_numpy(dtype=object))
    masks = np.zeros((len(theme_text), (len(vocabulary) + 63) // 64), np.uint64)
    np.bitwise_or.at(
        masks,
        (exploded.index.to_numpy(), bit // 64),
        np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64)),
    )
    common = masks[i] & masks[j]
    inter = np.bitwise_count(common).sum(axis=1)
    union = np.bitwise_count(masks[i] | masks[j]).sum(axis=1)
    jaccard = np.divide(inter, union, out=np.zeros(len(i)), where=union > 0)
    some = np.flatnonzero(inter)  # most pairs share no theme: words only for the others
    patterns, which = np.unique(common[some], axis=0, return_inverse=True)
    bits = np.arange(len(vocabulary))
    words = [""]
    for row in patterns:  # one per distinct intersection: few
        present = (row[bits // 64] >> (bits % 64).astype(np.uint64)) & np.uint64(1)
        words.append(";".join(vocabulary[present.astype(bool)]))
    pattern = np.zeros(len(i), np.int64)
    pattern[some] = which.ravel() + 1
    return pd.Series(pd.array(words, dtype="str").take(pattern)), jaccard


def _by_keywords(text: str, taxonomy: Taxonomy) -> str | None:
    for kind in taxonomy.kinds.values():
        if kind.pattern.search(text):
            return kind.id
    return None


def _by_osm(tags_json: str, taxonomy: Taxonomy) -> str | None:
    if not tags_json:
        return None
    return _by_tags(json.loads(tags_json), taxonomy)


def _by_category_tags(category: str, taxonomy: Taxonomy) -> str | None:
    """Match a category written as OSM tags (``natural=peak;tourism=viewpoint``)."""
    items = [item.partition("=") for item in category.split(";") if item.strip()]
    if not items or any(not sep or not key.strip() for key, sep, _ in items):
        return None
    return _by_tags({key.strip(): value.strip() for key, _, value in items}, taxonomy)


def _by_tags(tags: dict[str, str], taxonomy: Taxonomy) -> str | None:
    for kind in taxonomy.kinds.values():
        for rule in kind.osm:
            key, _, value = rule.partition("=")
            if key in tags and (value == "*" or tags[key] == value):
                return kind.id
    return None


class _ThemeFinder:
    """Themes of texts; one search for "any theme" first, as most names carry none."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.patterns = {theme: keyword_pattern(words) for theme, words in taxonomy.themes.items()}
        self.words = [w for words in taxonomy.themes.values() for w in words]
        self.any = keyword_pattern(self.words)

    def __call__(self, text: str) -> frozenset[str]:
        """Return the themes whose keywords occur in ``text``."""
        if not self.any.search(text):
            return frozenset()
        return frozenset(theme for theme, pattern in self.patterns.items() if pattern.search(text))

    def by_row(self, texts: pd.Series) -> dict[int, frozenset[str]]:
        """Themes of the texts holding any, by position (the others are not searched)."""
        maybe = np.flatnonzero(may_hold_keywords(texts, self.words)).tolist()
        found = zip(maybe, map(self, texts.iloc[maybe].tolist()), strict=True)
        return {i: themes for i, themes in found if themes}


def _by_suffix(cores: pd.Series, taxonomy: Taxonomy) -> pd.Series:
    """Kind from the ending of each name's core (longest ending first), else missing."""
    ending_kind: dict[str, str] = {}
    for kind in taxonomy.kinds.values():
        for suffix in kind.suffixes:
            ending_kind.setdefault(suffix, kind.id)  # the kind of higher priority keeps it
    found = pd.Series(None, index=cores.index, dtype=object)
    column = pa.array(cores.fillna("").astype(str), pa.large_string())
    size = pc.utf8_length(column).to_numpy()
    for n in sorted({len(s) for s in ending_kind}, reverse=True):
        tail = pd.Series(
            pc.utf8_slice_codeunits(column, -n).to_numpy(zero_copy_only=False), index=cores.index
        )
        hit = tail.map(ending_kind).where(size > n)  # "山" alone is no mountain's name
        found = found.fillna(hit)
    return found


def site_origins(
    kinds: pd.Series, grades: pd.Series, declared: pd.Series | None, taxonomy: Taxonomy
) -> tuple[pd.Series, list[str]]:
    """Developed or endowment: the dataset's word, else A-graded, else the kind's.

    Parameters
    ----------
    kinds, grades
        Each site's kind and A-grade.
    declared
        The dataset's origin column (``developed``/``endowment``, 开发型/资源型), or None.
    taxonomy
        For each kind's origin.

    Returns
    -------
    tuple
        The origins, and the declared values not understood (they fall back to the rule).
    """
    by_kind = kinds.map({k: v.origin for k, v in taxonomy.kinds.items()}).fillna(ENDOWMENT)
    origin = by_kind.where(grades.fillna(0).to_numpy() < 1, DEVELOPED)
    if declared is None:
        return origin.astype(object), []
    words = declared.fillna("").astype(str).str.strip().str.lower()
    understood = words.map(_ORIGIN_WORDS)
    unknown = sorted(set(words[understood.isna() & words.ne("")]))
    return understood.fillna(origin).astype(object), unknown


def classify_sites(
    sites: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    *,
    category_kinds: dict[str, str] | None = None,
    prefixes: frozenset[str] = frozenset(),
) -> tuple[gpd.GeoDataFrame, list[RunWarning]]:
    """Give every site a ``kind``, its ``gb_class``, ``themes``, ``origin`` and ``role``.

    Each rule runs once per distinct value (category, tags, name), not once per site. Names
    are read without their administrative prefix (see :mod:`geo.names`): "泉州市清源山" is
    a mountain, not a spring.

    Parameters
    ----------
    sites
        Normalised sites (``name``, ``name_en``, ``category_raw``, ``a_grade``; ``osm_tags``,
        ``themes`` and ``origin_declared`` when present).
    taxonomy
        From :func:`load_taxonomy`.
    category_kinds
        The manifest's ``raw category -> kind`` mapping, which wins over every rule.
    prefixes
        Administrative names to remove from the start of site names
        (:func:`geo.names.admin_prefixes`).

    Returns
    -------
    tuple
        A copy with ``kind``, ``kind_source`` (manifest, category, osm, name, ending or
        none), ``gb_class``, ``themes`` (``;``-joined), ``origin`` and ``role``, and the
        warnings.
    """
    out = sites.copy(deep=False)  # only whole columns are set below
    category = out["category_raw"].fillna("").astype(str)
    kind = pd.Series(category.map(category_kinds or {}).to_numpy(dtype=object), index=out.index)
    source = pd.Series(None, index=out.index, dtype=object)
    source[kind.notna()] = "manifest"
    named, core = name_cores(out["name"], prefixes)
    names = named.fillna("") + " " + out["name_en"].fillna("")
    rules: list[tuple[str, pd.Series, object]] = [
        ("category", category, _by_keywords),
        ("osm", out["osm_tags"].fillna("") if "osm_tags" in out else None, _by_osm),
        ("category", category, _by_category_tags),  # OSM tags exported as a category
        ("name", names, _by_keywords),
    ]
    kind_words = [word for k in taxonomy.kinds.values() for word in k.keywords]
    for label, values, rule in rules:
        todo = kind.isna()
        if values is None or not todo.any():
            continue
        distinct = pd.Series(values[todo].unique())
        if rule is _by_keywords:  # most names hold no kind's keyword: find those in one pass
            distinct = distinct[may_hold_keywords(distinct, kind_words)]
        lookup = {v: rule(v, taxonomy) for v in distinct}  # type: ignore[operator]
        kind[todo] = values[todo].map(lookup).to_numpy(dtype=object)
        source[todo & kind.notna()] = label
    todo = kind.isna()
    if todo.any():
        kind[todo] = _by_suffix(core[todo], taxonomy).to_numpy(dtype=object)
        source[todo & kind.notna()] = "ending"
    out["kind"] = kind.fillna(OTHER)
    out["kind_source"] = source.fillna("none")
    out["gb_class"] = out["kind"].map({k: v.gb_class for k, v in taxonomy.kinds.items()}).fillna("")
    out["themes"] = _themes(out, category, names, taxonomy)
    out["origin"], unknown_origins = site_origins(
        out["kind"], out["a_grade"], out.get("origin_declared"), taxonomy
    )
    out["role"] = out["kind"].map({k: v.role for k, v in taxonomy.kinds.items()}).fillna(ATTRACTION)
    warnings = []
    if unknown_origins:
        warnings.append(
            RunWarning("origin_not_understood", {"n": len(unknown_origins)}, unknown_origins)
        )
    return out, warnings


def unclassified_warning(sites: pd.DataFrame) -> RunWarning | None:
    """Say how many sites no rule gave a kind (they count as ``other``), with examples.

    Parameters
    ----------
    sites
        Classified sites (``name``, ``kind``, ``category_raw``), components' kinds inherited.

    Returns
    -------
    RunWarning or None
        None when every site has a kind.
    """
    unmatched = sites["kind"] == OTHER
    if not unmatched.any():
        return None
    category = sites["category_raw"].fillna("").astype(str)
    examples = (sites.loc[unmatched, "name"] + " [" + category[unmatched] + "]").tolist()
    return RunWarning("sites_unclassified", {"n": int(unmatched.sum())}, examples)


def _themes(
    out: pd.DataFrame, category: pd.Series, names: pd.Series, taxonomy: Taxonomy
) -> np.ndarray:
    """Themes found in the names, the category and a declared ``themes`` column, joined."""
    # keywords are found within the names or within the category (few distinct values)
    declared = (
        out["themes"].fillna("").astype(str) if "themes" in out else pd.Series("", index=out.index)
    )
    themes_of = _ThemeFinder(taxonomy)
    by_category = {c: themes_of(c) for c in category.unique()}
    # most sites add nothing to their category's themes: join those once per category
    themes = category.map({c: ";".join(sorted(t)) for c, t in by_category.items()})
    from_names = themes_of.by_row(names)
    named = np.fromiter(from_names, dtype=np.int64, count=len(from_names))
    extra = np.union1d(named, np.flatnonzero((declared != "").to_numpy()))
    none: frozenset[str] = frozenset()
    themes.iloc[extra] = [
        ";".join(
            sorted(
                from_names.get(i, none)
                | by_category[category.iloc[i]]
                | split_themes(declared.iloc[i])
            )
        )
        for i in extra.tolist()
    ]
    return themes.to_numpy(dtype=object)


_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_NONE_WORDS = {"", "-", "—", "/", "0", "无", "none", "na", "n/a", "nan", "null", "未评级", "非a级"}
_DIGIT_A = re.compile(r"([1-5])\s*A(?![A-Z])")
_CHINESE_A = re.compile(r"([一二三四五])\s*A")
_LETTERS_A = re.compile(r"(?<![A-Z0-9])(A{1,5})(?![A-Z])")
_PLAIN = re.compile(r"^[1-5](\.0+)?$")


def parse_a_grade(value: object) -> int | None:
    """Parse one A-grade value.

    Parameters
    ----------
    value
        A number (0–5), or text such as ``"5A"``, ``"AAAAA"``, ``"4A级旅游景区"``, ``"五A"``.

    Returns
    -------
    int or None
        0–5 (0 for blank or "none" words), or None when the text is not understood.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and 0 <= value <= 5 else None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if text.lower() in _NONE_WORDS:
        return 0
    if _PLAIN.match(text):
        return int(float(text))
    for pattern in (_DIGIT_A, _CHINESE_A):
        match = pattern.search(text)
        if match:
            digit = match.group(1)
            return _CHINESE_DIGITS.get(digit) or int(digit)
    match = _LETTERS_A.search(text)
    if match:
        return len(match.group(1))
    return None


def parse_a_grades(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of A-grades.

    Parameters
    ----------
    values
        Raw grade values.

    Returns
    -------
    tuple of pandas.Series
        The grades (int, 0 where not understood) and a boolean mask of values not understood.
    """
    lookup = {value: parse_a_grade(value) for value in values.unique()}  # few distinct values
    parsed = values.map(lookup)
    bad = parsed.isna()
    return parsed.fillna(0).astype("int64"), bad
