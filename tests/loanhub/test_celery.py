"""Celery set-up: safe serialisation and delivery settings, enqueue only after commit."""

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from loanhub.celery import app, enqueue_on_commit, send
from loanhub.models import TaskProbe
from loanhub.tasks import probe


def test_delivery_settings():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert {queue.name for queue in conf.task_queues} == {"default", "risk", "monitoring", "notifications"}
    assert app.amqp.router.route({}, "risk.tasks.score_request")["queue"].name == "risk"
    assert app.amqp.router.route({}, "servicing.tasks.cob_chunk")["queue"].name == "monitoring"
    assert app.amqp.router.route({}, "applications.tasks.expire_offers")["queue"].name == "default"


@pytest.mark.django_db
def test_enqueue_waits_for_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(probe, "t-commit")
        assert not TaskProbe.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert TaskProbe.objects.get(token="t-commit").state == TaskProbe.State.DONE


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_enqueues_nothing():
    class Boom(Exception):
        pass

    def enqueue_then_fail():
        with transaction.atomic():
            enqueue_on_commit(probe, "t-rollback")
            raise Boom

    with pytest.raises(Boom):
        enqueue_then_fail()
    assert not TaskProbe.objects.filter(token="t-rollback").exists()


@pytest.mark.django_db
def test_probe_is_idempotent_under_duplicate_delivery():
    probe.apply(args=["t-dup"])
    probe.apply(args=["t-dup"])
    row = TaskProbe.objects.get(token="t-dup")
    assert row.state == TaskProbe.State.DONE
    assert row.attempts == 1


def test_every_task_routes_to_a_queue_the_worker_consumes():
    app.loader.import_default_modules()
    queues = {queue.name for queue in app.conf.task_queues}
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert "risk.tasks.score_request" in ours
    for name in ours:
        assert app.amqp.router.route({}, name)["queue"].name in queues, name


class _BrokerDown:
    """A task whose broker does not answer (what Celery raises after its own brief retries)."""

    name = "tests.broker_down"

    def __init__(self, error):
        self.error = error
        self.calls = 0

    def apply_async(self, args=(), kwargs=None):
        self.calls += 1
        raise self.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [KombuOperationalError("Error 111 connecting to 127.0.0.1:6390."), RedisConnectionError()],
    ids=["kombu", "redis"],
)
def test_a_broker_down_at_commit_is_logged_and_the_commit_stands(
    error, caplog, django_capture_on_commit_callbacks
):
    task = _BrokerDown(error)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            TaskProbe.objects.create(token="t-kept")
            enqueue_on_commit(task, 41, secret="not logged")
    assert task.calls == 1
    assert TaskProbe.objects.filter(token="t-kept").exists()
    assert "broker unavailable, tests.broker_down(41,) not sent" in caplog.text
    assert "not logged" not in caplog.text


def test_other_errors_of_sending_are_not_hidden():
    with pytest.raises(ValueError, match="a bug"):
        send(_BrokerDown(ValueError("a bug")), (1,))
