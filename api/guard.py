"""Who may talk to the server: allowed ``Host`` names, and writes safe from other web pages.

Two attacks a local analysis server meets from an ordinary web page the user visits:

- **DNS rebinding**: a page on ``evil.example`` resolves its own name to 127.0.0.1 and reads
  the API. The ``Host`` header then names ``evil.example``: only the allowed hosts are
  served (``TIA_ALLOWED_HOSTS``, loopback names by default).
- **Cross-site request forgery**: a page posts a form (multipart or ``text/plain``) to the
  API. Without ``TIA_TOKEN``, a write is accepted only on a server bound to loopback and
  only when the request's ``Origin`` (which browsers send on cross-origin posts) is the
  server's own or a configured CORS origin. With a token, writes need
  ``Authorization: Bearer``, which a cross-site form cannot send, and are accepted from
  elsewhere too.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RequestGuard"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _host_name(host: str) -> str:
    """Return the name of a ``Host`` header without its port (IPv6 kept in brackets)."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    """ASGI middleware refusing foreign hosts and cross-site writes (see the module doc).

    Parameters
    ----------
    app
        The application.
    allowed_hosts
        Host names served (``*``: any).
    token
        Whether the server has a write token.
    origins
        Browser origins allowed to write besides the server's own (CORS origins).
    """

    def __init__(
        self, app: ASGIApp, *, allowed_hosts: list[str], token: bool, origins: list[str]
    ) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.hosts = {h.lower() for h in allowed_hosts}
        self.token = token
        self.origins = {o.rstrip("/").lower() for o in origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a refused request with a JSON sentence; pass the others on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        problem = None
        if not self.any_host and _host_name(host) not in self.hosts:
            problem = (
                400,
                f"this server does not serve the host '{host}'; add it to TIA_ALLOWED_HOSTS "
                "to reach the server under that name",
            )
        elif scope["method"] in _WRITES and not self.token:
            problem = self._write_problem(scope, headers, host)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, message = problem
        await JSONResponse({"status": status, "message": message}, status)(scope, receive, send)

    def _write_problem(self, scope: Scope, headers: Headers, host: str) -> tuple[int, str] | None:
        server = scope.get("server")
        if server is None or not _is_loopback(str(server[0])):
            return (
                403,
                "writes on a server reachable from other machines need a token: set TIA_TOKEN "
                "and send 'Authorization: Bearer <token>'",
            )
        origin = headers.get("origin")
        cross_site = headers.get("sec-fetch-site") == "cross-site"
        if origin is None and not cross_site:
            return None  # not sent by a web page: curl, scripts
        parts = urlsplit((origin or "").lower())
        if f"{parts.scheme}://{parts.netloc}" in self.origins or (
            parts.netloc == host and not cross_site
        ):
            return None
        return (
            403,
            f"a write from the web page at {origin or 'another site'} is refused (cross-site "
            "request); use the "
            "API from this server's own pages or a script, or set TIA_TOKEN",
        )
