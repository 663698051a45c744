"""Site names reduced to what they say about the site: no administrative prefix, no "scenic area".

Chinese scenic-area names usually begin with the administration that lists them and end
with a generic word: "泉州市清源山风景名胜区" is 清源山 (a mountain), not a spring of
Quanzhou; "湘西土家族苗族自治州矮寨奇观旅游区" is no Miao village. Kinds and themes are
taken from the name only once both are removed:

* the **generic suffixes** (:data:`GENERIC_SUFFIXES`: 风景名胜区, 景区, 旅游区 ...) are cut
  from the end, repeatedly;
* the **administrative prefixes** are cut from the start, longest first, repeatedly, as long
  as at least two characters remain (so 黄山 stays 黄山 although 黄山市 is a city). The names
  are China's province-, prefecture- and county-level names (``data/admin/admin_names.csv``)
  with the dataset's own unit names, each in full (泉州市) and short (泉州; for autonomous
  areas without the peoples' names: 湘西土家族苗族自治州 -> 湘西).

Everything runs on Arrow arrays (one membership test per prefix length), so a million
names take about a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ADMIN_NAMES_PATH", "GENERIC_SUFFIXES", "admin_prefixes", "name_cores"]

#: China's administrative names (derived by ``data/admin/derive_admin_names.py``).
ADMIN_NAMES_PATH = Path(__file__).resolve().parents[1] / "data" / "admin" / "admin_names.csv"

#: Words that say "a scenic area" and nothing about which kind (longest first when matched).
GENERIC_SUFFIXES = (
    "国家级风景名胜区", "风景名胜区", "旅游风景区", "生态旅游区", "文化旅游区", "旅游景区",
    "风景区", "名胜区", "旅游区", "景区", "景点", "景观区", "游览区",
)  # fmt: skip

_ADMIN_SUFFIX = re.compile(
    r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|地区|林区|省|市|县|区|旗|盟)$"
)
_PEOPLES = re.compile(r"(?:[\u4e00-\u9fff]{1,4}?族)+$")
_MIN_LEFT = 2


def _short_forms(name: str) -> set[str]:
    """Return the name and its forms without the level word (and without the peoples)."""
    forms = {name}
    stem = _ADMIN_SUFFIX.sub("", name)
    if stem != name:
        forms.add(stem)
        without_peoples = _PEOPLES.sub("", stem)
        if len(without_peoples) >= 2:
            forms.add(without_peoples)
    return {f for f in forms if len(f) >= 2}


@cache
def _national_names() -> frozenset[str]:
    table = pd.read_csv(ADMIN_NAMES_PATH, dtype=str)
    return frozenset(table["name"].dropna())


def admin_prefixes(extra: Iterable[str] = ()) -> frozenset[str]:
    """Every administrative name a site name may begin with, in full and short forms.

    Parameters
    ----------
    extra
        More names, e.g. the dataset's unit names and their levels' names.

    Returns
    -------
    frozenset of str
        Names of two characters or more.
    """
    names = set(_national_names()) | {str(n).strip() for n in extra if str(n).strip()}
    return frozenset(form for name in names for form in _short_forms(name))


def _slice_each(column: pa.Array, cut: np.ndarray) -> pa.Array:
    """Cut a different number of leading characters from each string (grouped by the count)."""
    if not cut.any():
        return column
    out = np.asarray(column.to_pandas(), dtype=object)
    for n in np.unique(cut[cut > 0]).tolist():
        rows = np.flatnonzero(cut == n)
        out[rows] = pc.utf8_slice_codeunits(column.take(pa.array(rows)), n).to_numpy(
            zero_copy_only=False
        )
    return pa.array(out, pa.large_string())


def _strip_prefixes(column: pa.Array, prefixes: frozenset[str]) -> pa.Array:
    """Cut the longest administrative prefix, again and again, leaving two characters."""
    lengths = sorted({len(p) for p in prefixes}, reverse=True)
    values = pa.array(sorted(prefixes), pa.large_string())
    while True:
        size = pc.utf8_length(column)
        cut = np.zeros(len(column), np.int64)
        for n in lengths:  # longest first: a name not yet cut takes the longest that fits
            head = pc.utf8_slice_codeunits(column, 0, n)
            fits = pc.and_(pc.is_in(head, value_set=values), pc.greater_equal(size, n + _MIN_LEFT))
            hit = fits.to_numpy(zero_copy_only=False) & (cut == 0)
            cut[hit] = n
        if not cut.any():
            return column
        column = _slice_each(column, cut)


def name_cores(names: pd.Series, prefixes: frozenset[str]) -> tuple[pd.Series, pd.Series]:
    """Remove the administrative prefixes and the generic suffixes of site names.

    Parameters
    ----------
    names
        Site names (missing values count as empty).
    prefixes
        From :func:`admin_prefixes`.

    Returns
    -------
    tuple of pandas.Series
        ``named``: the name without its administrative prefix (what kind keywords and themes
        are sought in), and ``core``: that without the generic suffix too (what the endings
        山, 湖, 洞 ... are read from). Both on the index of ``names``.
    """
    column = pa.array(names.fillna("").astype(str).str.strip(), pa.large_string())
    suffix = "(?:" + "|".join(GENERIC_SUFFIXES) + ")+$"
    base = pc.replace_substring_regex(column, suffix, "")
    # a name that is nothing but a generic word keeps it (景区 stays 景区)
    base = pc.if_else(pc.equal(pc.utf8_length(base), 0), column, base)
    core = _strip_prefixes(base, prefixes) if prefixes else base
    named = _slice_each(column, pc.subtract(pc.utf8_length(base), pc.utf8_length(core)).to_numpy())
    return (
        pd.Series(pd.array(named, dtype="str"), index=names.index),
        pd.Series(pd.array(core, dtype="str"), index=names.index),
    )
