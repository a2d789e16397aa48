"""The status line ``verify`` keeps on stderr while it runs."""

from __future__ import annotations

import sys
import time


class Progress:
    """One status line on stderr while a long run goes on; silent when stderr is not a terminal."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._shown = False

    def step(self, text: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r\x1b[Kverify: {text} ({elapsed:.1f} s)")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
