"""Celery, for firing timers when the app is scaled out (the embedded scheduler is the default).

Beat enqueues `panelflow.enqueue_due` every scheduler interval; it finds due instances with one
indexed query and enqueues `panelflow.fire_instance` for each. Any number of workers may run:
each instance is fired under the same row lock as a user's step and re-checked once locked,
so a duplicate or concurrent message fires nothing twice.

    celery -A celery_app worker      # one or more
    celery -A celery_app beat        # exactly one
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from app import logs
from app.services import reminders, retention, timers, webhooks


def make_celery(app: Flask) -> Celery:
    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            # One JSON line per task run on stdout (app/logs.py), with its id, never its data.
            with app.app_context(), logs.job(self.name, task_id=self.request.id):
                return self.run(*args, **kwargs)

    celery = Celery("panelflow", task_cls=AppTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_default_queue=app.config["CELERY_QUEUE"],
        task_ignore_result=True,
        task_acks_late=True,  # a worker killed mid-task leaves the message for another
        worker_prefetch_multiplier=1,
        worker_redirect_stdouts=False,  # our JSON lines go to stdout as they are
        broker_connection_retry_on_startup=True,
        beat_schedule={"fire-due-timers": {
            "task": "panelflow.enqueue_due",
            "schedule": float(app.config["SCHEDULER_INTERVAL_SECONDS"])},
            # Lists cases past their retention rule for an administrator; deletes nothing.
            "list-retention-due": {"task": "panelflow.retention_mark_due",
                                   "schedule": 24 * 60 * 60.0}},
    )

    @celery.task(name="panelflow.enqueue_due")
    def enqueue_due() -> int:
        timers.keep_calendar()
        due = timers.due_instance_ids()
        for instance_id in due:
            fire_instance.delay(instance_id)
        reminders.run()
        deliver_webhooks.delay()
        return len(due)

    @celery.task(name="panelflow.retention_mark_due")
    def retention_mark_due() -> int:
        return len(retention.mark_due())
    @celery.task(name="panelflow.deliver_webhooks")
    def deliver_webhooks() -> int:
        """Due webhook deliveries; each is leased when taken, so two workers never post one
        twice at once."""
        return webhooks.deliver_due()

    @celery.task(name="panelflow.fire_instance")
    def fire_instance(instance_id: str) -> dict | None:
        result = timers.fire_instance(instance_id)
        return None if result is None else {k: str(v) for k, v in result.items()}

    celery.flask_app = app
    return celery
