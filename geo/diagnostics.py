"""Notes collected during a run: warnings and skip reasons (shown in run.json and the report).

A note is a code and its facts; :func:`geo.i18n.say` renders it as a sentence in the
reader's language, so no analysis writes a sentence of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Note", "RunWarning"]


@dataclass(frozen=True)
class Note:
    """One stated finding: what happened (``code``) and the numbers and names behind it.

    Attributes
    ----------
    code
        Stable machine-readable kind, e.g. ``"site_outside_units"`` or ``"skip:no_part"``.
    facts
        JSON-ready values the sentence is built from (``file`` names the input file).
    """

    code: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunWarning(Note):
    """A finding about the input that did not stop the run.

    Attributes
    ----------
    items
        The rows, features or names concerned (may be long; the facts hold the count).
    """

    items: list[str] = field(default_factory=list)
