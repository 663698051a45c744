"""Connections that stall are closed: the request head has a deadline (uvicorn has none).

uvicorn times out an idle keep-alive connection, but only once a first response is complete,
and it restarts no timer while a request head trickles in: a client that opens a connection
and sends nothing, or a byte at a time, holds it for ever (slowloris). The protocol here
closes a connection whose request head (request line and headers) is not complete within
``TIA_HEAD_TIMEOUT_S`` of the connection opening or of the previous response, as nginx's
``client_header_timeout`` does. A body that stalls is answered 408 by :mod:`api.limits`.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["head_deadline_protocol"]


def head_deadline_protocol(seconds: float) -> type[H11Protocol]:
    """Return uvicorn's h11 protocol with a ``seconds`` deadline on every request head.

    Parameters
    ----------
    seconds
        Time a client has to send a complete request head.

    Returns
    -------
    type
        The protocol class, for ``uvicorn.run(..., http=...)``.
    """

    class HeadDeadlineProtocol(H11Protocol):
        """uvicorn's h11 protocol; a request head late by ``seconds`` closes the connection."""

        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(seconds, self._head_late)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_late(self) -> None:
            self._head_timer = None
            waiting = self.cycle is None or self.cycle.response_complete
            if waiting and not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a whole head arrived: the request is under way

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeadDeadlineProtocol
