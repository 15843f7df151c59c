"""The people and objects the permission matrix calls every endpoint with.

One customer (the owner) has a product to apply for, an application that became a loan, a
repayment on it and an identity document; a second customer (the other) owns the same kinds of
objects, so that "other customer" rows prove one customer cannot reach another's data. Staff
users hold one role each from `loanhub.roles`. Built once per test module.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from applications.models import State
from customers import services as customer_services
from loanhub import clock, roles
from marketing import crm as marketing_crm
from marketing import services as marketing_services
from marketing.models import Segment
from notifications import services as notification_services
from risk.models import ScoreModel
from servicing import lines as servicing_lines
from servicing import statements
from servicing.models import Repayment, StatementLine
from tests.customers.factories import PDF_BYTES, upload
from tests.products.factories import UserFactory
from tests.risk.conftest import grade_card_artifact
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan
from tests.servicing.test_statements import csv_bytes

# The columns of every matrix row, in this order.
ROLES = ("anonymous", "owner", "other", "officer", "senior", "analyst", "product", "marketing", "auditor")

STAFF = {
    "officer": roles.LOAN_OFFICER,
    "senior": roles.SENIOR_APPROVER,
    "analyst": roles.RISK_ANALYST,
    "product": roles.PRODUCT_MANAGER,
    "marketing": roles.MARKETING_MANAGER,
    "auditor": roles.AUDITOR,
}
assert set(STAFF.values()) == set(roles.STAFF_ROLES), "a staff role in loanhub.roles has no matrix column"


def _score_model(actor) -> ScoreModel:
    """A stored candidate scorecard (a hand-made artifact: no training needed to reach its pages)."""
    artifact = grade_card_artifact()
    return ScoreModel.objects.create(
        version=1,
        dataset="hand-made",
        binner="manual",
        seed=0,
        artifact=json.dumps(artifact),
        artifact_sha256="0" * 64,
        training_data_sha256="0" * 64,
        trained_by=actor,
    )


def build() -> dict:
    """Users by role (None for anonymous) and the objects that URL kwargs name."""
    users: dict[str, object] = {"anonymous": None}
    for key, role in STAFF.items():
        users[key] = UserFactory(username=f"matrix-{key}", role=role)
    version = active_version()
    owner = CustomerFactory(user__username="matrix-owner")
    other = CustomerFactory(user__username="matrix-other")
    users["owner"], users["other"] = owner.user, other.user
    disbursed_on = clock.today() - relativedelta(months=1) - dt.timedelta(days=3)
    disbursed = ApplicationFactory(customer=owner, product_version=version)
    loan = open_loan(disbursed, actor=users["officer"], disbursed_on=disbursed_on, fees=[])
    # The application an officer is deciding (referred by the scorecard) is the one in the URLs.
    application = ApplicationFactory(customer=owner, product_version=version, state=State.REFERRED)
    open_loan(
        ApplicationFactory(customer=other, product_version=version),
        actor=users["officer"],
        disbursed_on=disbursed_on,
        fees=[],
    )
    due = loan.installments.get(number=1).due_date
    # One line posts a repayment to the owner's loan, the other waits in suspense.
    statements.import_statement(
        data=csv_bytes(f"{due},100.00,{loan.number},张明,T-1", f"{due},55.00,no number,李四,T-2"),
        file_name="bank.csv",
        actor=users["officer"],
    )
    # Marketing: a draft campaign with an A/B experiment; a portal message in the owner's inbox.
    segment = Segment.objects.create(name="matrix segment", rules={"regions": ["matrix"]})
    campaign = marketing_services.campaign_create(
        actor=users["marketing"],
        name="matrix campaign",
        segment=segment,
        channels=["portal"],
        template_zh="{{ name }}",
        template_en="{{ name }}",
        experiment_arms=[{"name": "A"}, {"name": "B"}],
    )
    # CRM: the owner's follow-up task (an officer's), NPS survey and suggestion.
    follow_up = marketing_crm.follow_up_create(
        actor=users["officer"], customer=owner, kind="call_back", due_on=clock.today()
    )
    survey = marketing_crm.survey_open(
        customer_id=owner.pk, moment="disbursed", subject_ref="matrix", product_code=version.product.code
    )
    suggestion = marketing_crm.suggestion_submit(actor=owner.user, text="matrix suggestion")
    message, _ = notification_services.message_send(
        user=owner.user, channel="portal", dedupe_key="matrix-message", body="hello"
    )
    document = customer_services.document_upload(
        customer=owner, kind="id_card", file=upload("id.pdf", PDF_BYTES), actor=owner.user
    )
    # The owner's revolving credit line (随借随还), opened today with nothing drawn.
    credit_line = servicing_lines.credit_line_open(
        origin_ref="A-matrix-line",
        number="C-matrix",
        customer_id=owner.pk,
        product_version=version,
        credit_limit=Decimal("50000.00"),
        annual_rate=Decimal("0.0365"),
        opened_on=clock.today(),
        actor=users["officer"],
    )
    return {
        "users": users,
        "objects": {
            "credit_line": credit_line.pk,
            "customer": owner.pk,
            "application": application.pk,
            "loan": loan.pk,
            "repayment": Repayment.objects.get(loan=loan).pk,
            "document": document.pk,
            "product": version.product.code,
            "version": version.pk,
            "score_model": _score_model(users["analyst"]).pk,
            "statement_line": StatementLine.objects.get(status="suspense").pk,
            "segment": segment.pk,
            "campaign": campaign.pk,
            "experiment": campaign.experiment.pk,
            "message": message.pk,
            "follow_up": follow_up.pk,
            "survey": survey.pk,
            "suggestion": suggestion.pk,
        },
    }
