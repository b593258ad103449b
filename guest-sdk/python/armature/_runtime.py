"""Running Python's async methods and background tasks inside a sandbox.

A sandbox has no threads and no event loop of its own: the host calls in
(a method, a lifecycle step, a tick) and the guest must return. So:

- a method that is `async def` is driven to its end right away; awaiting
  something that does not finish by itself (I/O, `asyncio.sleep(1)`) is an
  error that says so;
- background tasks (`asyncio.create_task` in `new`, as Viam modules do) run on
  `HostLoop`, asyncio's own loop minus the waiting for I/O: after every call
  and on host ticks it runs whatever is due, and it asks the host to tick
  again when the next timer is due.
"""

import asyncio
import inspect
import threading
import time
from asyncio import base_events, events
from typing import Any, Optional

from wit_world.imports import scheduler

# Host tick periods the loop asks for, in ms. Calling `scheduler.every`
# restarts the host's timer, so the loop asks only when the step changes.
_STEPS = (10, 20, 50, 100, 200, 500, 1000)


class _NoSelector:
    """Nothing to wait on: every call into the sandbox is the wake-up."""

    def select(self, timeout: Optional[float]):
        return []

    def close(self) -> None:
        pass


class HostLoop(base_events.BaseEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self._selector = _NoSelector()

    def _process_events(self, event_list) -> None:
        pass

    def _write_to_self(self) -> None:
        pass

    def run_due(self) -> None:
        """Runs every callback that is ready and every timer that is due."""
        for _ in range(10_000):
            now = self.time() + self._clock_resolution
            if not self._ready and not (self._scheduled and self._scheduled[0]._when <= now):
                return
            self._run_once()

    def next_due_ms(self) -> Optional[float]:
        if self._ready:
            return 0.0
        live = [h for h in self._scheduled if not h._cancelled]
        if not live:
            return None
        return max(0.0, (min(h._when for h in live) - self.time()) * 1000.0)

    def cancel_all(self) -> None:
        """Stops every background task (close and rebuild)."""
        for task in asyncio.all_tasks(self):
            task.cancel()
        self.run_due()


class _State:
    def __init__(self) -> None:
        self.loop: Optional[HostLoop] = None
        self.user_tick_ms = 0
        self.last_user_tick = 0.0
        self.asked_ms = 0
        self.depth = 0


STATE = _State()


def loop() -> HostLoop:
    if STATE.loop is None:
        STATE.loop = HostLoop()
    return STATE.loop


class Entered:
    """Brackets one call from the host: the loop counts as running inside
    (so `asyncio.create_task` works), and due background work runs after."""

    def __enter__(self) -> "Entered":
        STATE.depth += 1
        if STATE.depth == 1:
            lp = loop()
            lp._thread_id = threading.get_ident()
            events._set_running_loop(lp)
        return self

    def __exit__(self, *exc: Any) -> None:
        STATE.depth -= 1
        if STATE.depth == 0:
            lp = loop()
            try:
                lp.run_due()
            finally:
                events._set_running_loop(None)
                lp._thread_id = None
                ask_for_ticks()


def complete(value: Any, what: str) -> Any:
    """Drives a coroutine to its end; other values pass through."""
    if not inspect.iscoroutine(value):
        return value
    try:
        while True:
            waited = value.send(None)
            if waited is not None:  # a Future: I/O or a timer
                value.close()
                raise RuntimeError(
                    f"{what} awaited something that does not finish by itself ({type(waited).__name__}): "
                    "methods run to completion without an event loop; wait in a background task "
                    "(asyncio.create_task) or a tick instead"
                )
    except StopIteration as done:
        return done.value


def tick_every(period_ms: int) -> None:
    """Calls the resource's `tick()` every `period_ms` (at least 10); 0 stops."""
    STATE.user_tick_ms = max(10, int(period_ms)) if period_ms > 0 else 0
    if STATE.depth == 0:
        ask_for_ticks()


def user_tick_due() -> bool:
    if not STATE.user_tick_ms:
        return False
    now = time.monotonic()
    # A tick a little early still counts: the host's timer is not exact.
    if (now - STATE.last_user_tick) * 1000.0 >= STATE.user_tick_ms * 0.9:
        STATE.last_user_tick = now
        return True
    return False


def ask_for_ticks() -> None:
    want = []
    if STATE.user_tick_ms:
        want.append(STATE.user_tick_ms)
    due = STATE.loop.next_due_ms() if STATE.loop is not None else None
    if due is not None:
        want.append(next((s for s in reversed(_STEPS) if s <= max(due, 10)), _STEPS[0]))
    period = min(want) if want else 0
    if period != STATE.asked_ms:
        STATE.asked_ms = period
        scheduler.every(period)
