"""Run calls at the same moment in threads, for race tests on PostgreSQL.

``run_concurrently(fn, args_list)`` starts the worker threads together (a barrier), each takes
calls from the list until none is left, every call's result or exception is kept in order, and
every thread closes its database connection. Without a limit there is one thread per call; with
``workers`` the calls share that many threads (and database connections: Postgres allows 100 here,
shared with other test runs), which still keeps ``workers`` calls racing at every moment."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import close_old_connections, connection


@dataclass
class Outcome:
    result: object = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_concurrently(
    fn: Callable, args_list: Sequence[tuple], *, workers: int | None = None, timeout: float = 120
) -> list[Outcome]:
    """Calls ``fn(*args)`` for every ``args`` of ``args_list`` from concurrent threads; returns
    the outcomes in the order of ``args_list``. Raises if a thread is still running after ``timeout``."""
    outcomes = [Outcome() for _ in args_list]
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(args_list)):
        todo.put(index)
    count = min(workers or len(args_list), len(args_list)) or 1
    barrier = threading.Barrier(count)

    def work():
        try:
            barrier.wait(timeout=timeout)
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcomes[index].result = fn(*args_list[index])
                except BaseException as exc:  # noqa: BLE001 (every failure is returned to the test)
                    outcomes[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"concurrent calls still running after {timeout} s")
    close_old_connections()
    return outcomes
