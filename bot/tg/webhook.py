"""The webhook server's limits: a request body larger than MAX_BODY is refused before it is read.

PTB's webhook server is tornado's HTTPServer, which reads bodies up to 100 MB (its default) before PTB's
handler checks the secret token. Telegram's updates are far smaller (a 4096-character message, its quoted
message and a keyboard stay well under 100 kB), so 256 kB leaves room and an unauthenticated sender can make
the server hold at most that much per request. tornado answers a longer Content-Length with
"400 Bad Request" and closes the connection without reading the body.
"""

from __future__ import annotations

from tornado.httpserver import HTTPServer

MAX_BODY = 256 * 1024


def cap_request_bodies(limit: int = MAX_BODY) -> None:
    """Every tornado HTTPServer made from now on (PTB's webhook server) refuses bodies above `limit` bytes.

    tornado's own facility for defaults of its configurable classes (`Configurable.configure`)."""
    HTTPServer.configure(None, max_body_size=limit)
