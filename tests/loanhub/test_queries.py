"""loanhub.queries.CompiledRead: the ORM query compiled once, run with each call's id."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loanhub.queries import CompiledRead
from tests.products.factories import UserFactory

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
    with pytest.raises(ValueError, match="the id must appear once"):
        read.rows(1)
