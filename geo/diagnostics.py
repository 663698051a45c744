"""Warnings collected during a run (shown in run.json and the report, never silently dropped)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RunWarning"]


@dataclass(frozen=True)
class RunWarning:
    """One finding about the input that did not stop the run.

    Attributes
    ----------
    code
        Stable machine-readable kind, e.g. ``"site_outside_units"``.
    message
        One sentence for the user, naming the file and what was done.
    items
        The rows, features or names concerned (may be long; the message holds the count).
    """

    code: str
    message: str
    items: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)
