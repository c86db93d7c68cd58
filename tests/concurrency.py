"""Real concurrent transactions for the PostgreSQL tests: each writer in its own thread and connection.

Use with `@pytest.mark.django_db(transaction=True)`: the writers' threads open their own
database connections and must see each other's commits, which a test wrapped in one
transaction would hide.
"""

import threading
import time

import pytest
from django.db import connection, transaction

needs_row_locks = pytest.mark.skipif(
    not connection.features.has_select_for_update, reason="needs row locks (PostgreSQL)"
)


def _in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connection.close()  # each thread's own connection, or the test database cannot be dropped

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def at_once(*calls) -> list[tuple[object, Exception | None]]:
    """Run every call at the same moment (one barrier releases them all); (result, error) per call."""
    start = threading.Barrier(len(calls))
    outcomes: list = [(None, None)] * len(calls)

    def run(index, call):
        start.wait()
        try:
            outcomes[index] = (call(), None)
        except Exception as error:  # noqa: BLE001 - returned to the test
            outcomes[index] = (None, error)

    for thread in [_in_thread(run, i, call) for i, call in enumerate(calls)]:
        thread.join()
    return outcomes


def while_open(first, then, *, hold: float = 0.5) -> tuple[object, Exception | None]:
    """Run `first` in a transaction kept open `hold` seconds after it returns, and start `then`
    as soon as `first` has returned: `then` meets whatever `first` locked, and must either wait
    for the commit and see it, or act on what it read before. Returns `then`'s (result, error).

    `first` must not fail; its error is raised here.
    """
    done = threading.Event()
    outcome: list = [(None, None)]
    failure: list = []

    def hold_open():
        try:
            with transaction.atomic():
                first()
                done.set()
                time.sleep(hold)
        except Exception as error:  # noqa: BLE001 - raised below
            failure.append(error)
            done.set()

    def run_then():
        done.wait()
        try:
            outcome[0] = (then(), None)
        except Exception as error:  # noqa: BLE001 - returned to the test
            outcome[0] = (None, error)

    threads = [_in_thread(hold_open), _in_thread(run_then)]
    for thread in threads:
        thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def errors(outcomes) -> list[Exception]:
    return [error for _, error in outcomes if error is not None]
