from __future__ import annotations

import pandas as pd
import pytest

from geo.taxonomy import parse_a_grade, parse_a_grades


@pytest.mark.parametrize(
    ("raw", "grade"),
    [
        ("5A", 5),
        ("AAAAA", 5),
        ("5A级", 5),
        ("4A级旅游景区", 4),
        ("国家AAAA级旅游景区", 4),
        ("五A", 5),
        ("５Ａ", 5),
        ("AAA级", 3),
        ("A级", 1),
        ("2a", 2),
        (5, 5),
        (4.0, 4),
        ("3", 3),
        ("", 0),
        ("无", 0),
        ("-", 0),
        (None, 0),
        (float("nan"), 0),
        ("excellent", None),
        (7, None),
        ("6A", None),
    ],
)
def test_parse_a_grade(raw, grade):
    assert parse_a_grade(raw) == grade


def test_parse_column_flags_unknown_values():
    grades, bad = parse_a_grades(pd.Series(["5A", "good", ""]))
    assert list(grades) == [5, 0, 0]
    assert list(bad) == [False, True, False]
