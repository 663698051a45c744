"""Request body limits: uploads up to ``TIA_MAX_UPLOAD_MB``, every other body up to 1 MB.

A declared ``Content-Length`` over the limit is answered at once, before any byte is read;
a body that grows past the limit while it streams (no length, or a lying one) stops the
request where it is. Either way the answer is the usual JSON error with status 413. A body
that sends nothing for ``TIA_BODY_TIMEOUT_S`` is answered 408.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TOO_LARGE", "BodyLimit"]

TOO_LARGE = "the request body is too large"


class BodyLimit:
    """ASGI middleware bounding request bodies.

    Parameters
    ----------
    app
        The application.
    upload_bytes
        Limit of ``POST /datasets`` (the zipped dataset).
    other_bytes
        Limit of every other request body.
    idle_s
        Longest wait for the next part of a body.
    """

    def __init__(
        self, app: ASGIApp, upload_bytes: int, other_bytes: int, idle_s: float = 30.0
    ) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.other_bytes = other_bytes
        self.idle_s = idle_s

    def _message(self, limit: int) -> str:
        upload_mb = self.upload_bytes / 1024**2
        return (
            f"{TOO_LARGE} (more than {limit / 1024**2:g} MB); uploads may be up to "
            f"TIA_MAX_UPLOAD_MB = {upload_mb:g} MB, other requests 1 MB"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 for a declared length over the limit; else count the body as it comes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == "/datasets"
        limit = self.upload_bytes if upload else self.other_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response = JSONResponse({"status": 413, "message": self._message(limit)}, 413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), self.idle_s)
            except TimeoutError:
                msg = (
                    f"the request body stalled: nothing arrived for {self.idle_s:g} s "
                    "(TIA_BODY_TIMEOUT_S); send it again"
                )
                raise HTTPException(408, msg) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, self._message(limit))
            return message

        await self.app(scope, limited, send)
