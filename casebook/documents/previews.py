"""Render previews in their own small pool of processes, bounded in size, time, pages and per user.

A preview is rendered while someone waits for it, from data they may still be typing; an issued
document is rendered by the worker. The two never share a renderer: previews go to child processes of
their own (WeasyPrint renders one document at a time per process), so a run of huge previews cannot
hold up the issued documents, and a preview that runs past its time limit is stopped by ending its
process (a thread cannot be stopped). Limits, each refused with a 4xx and a Chinese message:

- the context's size (JSON) before anything is rendered, and the page count after layout, before the
  PDF is written;
- a render timeout;
- previews in flight per user, and callers waiting for a free renderer.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection

from casebook.domain.errors import DomainError

log = logging.getLogger("casebook.previews")
_STARTUP_TIMEOUT = 120.0


class PreviewRefused(DomainError):
    http_status = 422
    code = "preview_refused"
    message = "无法生成该预览"


class PreviewTooLarge(PreviewRefused):
    code = "preview_too_large"


class PreviewTimeout(PreviewRefused):
    code = "preview_timeout"


class PreviewBusy(DomainError):
    """Too many previews at once: of this user, or waiting for a renderer (429 with Retry-After)."""

    http_status = 429
    code = "preview_busy"
    message = "预览请求过多，请稍后再试"
    headers = {"Retry-After": "5"}


@dataclass(frozen=True)
class Limits:
    workers: int = 1
    timeout_s: float = 20.0
    max_pages: int = 50
    max_kb: int = 128
    per_user: int = 2
    max_waiting: int = 8

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(workers=settings.preview_workers, timeout_s=settings.preview_timeout_s,
                   max_pages=settings.preview_max_pages, max_kb=settings.preview_max_kb,
                   per_user=settings.preview_per_user, max_waiting=settings.preview_max_waiting)


def _serve(conn) -> None:
    """Child process: import the renderer once, say ready, then render one request at a time."""
    from casebook.documents.render import render_preview_pdf

    conn.send(("ready",))
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        doc_type, context, watermark, max_pages = req
        try:
            conn.send(("ok", render_preview_pdf(doc_type, context, watermark=watermark, max_pages=max_pages)))
        except DomainError as e:
            conn.send(("domain", e))
        except Exception as e:  # noqa: BLE001 — reported to the parent, which logs it as a bug
            conn.send(("error", f"{type(e).__name__}: {e}"))


class _Renderer:
    """One child process (`python -m casebook.documents.previews FD`) and a socket to it; replaced when it
    times out or dies. A fresh interpreter, not a fork: the parent runs threads and database pools."""

    def __init__(self):
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-m", "casebook.documents.previews", str(theirs.fileno())],
                                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(_STARTUP_TIMEOUT):
            self.kill()
            raise RuntimeError("preview renderer did not start")
        msg = self.conn.recv()
        assert msg == ("ready",), msg
        self.ready = True

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        finally:
            self.conn.close()

    def alive(self) -> bool:
        return self.process.poll() is None


class PreviewPool:
    def __init__(self, limits: Limits):
        self.limits = limits
        self._idle: list[_Renderer] = []
        self._free = threading.Semaphore(limits.workers)
        self._lock = threading.Lock()
        self._in_flight: Counter[int] = Counter()
        self._waiting = 0

    def in_flight(self, user_id: int) -> int:
        with self._lock:
            return self._in_flight[user_id]

    def render(self, user_id: int, doc_type: str, context: dict, *, watermark: str) -> bytes:
        lim = self.limits
        size = len(json.dumps(context, ensure_ascii=False, default=str).encode())
        if size > lim.max_kb * 1024:
            raise PreviewTooLarge(f"文书内容过多（约 {size // 1024} KB），超过预览上限 {lim.max_kb} KB："
                                  "请精简内容，或出具后下载正式文书", errors={"size_kb": size // 1024, "max_kb": lim.max_kb})
        with self._lock:
            if self._in_flight[user_id] >= lim.per_user:
                raise PreviewBusy(f"您已有 {self._in_flight[user_id]} 份预览正在生成（每人最多同时 {lim.per_user} 份），"
                                  "请等其完成后再试", errors={"per_user": lim.per_user})
            if self._waiting >= lim.max_waiting:
                raise PreviewBusy("预览排队已满，请稍后再试", errors={"waiting": self._waiting})
            self._in_flight[user_id] += 1
            self._waiting += 1
        waiting = True
        try:
            if not self._free.acquire(timeout=lim.timeout_s):
                raise PreviewBusy("预览繁忙，请稍后再试")
            with self._lock:
                self._waiting -= 1
                waiting = False
            try:
                return self._run(doc_type, context, watermark)
            finally:
                self._free.release()
        finally:
            with self._lock:
                if waiting:
                    self._waiting -= 1
                self._in_flight[user_id] -= 1
                if self._in_flight[user_id] <= 0:
                    del self._in_flight[user_id]

    def _take(self) -> _Renderer:
        with self._lock:
            while self._idle:
                r = self._idle.pop()
                if r.alive():
                    return r
                r.kill()
        return _Renderer()

    def _run(self, doc_type: str, context: dict, watermark: str) -> bytes:
        r = self._take()
        r.wait_ready()
        t0 = time.monotonic()
        try:
            r.conn.send((doc_type, context, watermark, self.limits.max_pages))
            if not r.conn.poll(self.limits.timeout_s):
                log.warning("preview of %s stopped after %.1f s (limit)", doc_type, time.monotonic() - t0)
                r.kill()
                r = None
                raise PreviewTimeout(f"文书预览超时（超过 {self.limits.timeout_s:g} 秒），已停止：请精简内容，"
                                     "或出具后由后台生成正式文书", errors={"timeout_s": self.limits.timeout_s})
            kind, *rest = r.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            if r is not None:
                r.kill()
            raise
        if r is not None:
            with self._lock:
                self._idle.append(r)
        if kind == "ok":
            return rest[0]
        if kind == "domain":
            raise rest[0]
        raise RuntimeError(f"preview renderer failed: {rest[0]}")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for r in idle:
            try:
                r.conn.send(None)
            except OSError:
                pass
            r.kill()


_pools: dict[Limits, PreviewPool] = {}
_pools_lock = threading.Lock()


def pool_for(settings) -> PreviewPool:
    """The process's preview pool for these limits (one per distinct configuration)."""
    limits = Limits.from_settings(settings)
    with _pools_lock:
        pool = _pools.get(limits)
        if pool is None:
            pool = _pools[limits] = PreviewPool(limits)
        return pool


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
