"""The officer console: the start page per role (who sees which panel, with which counts, in a
bounded number of queries), the default "needs action" queue, and the decision screen with
Approve disabled (and why) when the service would refuse it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from applications import services
from applications.models import LoanApplication
from customers.models import Document
from loanhub import clock, roles
from marketing.models import Campaign, Segment
from monitoring.models import EarlyWarning
from products import choices as pc
from servicing.models import Loan
from tests.applications.conftest import State, in_state, make_customer
from tests.products.factories import UserFactory, version_in
from tests.servicing.factories import ApplicationFactory, open_loan

pytestmark = pytest.mark.django_db
INDEX = "/admin/"
CHANGELIST = "/admin/applications/loanapplication/"
# Role × the start page's panels (everything else hidden).
MATRIX = {
    "officer": {"queue", "states", "loans", "warnings"},
    "senior": {"queue", "states", "loans", "warnings"},
    "analyst": {"models", "warnings"},
    "pm": {"products"},
    "marketing": {"campaigns"},
    "auditor": {"states", "loans", "warnings", "products", "models", "campaigns"},
}


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Chinese (the site's default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _ago(hours: float) -> dt.datetime:
    return clock.now() - dt.timedelta(hours=hours)


@pytest.fixture
def staff(users):
    return {**users, "pm": UserFactory(username="pm", role=roles.PRODUCT_MANAGER)}


@pytest.fixture
def world(staff, other_customer, product):
    """Two drafts; submitted 2 h ago (over its 1 h SLA); scored 5 h ago (over 4 h) and 1 h ago;
    referred to the officer and unassigned (both within 24 h); approved (waiting for the
    customer); a loan disbursed today and one 45 days past due with an open early warning; a
    product version in review; a launched campaign."""
    officer = staff["officer"]
    made = {
        "drafts": [in_state(State.DRAFT, other_customer, product) for _ in range(2)],
        "submitted": in_state(State.SUBMITTED, other_customer, product),
        "scored_late": in_state(State.SCORED, other_customer, product),
        "scored": in_state(State.SCORED, other_customer, product),
        "mine": in_state(State.REFERRED, other_customer, product, assigned_officer=officer),
        "unassigned": in_state(State.REFERRED, other_customer, product),
        "approved": in_state(State.APPROVED, other_customer, product),
    }
    for key, hours in (("submitted", 2), ("scored_late", 5), ("scored", 1), ("mine", 3), ("unassigned", 3)):
        LoanApplication.objects.filter(pk=made[key].pk).update(state_changed_at=_ago(hours))
    disbursed = ApplicationFactory(amount=Decimal("80000.00")), ApplicationFactory()
    open_loan(disbursed[0], disbursed_on=clock.today())
    late = open_loan(disbursed[1], disbursed_on=clock.today() - dt.timedelta(days=200))
    LoanApplication.objects.filter(pk__in=[a.pk for a in disbursed]).update(state=State.DISBURSED)
    Loan.objects.filter(pk=late.pk).update(days_past_due=45, delinquency_bucket="31-60")
    EarlyWarning.objects.create(
        loan_id=late.pk,
        loan_number=late.number,
        raised_on=clock.today(),
        last_seen_on=clock.today(),
        score=Decimal("7.50"),
    )
    version_in(pc.ProductStatus.IN_REVIEW, product__code="REVIEWME", maker=staff["pm"])
    segment = Segment.objects.create(name="all")
    Campaign.objects.create(name="Spring", segment=segment, template_zh="x", template_en="x")
    Campaign.objects.filter(name="Spring").update(state="launched", launched_at=clock.now())
    return made


def _panels(html: str) -> set[str]:
    return set(re.findall(r'id="console-([a-z]+)"', html))


def _row(html: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert match, f"no row {attribute}={value}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_each_role_sees_its_panels_only(client, staff, world, who, django_assert_max_num_queries):
    client.force_login(staff[who])
    client.get(INDEX)  # the first request after a log-in also records the session

    # Session, user, roles, permissions, the admin log and at most 10 reads for the panels (the
    # auditor's six panels), whatever the number of rows.
    with django_assert_max_num_queries(17):
        response = client.get(INDEX)

    assert response.status_code == 200
    assert _panels(response.content.decode()) == MATRIX[who]


def test_the_officer_start_page_counts(client, staff, world):
    client.force_login(staff["officer"])

    html = client.get(INDEX).content.decode()

    queue = html[html.index('id="console-queue"') : html.index('id="console-states"')]
    assert re.search(r'figure">1</span> <span class="caption">assigned to me', queue)
    assert re.search(r'figure">3</span> <span class="caption">unassigned', queue)  # referred + 2 scored
    assert str(world["mine"]) in queue
    assert str(world["unassigned"]) not in queue
    # Per state: applications, over the SLA; drafts are not counted.
    assert _row(html, "data-state", "submitted")[-4:] == ["1", "1", "1", "hour"]
    assert _row(html, "data-state", "scored")[-4:] == ["2", "1", "4", "hours"]
    assert _row(html, "data-state", "referred")[-4:] == ["2", "0", "24", "hours"]
    assert _row(html, "data-state", "approved")[-3:] == ["1", "—", "—"]
    assert 'data-state="draft"' not in html
    assert re.search(r'figure">5</span> <span class="caption">need action', html)
    assert re.search(r'figure">2</span> <span class="caption">over the SLA', html)
    assert '<svg class="console-chart"' in html
    # Loans: one disbursed today (80,000.00), one 31–60 days past due.
    assert re.search(r'figure">1</span> <span class="caption">disbursed today', html)
    assert "80,000.00" in html
    assert re.search(r'figure">1</span> <span class="caption">active loans overdue', html)
    assert _row(html, "data-bucket", "31-60")[-1] == "1"
    assert _row(html, "data-bucket", "1-30")[-1] == "0"
    # Early warnings: one open, listed with its loan.
    warnings = html[html.index('id="console-warnings"') :]
    assert re.search(r'figure">1</span> <span class="caption">open', warnings)
    assert "7.50" in warnings


def test_the_other_roles_content(client, staff, world):
    client.force_login(staff["pm"])
    assert "REVIEWME" in client.get(INDEX).content.decode()

    client.force_login(staff["marketing"])
    html = client.get(INDEX).content.decode()
    assert "Spring" in html
    assert re.search(r'figure">1</span> <span class="caption">launched', html)

    client.force_login(staff["analyst"])
    html = client.get(INDEX).content.decode()
    assert "No score model is registered" in html
    assert reverse("admin:monitoring_modelstability_changelist") in html

    client.force_login(staff["auditor"])
    html = client.get(INDEX).content.decode()
    assert "assigned to me" not in html  # no queue of their own: a read-only overview


def test_the_start_page_in_chinese(client, staff, world):
    client.force_login(staff["officer"])

    html = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    for text in ("我的待办", "分配给我", "超过时限", "今日放款", "逾期", "提交", "小时"):
        assert text in html
    # No English in the panels: the only Latin words are data (the customer's name) and the
    # SVG's markup, which is not text.
    panels = html[html.index('<section class="console-start"') : html.index("</section>")]
    text = re.sub(r"<svg.*?</svg>", " ", panels, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"Customer", "bob"}
    assert words == set()


def test_customers_do_not_get_the_console(client, other_customer, world):
    client.force_login(other_customer.user)

    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_default_queue_needs_action_and_excludes_drafts(client, staff, world):
    client.force_login(staff["officer"])

    default = client.get(CHANGELIST)
    everything = client.get(CHANGELIST, {"queue": "all"})
    drafts = client.get(CHANGELIST, {"state__exact": "draft"})

    shown = {obj.pk for obj in default.context["cl"].result_list}
    assert shown == {world[k].pk for k in ("submitted", "scored_late", "scored", "mine", "unassigned")}
    assert {obj.pk for obj in everything.context["cl"].result_list} == set(
        LoanApplication.objects.values_list("pk", flat=True)
    )
    assert {obj.pk for obj in drafts.context["cl"].result_list} == {d.pk for d in world["drafts"]}
    # A search by number looks at every application, drafts too.
    found = client.get(CHANGELIST, {"q": str(world["drafts"][0])})
    assert [obj.pk for obj in found.context["cl"].result_list] == [world["drafts"][0].pk]


@pytest.fixture
def unverified_referral(staff, product):
    """A referred application without a risk decision, of a customer whose identity is not verified
    (with an identity card uploaded)."""
    person = make_customer("carol", kyc="unverified", id_card=False)
    Document.objects.create(
        customer=person, kind="id_card", file="x.png", content_type="image/png", size=1, sha256="0" * 64
    )
    return in_state(State.REFERRED, person, product)


def test_approve_is_disabled_with_the_reason_when_the_service_would_refuse(
    client, staff, unverified_referral
):
    client.force_login(staff["officer"])
    url = reverse("admin:applications_loanapplication_change", args=[unverified_referral.pk])

    html = client.get(url).content.decode()

    assert 'class="officer-action disabled" data-action="approve"' in html
    assert "the customer&#x27;s identity is not verified" in html
    assert 'data-action="decline" href=' in html  # the other decisions stay available
    # Values in words, not codes.
    assert "car loan" in html
    assert "consumer_auto" not in html
    # The decision screen: the identity masked, the documents listed.
    assert unverified_referral.customer.id_number not in html
    document = unverified_referral.customer.documents.get()
    assert f'<a href="/customers/documents/{document.pk}/">Identity card image</a>' in html
    # The action page says why and offers no working button.
    action = client.get(
        reverse("admin:applications_loanapplication_act", args=[unverified_referral.pk, "approve"])
    ).content.decode()
    assert "identity is not verified" in action
    assert re.search(r'<input type="submit" class="default" value="Approve" disabled>', action)


def test_the_blockers_are_the_services_refusals(staff, other_customer, product, unverified_referral):
    blockers = services.application_approve_blockers(application=unverified_referral, actor=staff["officer"])
    assert len(blockers) == 2  # no risk decision, identity not verified
    with pytest.raises(services.ApplicationStateError, match="no risk decision"):
        services.application_approve(application=unverified_referral, actor=staff["officer"], reason="ok")

    verified = in_state(State.REFERRED, other_customer, product)
    assert services.application_approve_blockers(application=verified, actor=staff["officer"]) == [
        services.application_approve_blockers(application=unverified_referral, actor=staff["officer"])[0]
    ]


def test_maker_checker_blocks_the_first_approver_and_non_seniors(staff, other_customer, product):
    pending = in_state(
        State.REFERRED,
        other_customer,
        product,
        pending_approval_by=staff["officer"],
        pending_approval={"amount": "50000.00", "term": 24},
    )

    def blockers(who):
        return services.application_approve_blockers(application=pending, actor=staff[who])

    assert any("maker-checker" in text for text in blockers("officer"))
    assert any("needs a Senior Approver" in text for text in blockers("officer2"))
    assert not any("Senior" in text or "maker-checker" in text for text in blockers("senior"))


def test_no_approve_button_where_approving_is_not_a_step(client, staff, other_customer, product):
    accepted = in_state(State.OFFER_ACCEPTED, make_customer("dave", kyc="unverified"), product)
    client.force_login(staff["officer"])

    html = client.get(
        reverse("admin:applications_loanapplication_change", args=[accepted.pk])
    ).content.decode()

    assert 'data-action="approve"' not in html
    assert "approve-blocked" not in html
