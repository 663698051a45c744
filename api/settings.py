"""Service settings, read from ``TIA_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Settings of the API service.

    Attributes
    ----------
    results
        ``TIA_RESULTS``: folder of published analyses, one ``<dataset>/run.json`` each
        (what ``tia analyze`` writes under ``out/``).
    """

    model_config = SettingsConfigDict(env_prefix="TIA_")

    results: Path = Path("out")
