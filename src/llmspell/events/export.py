"""Copies of every published event sent outside the bus: a JSON-lines file, an echo stream and
a webhook.

The file gets one compact JSON object per line (`pretty_json` only indents the echo, so the file
stays JSON lines). The webhook is posted from its own thread through a bounded queue, so a slow
endpoint never slows a publisher: when the queue is full the oldest pending event is dropped and
counted.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from llmspell.events.event import Event

__all__ = ["EventExporter"]

log = logging.getLogger("llmspell.events")

WEBHOOK_QUEUE = 1000
WEBHOOK_TIMEOUT_SECONDS = 5.0


def _dumps(record: dict[str, Any], *, indent: int | None = None) -> str:
    return json.dumps(record, default=str, ensure_ascii=False, indent=indent)


class EventExporter:
    """Writes each event to the configured outputs; failures are logged and counted."""

    def __init__(
        self,
        *,
        file: Path | None = None,
        echo: Callable[[str], None] | None = None,
        webhook: str | None = None,
        pretty_json: bool = False,
    ) -> None:
        self.errors = 0
        self.webhook_dropped = 0
        self.webhook_sent = 0
        self._echo = echo
        self._indent = 2 if pretty_json else None
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            self._file = file.open("a", encoding="utf-8", buffering=1)
        self._webhook = webhook
        self._pending: deque[str] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self._poster: threading.Thread | None = None
        if webhook:
            self._poster = threading.Thread(
                target=self._post_loop, name="llmspell-event-webhook", daemon=True
            )
            self._poster.start()

    def export(self, event: Event) -> None:
        record = event.as_record()
        try:
            line = _dumps(record)
            if self._file is not None:
                with self._lock:
                    self._file.write(line + "\n")
            if self._echo is not None:
                self._echo((line if self._indent is None else _dumps(record, indent=2)) + "\n")
        except (OSError, ValueError, TypeError) as exc:
            self.errors += 1
            log.warning("event export failed for %r: %s", event.event_type, exc)
            return
        if self._webhook:
            with self._wake:
                if len(self._pending) >= WEBHOOK_QUEUE:
                    self._pending.popleft()
                    self.webhook_dropped += 1
                self._pending.append(line)
                self._wake.notify()

    def _post_loop(self) -> None:
        assert self._webhook is not None
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                if not self._pending:
                    return
                body = self._pending.popleft()
            request = urllib.request.Request(
                self._webhook,
                data=body.encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as reply:
                    reply.read()
                self.webhook_sent += 1
            except OSError as exc:  # URLError and HTTPError are OSErrors
                self.errors += 1
                log.warning("event webhook %s failed: %s", self._webhook, exc)

    def close(self, *, flush_seconds: float = 2.0) -> None:
        """Stop the webhook thread (after trying to send what is queued) and close the file."""
        if self._poster is not None:
            with self._wake:
                self._closing = True
                self._wake.notify()
            self._poster.join(flush_seconds)
            self._poster = None
        if self._file is not None:
            with self._lock:
                self._file.close()
                self._file = None
