"""A header-read timeout for `serve`: uvicorn closes idle keep-alive connections, but a client that
opens a connection and sends its request line and headers slowly (or not at all) would otherwise
hold it forever. Each connection must complete a request's headers within SC_EMULATOR_HEADER_TIMEOUT
seconds of connecting or of its previous answer; the body and the answer are not limited here.
"""

import asyncio

try:  # uvicorn[standard] brings httptools; plain uvicorn parses with h11
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base


def _timeout() -> float:
    from .settings import Settings

    return Settings().header_timeout


class HeaderTimeoutProtocol(_Base):
    """uvicorn's HTTP protocol, closing a connection whose request headers do not arrive in time."""

    header_timeout: float | None = None  # read once per process from the settings

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer = None
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        if HeaderTimeoutProtocol.header_timeout is None:
            HeaderTimeoutProtocol.header_timeout = _timeout()
        if HeaderTimeoutProtocol.header_timeout > 0:
            waiting_for = self.cycle  # a new request replaces the cycle once its headers are complete
            self._header_timer = self.loop.call_later(HeaderTimeoutProtocol.header_timeout,
                                                      self._expire, waiting_for)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _expire(self, waiting_for) -> None:
        self._header_timer = None
        if self.cycle is waiting_for and not self.transport.is_closing():
            self.transport.close()
