"""loanhub.queries.CompiledRead: the ORM query compiled once, run with each call's id."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import LoanApplication
from loanhub.queries import CompiledRead
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_each_call_reads_the_rows_of_its_own_id_with_one_query():
    # Given two users, one active, and a read compiled with constants beside the id
    first = UserFactory(username="first", is_active=True, is_staff=False)
    second = UserFactory(username="second", is_active=False)
    read = CompiledRead(
        lambda pk: User.objects.filter(pk=pk, is_active=True).values_list("username", "is_staff")
    )
    # When it is run for each
    with CaptureQueriesContext(connection) as queries:
        rows = [read.rows(first.pk), read.rows(second.pk), read.rows(first.pk)]
    # Then each answer is the ORM's for that id (the inactive user's is empty), one query a call
    assert rows == [[("first", False)], [], [("first", False)]]
    orm = User.objects.filter(pk=first.pk, is_active=True).values_list("username", "is_staff")
    assert rows[0] == list(orm)
    assert len(queries.captured_queries) == 3
    assert all(str(second.pk) in q["sql"] or str(first.pk) in q["sql"] for q in queries.captured_queries)


def test_a_query_without_the_id_among_its_parameters_is_refused():
    read = CompiledRead(lambda pk: User.objects.filter(is_active=True).values_list("pk"))
    with pytest.raises(ValueError, match="the key must appear once"):
        read.rows(1)


def test_instances_come_with_their_related_rows_and_converted_values_as_the_orms():
    # Given an application (money, JSON and dates among its columns) and a compiled read of it
    # with its customer and product version joined
    application = ApplicationFactory(utm={"utm_source": "partner"})
    read = CompiledRead(
        lambda pk: (
            LoanApplication.objects.select_related("customer", "product_version__product", "decision")
            .filter(pk=pk)
            .order_by("pk")[:1]
        )
    )
    orm = LoanApplication.objects.select_related("customer", "product_version__product", "decision").get(
        pk=application.pk
    )
    # When it is read
    with CaptureQueriesContext(connection) as queries:
        (found,) = read.objects(application.pk)
        related = (found.customer.legal_name, found.product_version.product.code, found.decision)
    # Then in one query, every column as the ORM reads it, the related rows already there
    assert len(queries.captured_queries) == 1
    assert related == (orm.customer.legal_name, orm.product_version.product.code, None)
    for field in LoanApplication._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert found.utm == {"utm_source": "partner"}
    for field in type(orm.product_version)._meta.concrete_fields:
        assert getattr(found.product_version, field.attname) == getattr(orm.product_version, field.attname)
    assert found.product_version.channels == orm.product_version.channels != []
    assert not found._state.adding
    assert found._state.db == "default"
    assert read.objects(application.pk + 1000) == []


def test_a_text_key():
    UserFactory(username="by-name", is_staff=False)
    read = CompiledRead(lambda name: User.objects.filter(username=name).values_list("is_staff"), key_type=str)
    assert read.rows("by-name") == [(False,)]
    assert read.rows("nobody") == []
