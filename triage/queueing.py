"""The one place that queues background work. Services call these; nothing else sends a task.

Each function queues by task name once the surrounding transaction commits (a worker must see
the rows the service wrote), so this module imports no task and sits below every service that
creates work. The rows are the truth: a ticket to process or a reply to send is already in the
database, the message only wakes a worker, and the recovery sweep (``triage.recovery``) queues
again whatever a lost message left behind.

With ``CELERY_TASK_ALWAYS_EAGER`` (tests, a one-process setup) the task runs inline, on commit,
exactly as a worker would run it.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction
from django.utils import timezone

from triage.models import Ticket

PROCESS_TICKET = "triage.tasks.process_ticket"
SEND_REPLY = "triage.tasks.send_reply"
AUTO_SEND = "triage.tasks.auto_send_ticket"
REPLAY_CASES = "triage.tasks.replay_cases"
CLIENT_EVENTS = "triage.tasks.deliver_client_events"


def _send(name: str, *args: int, countdown: float | None = None) -> None:
    """Queue ``name`` with ``args`` now. In eager mode ``send_task`` would only publish, so the
    registered task is applied instead (importing the tasks module on first use, as a worker
    does)."""
    app = current_app
    if app.conf.task_always_eager:
        if name not in app.tasks:
            app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
        app.tasks[name].apply(args=list(args))
        return
    app.send_task(name, args=list(args), countdown=countdown)


def _on_commit(name: str, *args: int, countdown: float | None = None) -> None:
    transaction.on_commit(lambda: _send(name, *args, countdown=countdown))


def enqueue_ticket(*, ticket_id: int, countdown: float | None = None) -> None:
    """Run the pipeline for the ticket (and whatever waits with it) once this transaction commits.
    The ticket is stamped as queued, so the sweep leaves it alone for a while."""
    Ticket.objects.filter(pk=ticket_id).update(queued_at=timezone.now())
    _on_commit(PROCESS_TICKET, ticket_id, countdown=countdown)


def enqueue_send(*, outbound_id: int) -> None:
    """Deliver a reply from the outbox once the decision that wrote it has committed."""
    _on_commit(SEND_REPLY, outbound_id)


def enqueue_client_events() -> None:
    """Deliver the API clients' due status events once this transaction commits."""
    _on_commit(CLIENT_EVENTS)


def enqueue_auto_send(*, ticket_id: int) -> None:
    """Judge (and perhaps send) the ticket's fresh draft without review, once the pipeline's last
    stage has committed."""
    _on_commit(AUTO_SEND, ticket_id)


def enqueue_replay(*, run_id: int) -> None:
    """Replay the evaluation cases of a queued run once the run's row has committed."""
    _on_commit(REPLAY_CASES, run_id)
