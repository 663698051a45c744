"""Slugs: the one rule that turns a name into a folder- and URL-safe id."""

from __future__ import annotations

import unicodedata

__all__ = ["slugify"]


def slugify(text: str, fallback: str = "dataset") -> str:
    """Return a lower-case ASCII slug (``a-z``, ``0-9``, ``-``) of ``text``.

    Parameters
    ----------
    text
        Any name (accents are dropped, other characters become dashes).
    fallback
        Returned when nothing usable is left (e.g. a name only in Chinese).

    Returns
    -------
    str
        At most 48 characters, never empty.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(c if c.isalnum() else "-" for c in ascii_text.lower())
    slug = "-".join(filter(None, cleaned.split("-")))[:48].strip("-")
    return slug or fallback
