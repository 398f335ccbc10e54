"""What the server's background workers (webhook_worker, task_worker) share: an asyncio task in the
server's event loop, woken from any thread after a commit that gave it work."""

import asyncio


class Worker:
    loop: asyncio.AbstractEventLoop | None = None
    event: asyncio.Event | None = None
    task: asyncio.Task | None = None
    stopping = False

    def _begin(self) -> bool:
        """Start-up's shared part: False when already running (woken instead), else a fresh loop and event."""
        if self.task is not None and not self.task.done():
            self.wake()
            return False
        self.stopping = False
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        return True

    def wake(self) -> None:
        """Thread-safe: look for work now (nothing when the worker is not running)."""
        loop, event = self.loop, self.event
        if loop is None or event is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop is shutting down
            pass
