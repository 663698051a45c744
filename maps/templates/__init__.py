"""Jinja templates (HTML, CSS and JavaScript) of the map's own elements."""

from __future__ import annotations

from pathlib import Path

from folium.template import Template

__all__ = ["template"]


def template(name: str) -> Template:
    """Load the element template ``name`` from this folder."""
    return Template((Path(__file__).parent / name).read_text(encoding="utf-8"))
