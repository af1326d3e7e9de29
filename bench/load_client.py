"""A lean HTTP/1.1 client for the load benchmark, loopback only.

The load generator shares the machine with the server, so every microsecond it spends is one
the server does not get. ``http.client`` parses each response's headers with the ``email``
package; this client sends prepared bytes and reads only the status line, ``Content-Length``
and ``Connection``. It understands what gunicorn and Django's runserver send for these routes
(a ``Content-Length`` body, or a body up to the close); anything else is an error.
"""

from __future__ import annotations

import socket

HOST = "127.0.0.1"  # never anything else: this is a bounded load generator, not a stress tool


class ProtocolError(Exception):
    """The server's answer was not a response this client reads."""


class Client:
    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _open(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _fill(self, sock: socket.socket) -> bool:
        chunk = sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> int:
        """Send one request and read the whole response; the status code. Raises OSError or
        ProtocolError (the connection is closed then, and the next request reopens it)."""
        if self.sock is None:
            self.sock = self._open()
        sock = self.sock
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
            return self._response(sock)
        except (OSError, ProtocolError):
            self.close()
            raise

    def _response(self, sock: socket.socket) -> int:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill(sock):
                raise ProtocolError("the connection closed before a response")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"not a status line: {status_line!r}")
        length, close = None, parts[0] == "HTTP/1.0"
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
            elif name == "transfer-encoding":
                raise ProtocolError("chunked responses are not read by this client")
        if length is None:  # the body runs to the close
            while self._fill(sock):
                pass
            self.close()
            return int(parts[1])
        while len(self.buffer) < length:
            if not self._fill(sock):
                raise ProtocolError("the connection closed inside a body")
        self.buffer = self.buffer[length:]
        if close:
            self.close()
        return int(parts[1])
