"""CSV that a spreadsheet opens as data: text cells that would start a formula are quoted.

A name like ``=HYPERLINK(...)`` or ``@SUM(...)`` in a user's file would run as a formula when
the CSV is opened in Excel, WPS or LibreOffice (CSV injection). Such cells get a leading
apostrophe, the spreadsheets' own mark for "text"; numbers are left as they are.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_STARTS", "without_formulas"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def without_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell that begins a formula prefixed by ``'``."""
    out = frame
    for column in frame.columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(bool)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out.loc[risky, column] = "'" + text[risky]
    return out
