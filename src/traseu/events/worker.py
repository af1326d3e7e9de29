"""``traseu worker``: django-tasks-db's task worker and the periodic-job scheduler in one
process.

The task worker runs in the main thread (it installs the SIGINT/SIGTERM handlers, finishes the
task it is running, then stops); the scheduler runs in a second thread with its own database
connection and calls :func:`~traseu.events.scheduler.enqueue_due` every ``tick`` seconds. A
signal stops both; the process exits once the current task is done.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, TextIO

from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from traseu.events.scheduler import enqueue_due

logger = logging.getLogger("traseu.events")
SCHEDULER_TICK = 5.0
WORKER_SCRIPT = "import sys; from traseu.cli import main; sys.exit(main(['worker']))"
# Set by the demo for its child worker: the worker stops when that process is gone, even if it
# was killed without a chance to stop the child.
PARENT_ENV = "TRASEU_WORKER_PARENT"


class SchedulerThread(threading.Thread):
    """Calls the scheduler step every ``tick`` seconds until :meth:`stop`."""

    def __init__(self, tick: float = SCHEDULER_TICK) -> None:
        super().__init__(name="traseu-scheduler", daemon=True)
        self.tick = tick
        self.stopping = threading.Event()
        parent = os.environ.get(PARENT_ENV, "")
        self.parent = int(parent) if parent.isdigit() else None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                if self.parent is not None and os.getppid() != self.parent:
                    logger.warning("the process that started this worker is gone: stopping")
                    os.kill(os.getpid(), signal.SIGTERM)
                    break
                close_old_connections()
                try:
                    enqueue_due()
                except Exception:  # a database hiccup must not end the scheduler
                    logger.exception("scheduler step failed")
                self.stopping.wait(self.tick)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()


def run_worker(
    *,
    queue_names: list[str],
    batch: bool = False,
    interval: float = 1.0,
    scheduler: bool = True,
    tick: float = SCHEDULER_TICK,
    worker_id: str | None = None,
) -> None:
    """Run tasks until a signal (or, with ``batch``, until the queue is empty). With
    ``scheduler`` the periodic jobs are enqueued too (in batch mode: once, before the tasks)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=queue_names,
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )
    thread: SchedulerThread | None = None
    if scheduler and batch:
        enqueue_due()
    elif scheduler:
        thread = SchedulerThread(tick)
        thread.start()

    def shutdown(signum: int, frame: FrameType | None) -> None:
        if thread is not None:
            thread.stop()
        worker.shutdown(signum, frame)  # exits at once when idle, else after the task

    previous = {sig: signal.signal(sig, shutdown) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.run()
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise
    finally:
        if thread is not None:
            thread.stop()
            thread.join(timeout=tick + 5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        logger.info("worker stopped")


def configure_logging() -> None:
    """Show the worker's and the scheduler's progress on stderr (unless logging is set up), at
    ``TRASEU_WORKER_LOG_LEVEL`` (default INFO; the demo's worker says only WARNING and above,
    so the server's console is not filled with a line per job every minute)."""
    level = logging.getLevelNamesMapping().get(
        os.environ.get("TRASEU_WORKER_LOG_LEVEL", "INFO").strip().upper(), logging.INFO
    )
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("django_tasks", "django_tasks_db", "traseu.events"):
        named = logging.getLogger(name)
        if not named.handlers:
            named.addHandler(handler)
            named.setLevel(level)


@contextlib.contextmanager
def background_worker(out: TextIO) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``traseu worker`` as a child process for the duration of the block (the demo's
    server), then stop it with SIGTERM (SIGKILL if it does not stop within 10 seconds).

    Unless email is configured, the worker's emails go to files in ``TRASEU_DATA_DIR/mail``
    rather than into the server's console."""
    from django.conf import settings

    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    env.setdefault("TRASEU_WORKER_LOG_LEVEL", "WARNING")
    if not env.get("EMAIL_BACKEND") and not env.get("EMAIL_HOST"):
        env["EMAIL_BACKEND"] = "file"
        where = _("Its emails are written to %(path)s.") % {"path": settings.EMAIL_FILE_PATH}
    else:
        where = ""
    command = [sys.executable, "-c", WORKER_SCRIPT]
    child = subprocess.Popen(command, env=env)  # noqa: S603
    started = _("Background worker started (process %(pid)s).") % {"pid": child.pid}
    print(f"{started} {where}".strip(), file=out)
    previous = _exit_on_sigterm()
    try:
        yield child
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _exit_on_sigterm() -> signal.Handlers | Callable[[int, FrameType | None], Any] | int | None:
    """Make SIGTERM end the demo like Ctrl+C does (runserver does not catch it), so the block
    above stops the child worker; the previous handler, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    return signal.signal(signal.SIGTERM, stop)
