"""Service settings, read from ``TIA_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Settings of the API service (each from the environment variable ``TIA_<NAME>``).

    Attributes
    ----------
    home
        ``TIA_HOME``: data root holding the SQLite index, the datasets' inputs and results.
    token
        ``TIA_TOKEN``: when set, write endpoints need ``Authorization: Bearer <token>``.
    max_upload_mb
        ``TIA_MAX_UPLOAD_MB``: largest accepted upload (the zip as sent).
    workers
        ``TIA_WORKERS``: analysis jobs run at the same time (each in its own process).
    cors_origins
        ``TIA_CORS_ORIGINS``: origins allowed to call the API from a browser (JSON list);
        empty by default, which leaves CORS off.
    bundled
        ``TIA_BUNDLED``: register and analyse the bundled Yibin dataset on first start.
    allowed_hosts
        ``TIA_ALLOWED_HOSTS``: host names the server answers to (JSON list; ``["*"]``: any),
        loopback names by default — add the server's name when it is reached by it.
    head_timeout_s
        ``TIA_HEAD_TIMEOUT_S``: a connection whose request head is not complete this long
        after it opened (or after the previous response) is closed.
    body_timeout_s
        ``TIA_BODY_TIMEOUT_S``: a request whose body sends nothing for this long is answered
        408 (between two reads, as nginx's ``client_body_timeout``).
    """

    model_config = SettingsConfigDict(env_prefix="TIA_")

    home: Path = Path("out/server")
    token: SecretStr | None = None
    max_upload_mb: float = Field(200.0, gt=0)
    workers: int = Field(1, ge=1, le=32)
    cors_origins: list[str] = Field(default_factory=list)
    bundled: bool = True
    allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    head_timeout_s: float = Field(30.0, gt=0, allow_inf_nan=False)
    body_timeout_s: float = Field(30.0, gt=0, allow_inf_nan=False)
