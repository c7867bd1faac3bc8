"""`/health`, `/ready` and `/metrics` for engines without a web server of their own (Quix Streams), on a thread.

The same pages as the Faust worker's (`app/faust_app.py`): `/health` is liveness only (it answers while the
process runs), `/ready` answers 200 only when `Readiness` holds (503 otherwise, with the failing checks), and
`/metrics` is the Prometheus text format. `/ready` also lists the parked partitions (`agents.parking`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from app.metrics import CONTENT_TYPE
from app.readiness import Readiness, parked_report


def ready_reply(readiness: Readiness) -> tuple[int, bytes]:
    """Status and JSON body of GET /ready (shared by both engines' web servers)."""
    checks = readiness.checks()
    ready = all(checks.values())
    parked = parked_report(readiness.parked(), time.monotonic())
    return (200 if ready else 503), orjson.dumps({"ready": ready, **checks, "parked": parked})


def serve(host: str, port: int, metrics: Callable[[], bytes], readiness: Readiness) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._reply(200, b"ok", "text/plain")
            elif self.path == "/ready":
                self._reply(*ready_reply(readiness), "application/json")
            elif self.path == "/metrics":
                self._reply(200, metrics(), CONTENT_TYPE)
            else:
                self._reply(404, b"not found", "text/plain")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    return server
