"""Shapley values against brute force over join orders and textbook games."""

from __future__ import annotations

from itertools import permutations
from math import factorial

import numpy as np
import pytest

from geo.shapley import shapley_values


def _members(mask: int) -> set[int]:
    return {i for i in range(mask.bit_length()) if mask >> i & 1}


def _brute_force(n: int, v) -> np.ndarray:
    """Average marginal contribution over all n! join orders."""
    phi = np.zeros(n)
    for order in permutations(range(n)):
        mask = 0
        for i in order:
            phi[i] += v(mask | 1 << i) - v(mask)
            mask |= 1 << i
    return phi / factorial(n)


def test_glove_game():
    # player 0 holds a left glove, players 1 and 2 right ones; a pair is worth 1
    def v(mask):
        members = _members(mask)
        return float(0 in members and bool(members & {1, 2}))

    shares = shapley_values(3, v)
    assert shares.exact
    assert shares.values == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_airport_game():
    # runway costs 1, 2, 3: a coalition pays for the longest runway its planes need
    cost = [1.0, 2.0, 3.0]
    shares = shapley_values(3, lambda mask: max((cost[i] for i in _members(mask)), default=0.0))
    # the first stretch split three ways, the second two ways, the third by the largest alone
    assert shares.values == pytest.approx([1 / 3, 1 / 3 + 1 / 2, 1 / 3 + 1 / 2 + 1])


def test_random_game_equals_brute_force_and_keeps_the_axioms():
    rng = np.random.default_rng(3)
    n = 6
    table = rng.uniform(0, 10, 1 << n)
    table[0] = 0.0

    # player 5 is a null player (ignored) and players 0 and 1 are symmetric (swapping them
    # changes no coalition's value)
    def v(mask):
        base = mask & ~(1 << 5)
        swapped = base ^ 0b11 if (base & 1) != ((base >> 1) & 1) else base
        return float(min(table[base], table[swapped]))

    shares = shapley_values(n, v)
    expected = _brute_force(n, v)
    assert shares.values == pytest.approx(expected, abs=1e-9)
    assert shares.values.sum() == pytest.approx(v((1 << n) - 1))  # efficiency
    assert shares.values[5] == pytest.approx(0.0, abs=1e-12)  # the null player
    assert shares.values[0] == pytest.approx(shares.values[1])  # symmetry


def test_sampled_estimate_is_within_its_stated_error_on_twelve_units():
    rng = np.random.default_rng(11)
    n = 12
    weights = rng.uniform(1, 5, n)
    synergy = rng.uniform(0, 1, (n, n))

    def v(mask):
        members = sorted(_members(mask))
        pairs = sum(synergy[a, b] for a in members for b in members if a < b)
        return float(weights[members].sum() + pairs) if members else 0.0

    exact = shapley_values(n, v)
    assert exact.exact
    sampled = shapley_values(n, v, exact_max=0, samples=3000, seed=5)
    assert not sampled.exact
    assert sampled.samples == 3000
    assert (sampled.stderr > 0).all()
    assert np.all(np.abs(sampled.values - exact.values) <= 4 * sampled.stderr)
    # this game has a closed form: its weight plus half of each of its pair synergies
    upper = np.triu(synergy, 1)
    closed = weights + (upper.sum(axis=1) + upper.sum(axis=0)) / 2
    assert exact.values == pytest.approx(closed)
