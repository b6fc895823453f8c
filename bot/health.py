"""A tiny HTTP server on 127.0.0.1 for liveness and metrics: GET /healthz -> "ok", GET /metrics -> Prometheus.

Runs in a daemon thread beside the bot's event loop. Standard library, prometheus_client and bot.metrics;
never imports telegram.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics


class HealthServer:
    def __init__(self, metrics: Metrics, port: int, host: str = "127.0.0.1") -> None:
        self.metrics = metrics
        handler = self._handler_class()
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        metrics = self.metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/healthz":
                    self._answer(200, b"ok", "text/plain; charset=utf-8")
                elif self.path == "/metrics":
                    self._answer(200, metrics.render(), CONTENT_TYPE_LATEST)
                else:
                    self._answer(404, b"not found", "text/plain; charset=utf-8")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: health probes every few seconds would drown the log."""

        return Handler
