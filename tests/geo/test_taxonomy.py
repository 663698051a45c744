from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from geo.taxonomy import (
    keyword_pattern,
    load_taxonomy,
    may_hold_keywords,
    parse_a_grade,
    parse_a_grades,
)


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


def _keywords() -> list[str]:
    taxonomy = load_taxonomy()
    words = [w for kind in taxonomy.kinds.values() for w in kind.keywords]
    return words + [w for theme in taxonomy.themes.values() for w in theme] + ["a.b", "(x)", "c+"]


def test_the_arrow_prefilter_keeps_every_text_the_exact_search_finds():
    # keywords in every case, between Chinese, Latin, accented, Cyrillic, digit and punctuation
    # neighbours, sometimes two at once: the one-pass prefilter must keep all the exact search
    # finds (else a site loses its kind or theme), and it may keep more
    rng = random.Random(7)
    words = _keywords()
    neighbours = ["", "竹", "A", "a", " ", "-", "(", "é", "Ж", "1", "_", "·", "国家", "'"]
    texts = []
    for _ in range(20_000):
        word = rng.choice(words)
        word = rng.choice([word, word.upper(), word.lower(), word.title()])
        texts.append(
            rng.choice(neighbours) + word + rng.choice(neighbours) + rng.choice(["", *words])
        )
    texts += ["", "景点1", "Steam Train", "tea"]
    exact = keyword_pattern(words)
    expected = np.array([exact.search(t) is not None for t in texts])
    kept = may_hold_keywords(pd.Series(texts), words)
    assert expected.sum() > 15_000
    assert not (expected & ~kept).any()
    assert not kept[-3]  # "景点1" holds no keyword at all


def test_prefilter_without_keywords_keeps_nothing_and_handles_missing_texts():
    kept = may_hold_keywords(pd.Series(["竹海", None]), ["竹"])
    assert kept.tolist() == [True, False]
    assert not may_hold_keywords(pd.Series(["竹海"]), []).any()
