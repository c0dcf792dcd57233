"""Requests whose sockets another thread can shut down: for cancel, and for the overall deadline.

Each request gets its own connection, whose socket is registered with the request's
:class:`Abort` when it connects. :func:`watch` runs beside the request and aborts it when the
cancel token is set or the deadline passes; a blocked ``recv``/``send`` then returns at once
with an error, so neither a cancel nor a server that sends one byte every few seconds can hold
an upload past its deadline.
"""

from __future__ import annotations

import enum
import socket
import threading
import time
from typing import Any

import requests.adapters
import urllib3.connection
import urllib3.connectionpool

from odnix_desktop.core.progress import CancelToken


class Why(enum.Enum):
    CANCELLED = "cancelled"
    DEADLINE = "deadline"


class Abort:
    """The sockets of one request; :meth:`abort` shuts them down from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.why: Why | None = None

    @property
    def aborted(self) -> bool:
        return self.why is not None

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            aborted = self.why is not None
        if aborted:
            _shutdown(sock)

    def abort(self, why: Why) -> None:
        with self._lock:
            if self.why is None:
                self.why = why
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for an SSLSocket (whose own shutdown unwraps TLS and
    # races with the reading thread): the blocked recv/send returns at once with an error.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def watch(cancel: CancelToken | None, deadline: float, abort: Abort, done: threading.Event) -> None:
    """Until ``done``: abort when ``cancel`` is set or ``time.monotonic()`` passes ``deadline``."""
    while not done.is_set():
        if cancel is not None and cancel.is_set():
            abort.abort(Why.CANCELLED)
            return
        if time.monotonic() >= deadline:
            abort.abort(Why.DEADLINE)
            return
        done.wait(0.05)


current = threading.local()


def _register(sock: socket.socket | None) -> None:
    abort = getattr(current, "abort", None)
    if abort is not None:
        abort.attach(sock)


class _HTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection  # type: ignore[assignment]


class AbortableAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections that register their socket for :class:`Abort`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
