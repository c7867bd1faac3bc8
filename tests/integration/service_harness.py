"""Run the risk service in process on a real port (uvicorn on a thread), as `fraudstream service run` does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from app import localkafka
from app.settings import Settings
from service.app import build


class RunningService:
    def __init__(self, settings: Settings, app: FastAPI | None = None) -> None:
        self.app: FastAPI = app if app is not None else build(settings)
        self.port = localkafka.free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def __enter__(self) -> RunningService:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "service did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(30)

    def get(self, path: str, key: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers={"X-API-Key": key})

    def wait_for(self, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            sink = self.app.state.sink
            assert time.monotonic() < deadline, f"timed out; sink stats {sink and sink.stats}"
            time.sleep(0.1)
