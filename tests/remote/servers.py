"""Real servers on loopback for the object-storage tests: moto (S3), a byte-counting
proxy in front of it, and a static HTTP server that answers range requests."""

from __future__ import annotations

import http.client
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """``moto_server`` on a free loopback port; yields its endpoint URL, stops the process."""
    port = free_port()
    moto = os.path.join(os.path.dirname(sys.executable), "moto_server")
    command = [moto] if os.path.exists(moto) else [sys.executable, "-m", "moto.server"]
    process = subprocess.Popen(
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


class CountingProxy:
    """Forwards HTTP requests to ``upstream`` and counts the response body bytes per method.

    With ``strip_conditions`` it drops ``If-Match`` / ``If-None-Match`` from requests,
    acting like an S3-compatible server that ignores conditional writes.
    """

    def __init__(self, upstream: str, *, strip_conditions: bool = False) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.bytes_by_method: dict[str, int] = {}  # response bodies (downloads)
        self.bytes_sent = 0  # request bodies (uploads)
        self.requests: list[tuple[str, str, str | None, int]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                dropped = {"connection"} | (
                    {"if-match", "if-none-match"} if strip_conditions else set()
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                connection.close()
                with proxy._lock:
                    proxy.bytes_sent += len(body or b"")
                    proxy.bytes_by_method[self.command] = (
                        proxy.bytes_by_method.get(self.command, 0) + len(payload)
                    )
                    proxy.requests.append(
                        (self.command, self.path, self.headers.get("Range"), len(payload))
                    )
                self.send_response(response.status)
                # HEAD answers keep the upstream length (the object's size)
                skipped = {"transfer-encoding", "connection"}
                if self.command != "HEAD":
                    skipped.add("content-length")
                    self.send_header("Content-Length", str(len(payload)))
                for key, value in response.getheaders():
                    if key.lower() not in skipped:
                        self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def bytes_received(self) -> int:
        """Response body bytes of every request since the last :meth:`reset`."""
        return sum(self.bytes_by_method.values())

    def reset(self) -> None:
        with self._lock:
            self.bytes_sent = 0
            self.bytes_by_method.clear()
            self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """``http.server``'s static files plus single ``Range: bytes=a-b`` requests (206)."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = _RANGE.match(self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if match is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        if first == "":
            start, stop = max(0, size - int(last)), size
        else:
            start, stop = int(first), min(size, int(last) + 1 if last else size)
        if start >= size:
            self.send_error(416)
            return None
        file = open(path, "rb")  # noqa: SIM115 - closed by copyfile's caller
        file.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{size}")
        self.send_header("Content-Length", str(stop - start))
        self.end_headers()
        self._remaining = stop - start
        return file

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(remaining))
        return None


@contextmanager
def range_http_server(root: Path) -> Iterator[str]:
    """A static HTTP server for ``root`` that answers range requests; yields its URL."""
    handler = partial(RangeRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
