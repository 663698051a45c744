"""Text from data made safe for the page: the one escape every map sink goes through.

Names, categories and explanations come from users' files and may carry markup. Folium
writes tooltip text into HTML (``innerHTML``) and into JavaScript template literals, so a
value is escaped for HTML and for a template literal (backtick and ``${``) at once.
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["html_columns", "html_text"]

_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;"})


def html_text(value: object) -> str:
    """Return ``value`` as text that shows as itself in HTML and in a JS template literal."""
    return html.escape(str(value), quote=True).translate(_LITERAL)


def html_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return ``frame`` with the text values of ``columns`` escaped (numbers untouched)."""
    out = frame.copy()
    for column in columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(lambda v: v if v is None or v != v else html_text(v))
    return out
