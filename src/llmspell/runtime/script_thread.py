"""Calls into script code from any thread, served on the one thread that owns the engine.

A script engine must never be entered from two threads. Worker threads that need to call back
into the script (a Lua step in a parallel workflow, a Lua hook) use `ScriptThread.call`; the
script thread serves those calls while it waits, through `ScriptThread.wait`, for the work it
started.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None


class ScriptThread:
    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()

    def on_script_thread(self) -> bool:
        return threading.get_ident() == self.owner

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the script thread and return its result (re-raising its error)."""
        if self.on_script_thread():
            return fn(*args)
        done: Future[T] = Future()
        self._jobs.put((done, fn, args))
        return done.result()

    def wait(self, future: Future[T], timeout: float | None = None) -> T:
        """On the script thread: serve queued calls until `future` completes."""
        if not self.on_script_thread():
            return future.result(timeout)
        future.add_done_callback(lambda _f: self._jobs.put(None))
        while not future.done():
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError("timed out waiting for background work") from None
            if job is not None:
                self._serve(job)
        return future.result()

    def serve_pending(self, timeout: float = 0.0) -> None:
        """On the script thread: run queued calls, waiting up to `timeout` for the first one."""
        if not self.on_script_thread():
            return
        try:
            job = self._jobs.get(timeout=timeout) if timeout > 0 else self._jobs.get_nowait()
        except queue.Empty:
            return
        while True:
            if job is not None:
                self._serve(job)
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return

    @staticmethod
    def _serve(job: tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]) -> None:
        done, fn, args = job
        if not done.set_running_or_notify_cancel():
            return
        try:
            done.set_result(fn(*args))
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            done.set_exception(exc)
