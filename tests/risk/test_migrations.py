"""Migration 0002: requests are linked to their customer by the identity hash, the raw identity
is blanked and its column dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from risk.identity import identifier_hash
from tests.loanhub.scratch_db import scratch_database

# The customers migration 0002 depends on: the scratch database holds only these and theirs.
BEFORE = [("risk", "0001_initial"), ("customers", "0003_customer_event_claim")]
AFTER = [("risk", "0002_scoringrequest_customer_no_raw_identity")]


def _migrate(alias: str, targets):
    """Migrate the scratch database to `targets`; the models as they are then."""
    executor = MigrationExecutor(connections[alias])
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([*targets, BEFORE[1]]).apps


@pytest.fixture
def scratch(tmp_path):
    with scratch_database(tmp_path) as alias:
        yield alias


# Database access allowed; the rows live in the scratch database only.
@pytest.mark.django_db
def test_requests_are_linked_to_their_customer_and_lose_the_raw_identity(scratch):
    old = _migrate(scratch, BEFORE)
    user = old.get_model("auth", "User").objects.using(scratch).create(username="c1")
    customer = (
        old.get_model("customers", "Customer")
        .objects.using(scratch)
        .create(
            user_id=user.pk,
            legal_name="客户",
            id_number="11010519491231002X",
            date_of_birth=dt.date(1949, 12, 31),
            phone="13900000001",
            monthly_income="9000",
        )
    )
    requests = old.get_model("risk", "ScoringRequest").objects.using(scratch)
    common = {"product_terms": {}, "features": {}, "requester_ref": "x:1"}
    pending = requests.create(
        **common,
        identity={"id_number": "11010519491231002X", "phone": "13900000001", "device_id": ""},
        id_number_hash=identifier_hash("id_number", "11010519491231002x"),
    )
    scored = requests.create(
        **common, identity={}, id_number_hash=identifier_hash("id_number", "11010519491231002X")
    )
    stranger = requests.create(
        **common,
        identity={"id_number": "110101199001010000"},
        id_number_hash=identifier_hash("id_number", "110101199001010000"),
    )
    new = _migrate(scratch, AFTER)
    rows = {r.pk: r for r in new.get_model("risk", "ScoringRequest").objects.using(scratch)}
    assert (rows[pending.pk].customer_id, rows[scored.pk].customer_id) == (customer.pk, customer.pk)
    assert rows[stranger.pk].customer_id is None  # no such customer: the worker refuses it
    scratch_connection = connections[scratch]
    columns = [
        c.name
        for c in scratch_connection.introspection.get_table_description(
            scratch_connection.cursor(), "risk_scoringrequest"
        )
    ]
    assert "identity" not in columns
    assert "customer_id" in columns
