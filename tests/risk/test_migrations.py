"""Migration 0002: requests are linked to their customer by the identity hash, the raw identity
is blanked and its column dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from risk.identity import identifier_hash

BEFORE = [("risk", "0001_initial")]
AFTER = [("risk", "0002_scoringrequest_customer_no_raw_identity")]


def _migrate(targets):
    """Migrate risk to `targets`; the models as they are then (customers at its latest)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([*targets, *executor.loader.graph.leaf_nodes("customers")]).apps


@pytest.fixture
def _risk_at_its_latest():
    """Back to every risk migration afterwards: later tests need the tables of 0003 and after."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("risk"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_risk_at_its_latest")
def test_requests_are_linked_to_their_customer_and_lose_the_raw_identity(django_user_model):
    old = _migrate(BEFORE)
    try:
        user = old.get_model("auth", "User").objects.create(username="c1")
        customer = old.get_model("customers", "Customer").objects.create(
            user_id=user.pk,
            legal_name="客户",
            id_number="11010519491231002X",
            date_of_birth=dt.date(1949, 12, 31),
            phone="13900000001",
            monthly_income="9000",
        )
        ScoringRequest = old.get_model("risk", "ScoringRequest")
        common = {"product_terms": {}, "features": {}, "requester_ref": "x:1"}
        pending = ScoringRequest.objects.create(
            **common,
            identity={"id_number": "11010519491231002X", "phone": "13900000001", "device_id": ""},
            id_number_hash=identifier_hash("id_number", "11010519491231002x"),
        )
        scored = ScoringRequest.objects.create(
            **common, identity={}, id_number_hash=identifier_hash("id_number", "11010519491231002X")
        )
        stranger = ScoringRequest.objects.create(
            **common,
            identity={"id_number": "110101199001010000"},
            id_number_hash=identifier_hash("id_number", "110101199001010000"),
        )
    finally:
        new = _migrate(AFTER)
    rows = {r.pk: r for r in new.get_model("risk", "ScoringRequest").objects.all()}
    assert (rows[pending.pk].customer_id, rows[scored.pk].customer_id) == (customer.pk, customer.pk)
    assert rows[stranger.pk].customer_id is None  # no such customer: the worker refuses it
    columns = [
        c.name
        for c in connection.introspection.get_table_description(connection.cursor(), "risk_scoringrequest")
    ]
    assert "identity" not in columns
    assert "customer_id" in columns
