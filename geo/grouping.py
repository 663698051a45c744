"""Fast per-group text joins (pandas' ``groupby(...).agg(";".join)`` is a Python loop)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = ["join_groups"]


def join_groups(
    keys: pd.Series | np.ndarray,
    values: pd.Series | np.ndarray,
    join: Callable[[Iterable[str]], str] = ";".join,
) -> pd.Series:
    """Join the values of each group, keeping their order within the group.

    Parameters
    ----------
    keys
        Group key of every row.
    values
        Text of every row.
    join
        Turns one group's values into one string (default: ``";".join``).

    Returns
    -------
    pandas.Series
        One string per key, indexed by the keys in sorted order.
    """
    keys, values = np.asarray(keys), np.asarray(values, dtype=object)
    if len(keys) == 0:
        return pd.Series([], dtype=object)
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    parts = np.split(values, starts[1:])
    return pd.Series([join(part) for part in parts], index=keys[starts], dtype=object)
