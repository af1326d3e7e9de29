"""Several workers sweep the same deliveries at once: each delivery is sent exactly once.

On PostgreSQL the claim locks due rows with SKIP LOCKED; on SQLite a conditional UPDATE claims
them. The tests run on whichever database the suite runs on, with workers as threads (each
with its own database connection) and as forked OS processes.
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from django.db import connections, transaction

from tests.events.conftest import Receiver
from traseu.core.models import Role, User
from traseu.events.delivery import deliver_due
from traseu.events.models import Delivery
from traseu.events.services import emit
from traseu.events.webhooks import webhook_create

EVENTS = 24
WORKERS = 3


def _setup(receiver: Receiver) -> set[str]:
    admin = User.objects.create_user("admin", password=None, role=Role.ADMIN)
    _, receiver.secret = webhook_create(actor=admin, url=receiver.url, event_kinds=["deal.won"])
    with transaction.atomic():
        keys = {str(emit("deal.won", {"n": n}).key) for n in range(EVENTS)}
    receiver.delay = 0.01  # a slow receiver widens the window for a double send
    receiver.start()
    connections.close_all()
    return keys


def _sweep(results: list[int], index: int) -> None:
    try:
        sent = 0
        while True:
            batch = deliver_due(limit=2)
            if batch == 0:
                break
            sent += batch
        results[index] = sent
    finally:
        connections.close_all()


def _check(receiver: Receiver, keys: set[str], sent: list[int]) -> None:
    assert sum(sent) == EVENTS, sent
    assert receiver.arrivals() == dict.fromkeys(keys, 1), "no delivery was sent twice"
    rows = Delivery.objects.all()
    assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_threads_never_send_the_same_delivery_twice(receiver: Receiver) -> None:
    keys = _setup(receiver)
    sent = [0] * WORKERS
    threads = [threading.Thread(target=_sweep, args=(sent, i)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _check(receiver, keys, sent)
    assert sum(1 for n in sent if n) >= 2, f"the work was shared: {sent}"


def _process(index: int, results: multiprocessing.Queue[tuple[int, int, str | None]]) -> None:
    connections.close_all()  # never share the parent's connection across fork
    try:
        box = [0]
        _sweep(box, 0)
        results.put((index, box[0], None))
    except Exception as error:
        results.put((index, 0, repr(error)))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_processes_never_send_the_same_delivery_twice(receiver: Receiver) -> None:
    keys = _setup(receiver)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_process, args=(i, results)) for i in range(WORKERS)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert [error for *_, error in reports if error] == []
    _check(receiver, keys, [n for _, n, _ in reports])
