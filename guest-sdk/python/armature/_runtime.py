"""Running Python's async methods and background tasks inside a sandbox.

A sandbox has no threads and no event loop of its own: the host calls in
(a method, a lifecycle step, a tick) and the guest must return. So:

- a method is driven to its end right away. Most never really wait; one
  that awaits an asyncio future (a lock a background task holds, `gather`)
  runs the loop until that future is done. Awaiting something that cannot
  finish without time passing (I/O, `asyncio.sleep(1)`) is an error that
  says so;
- background tasks (`asyncio.create_task` in `new`, as Viam modules do) run on
  `HostLoop`, asyncio's own loop minus the waiting for I/O: it runs what is
  ready after every call and what is due on host ticks, and asks the host to
  tick again when the next timer is due.
"""

import asyncio
import inspect
import time
from asyncio import base_events
from asyncio.events import _set_running_loop
from asyncio.tasks import _enter_task, _leave_task
from types import CoroutineType
from typing import Any, Optional

from wit_world.imports import log as host_log, scheduler

from . import _hostio
from ._failures import fatal, short_traceback

# Host tick periods the loop asks for, in ms. Calling `scheduler.every`
# restarts the host's timer, so the loop asks only when the step changes.
_STEPS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
# The most loop iterations one call into the sandbox runs.
_MAX_ITERATIONS = 10_000


class _NoSelector:
    """Nothing to wait on: every call into the sandbox is the wake-up."""

    def select(self, timeout: Optional[float]):
        return []

    def close(self) -> None:
        pass


async def _idle() -> None:
    await asyncio.get_running_loop().create_future()


class HostLoop(base_events.BaseEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self._selector = _NoSelector()
        self.set_exception_handler(_log_task_failure)
        self._method_task: Optional[asyncio.Task] = None

    def _process_events(self, event_list) -> None:
        pass

    def _write_to_self(self) -> None:
        pass

    def has_work(self) -> bool:
        return bool(self._ready or self._scheduled)

    def run_ready(self, until=None) -> None:
        """Runs what is ready and what is due, until nothing is (or `until()`)."""
        for _ in range(_MAX_ITERATIONS):
            if until is not None and until():
                return
            if not self._ready:
                if not self._scheduled:
                    return
                if self._scheduled[0]._when > self.time() + self._clock_resolution:
                    return
            self._run_once()

    def next_due_ms(self) -> Optional[float]:
        if self._ready:
            return 0.0
        live = [h._when for h in self._scheduled if not h._cancelled]
        if not live:
            return None
        return max(0.0, (min(live) - self.time()) * 1000.0)

    def method_task(self) -> asyncio.Task:
        """The task a method counts as running in (`asyncio.current_task()`),
        so that `asyncio.timeout` and `wait_for` work inside methods."""
        if self._method_task is None or self._method_task.done():
            self._method_task = self.create_task(_idle(), name="armature method")
        return self._method_task


def _log_task_failure(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    exc = context.get("exception")
    if isinstance(exc, (MemoryError, RecursionError)):
        fatal("a background task", exc)
    detail = f"{type(exc).__name__}: {exc}\n{short_traceback(exc)}" if exc else ""
    host_log.log(host_log.Level.ERROR, f"background task failed: {context.get('message', '')} {detail}".rstrip())


class _State:
    def __init__(self) -> None:
        self.loop: Optional[HostLoop] = None
        self.user_tick_ms = 0
        self.last_user_tick = 0.0
        self.asked_ms = 0
        self.depth = 0
        # False while componentize-py pre-initialises the module at build
        # time, when every host import traps.
        self.live = False


STATE = _State()


def loop() -> HostLoop:
    if STATE.loop is None:
        STATE.loop = HostLoop()
    return STATE.loop


def enter() -> None:
    """Start of one call from the host: the loop counts as running inside
    (so `asyncio.create_task` works)."""
    state = STATE
    state.depth += 1
    if state.depth == 1:
        if not state.live:
            state.live = True
            _hostio.go_live()
        _set_running_loop(state.loop or loop())


def leave() -> None:
    """End of one call: what became ready runs, and the host is asked for
    the next tick. A failure here is logged, never raised into the reply."""
    state = STATE
    state.depth -= 1
    if state.depth:
        return
    lp = state.loop
    try:
        if lp._ready or lp._scheduled:
            lp.run_ready()
    except BaseException as exc:  # noqa: B036 - the call's own reply stands
        _log_task_failure(lp, {"message": "after a call", "exception": exc})
    finally:
        _set_running_loop(None)
        if state.user_tick_ms or state.asked_ms or lp._ready or lp._scheduled:
            ask_for_ticks()


def complete(value: Any, what: str) -> Any:
    """Drives an awaitable to its end; other values pass through."""
    if type(value) is not CoroutineType:
        if not inspect.isawaitable(value):
            return value
        value = value.__await__()
    lp = STATE.loop or loop()
    task = lp._method_task
    if task is None or task.done():
        task = lp.method_task()
    _enter_task(lp, task)
    try:
        while True:
            waited = value.send(None)
            if waited is None:  # a bare yield, as asyncio.sleep(0) does
                continue
            if getattr(waited, "_asyncio_future_blocking", None) is None:
                raise RuntimeError(f"{what} awaited {waited!r}, which is not an asyncio future")
            waited._asyncio_future_blocking = False
            _leave_task(lp, task)
            try:
                lp.run_ready(until=waited.done)
            finally:
                _enter_task(lp, task)
            if not waited.done():
                value.close()
                raise RuntimeError(
                    f"{what} awaited something that does not finish by itself ({type(waited).__name__}): "
                    "methods run to completion without waiting for time or I/O; wait in a background "
                    "task (asyncio.create_task) or a tick instead"
                )
    except StopIteration as done:
        return done.value
    finally:
        _leave_task(lp, task)


def tick_every(period_ms: int) -> None:
    """Calls the resource's `tick()` every `period_ms` (at least 10); 0 stops."""
    STATE.user_tick_ms = max(10, int(period_ms)) if period_ms > 0 else 0
    if STATE.live and STATE.depth == 0:
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
    state = STATE
    lp = state.loop
    if not state.user_tick_ms and not state.asked_ms and (lp is None or not lp.has_work()):
        return  # the common case: nothing in the background, nothing asked
    want = []
    if state.user_tick_ms:
        want.append(state.user_tick_ms)
    due = lp.next_due_ms() if lp is not None else None
    if due is not None:
        want.append(next((s for s in reversed(_STEPS) if s <= max(due, 10)), _STEPS[0]))
    period = min(want) if want else 0
    if period != state.asked_ms:
        state.asked_ms = period
        scheduler.every(period)
