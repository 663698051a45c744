"""Tourism taxonomy: grade parsing (categories and themes come with the overlap analysis).

China's A-level scenic-area grading (GB/T 17775) runs from A to AAAAA. Sources write it in
many ways: ``5A``, ``AAAAA``, ``5A级``, ``4A级旅游景区``, ``国家AAAA级``, ``五A``, ``5``.
"""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd

__all__ = ["parse_a_grade", "parse_a_grades"]

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
