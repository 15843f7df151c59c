"""CRM writes: officers' follow-up tasks and the contact log, NPS surveys after a disbursement and
after a loan closes, and customers' suggestions in the product managers' queue.

Who may: officers and marketing managers work follow-ups and log contacts
(`marketing.add_followup`, `marketing.change_followup`, `marketing.add_contactentry`); product
managers and marketing managers triage suggestions (`marketing.change_suggestion`); a customer
answers only their own surveys (others' are "not found") and submits their own suggestions.
Surveys are opened by the registries of applications (disbursed) and servicing (loan closed),
inside the transaction of that change, once per moment and subject.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from customers.selectors import customer_for_user
from loanhub import clock
from loanhub.errors import Conflict
from loanhub.permissions import may
from loanhub.transitions import run_transition
from marketing.errors import MarketingForbidden, MarketingInvalid, MarketingNotFound
from marketing.models import (
    ContactChannel,
    ContactDirection,
    ContactEntry,
    FollowUp,
    FollowUpKind,
    FollowUpOutcome,
    NpsSurvey,
    Suggestion,
    SurveyMoment,
)
from notifications import services as notifications

MAX_TEXT = 2000
TRIAGE_ACTIONS = ("plan", "decline", "finish")


def _text(value, field: str, errors: dict, *, required: bool) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[field] = [_("Enter text.")]
        return ""
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > MAX_TEXT:
        errors[field] = [_("At most %(count)s characters.") % {"count": MAX_TEXT}]
    return text


# --- Follow-up tasks ---------------------------------------------------------------------------


def follow_up_create(
    *, actor, customer, kind: str, due_on: dt.date, note: str = "", assigned_to=None
) -> FollowUp:
    """An open follow-up task, assigned to the actor unless another officer is named."""
    if not may(actor, "marketing.add_followup"):
        raise MarketingForbidden(_("Your role may not create follow-up tasks."))
    assigned_to = assigned_to or actor
    errors: dict[str, list[str]] = {}
    if kind not in FollowUpKind.values:
        errors["kind"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(FollowUpKind.values)}]
    if not isinstance(due_on, dt.date) or due_on < clock.today():
        errors["due_on"] = [_("A date from today on.")]
    if not may(assigned_to, "marketing.change_followup"):
        errors["assigned_to"] = [_("This user does not work follow-up tasks.")]
    note = _text(note, "note", errors, required=False)
    if errors:
        raise MarketingInvalid(errors)
    return FollowUp.objects.create(
        customer=customer, kind=kind, due_on=due_on, note=note, assigned_to=assigned_to, created_by=actor
    )


def follow_up_complete(*, follow_up: FollowUp | int, actor, outcome: str, note: str = "") -> FollowUp:
    """open → done with an outcome (and the note in the event). A second completion is a 409."""
    errors: dict[str, list[str]] = {}
    if outcome not in FollowUpOutcome.values:
        errors["outcome"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(FollowUpOutcome.values)}]
    note = _text(note, "note", errors, required=False)
    if errors:
        raise MarketingInvalid(errors)

    def before(locked: FollowUp) -> dict:
        locked.outcome = outcome
        locked.closed_at = clock.now()
        return {"outcome": outcome}

    return run_transition(
        follow_up,
        "complete",
        actor=actor,
        reason=note,
        model=FollowUp,
        before=before,
        fields=("outcome", "closed_at"),
    )


def follow_up_cancel(*, follow_up: FollowUp | int, actor, reason: str = "") -> FollowUp:
    """open → cancelled."""

    def before(locked: FollowUp) -> None:
        locked.closed_at = clock.now()

    return run_transition(
        follow_up, "cancel", actor=actor, reason=reason, model=FollowUp, before=before, fields=("closed_at",)
    )


# --- Contact log -------------------------------------------------------------------------------


def contact_log(
    *,
    actor,
    customer,
    channel: str,
    direction: str,
    summary: str,
    follow_up: FollowUp | None = None,
    occurred_at: dt.datetime | None = None,
) -> ContactEntry:
    """Log one contact with the customer (append-only)."""
    if not may(actor, "marketing.add_contactentry"):
        raise MarketingForbidden(_("Your role may not log contacts."))
    errors: dict[str, list[str]] = {}
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(ContactChannel.values)}]
    if direction not in ContactDirection.values:
        errors["direction"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(ContactDirection.values)}
        ]
    summary = _text(summary, "summary", errors, required=True)
    now = clock.now()
    if occurred_at is not None and occurred_at > now:
        errors["occurred_at"] = [_("Not in the future.")]
    if follow_up is not None and follow_up.customer_id != customer.pk:
        errors["follow_up"] = [_("The task is about another customer.")]
    if errors:
        raise MarketingInvalid(errors)
    return ContactEntry.objects.create(
        customer=customer,
        channel=channel,
        direction=direction,
        summary=summary,
        follow_up=follow_up,
        staff=actor,
        occurred_at=occurred_at or now,
    )


# --- NPS surveys -------------------------------------------------------------------------------


def survey_open(*, customer_id: int, moment: str, subject_ref: str, product_code: str) -> NpsSurvey:
    """The survey of this moment for this subject, opened once (a second call returns it)."""
    existing = NpsSurvey.objects.filter(moment=moment, subject_ref=subject_ref).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            survey = NpsSurvey.objects.create(
                customer_id=customer_id,
                moment=moment,
                subject_ref=subject_ref,
                product_code=product_code,
                sent_at=clock.now(),
            )
    except IntegrityError:  # a concurrent twin opened it first
        return NpsSurvey.objects.get(moment=moment, subject_ref=subject_ref)
    _invite(survey)
    return survey


def _invite(survey: NpsSurvey) -> None:
    """A portal message asking for the answer (delivered after commit; once per survey)."""
    from customers.selectors import customer_language

    customer = survey.customer
    language = customer_language(customer=customer)
    with translation.override(language):
        subject = _("How likely are you to recommend us?")
        body = _(
            "Please rate us from 0 to 10 and tell us what to improve: it takes a minute. "
            "Answer on your feedback page: /marketing/feedback/."
        )
    notifications.message_send(
        user=customer.user,
        channel="portal",
        dedupe_key=f"nps-survey:{survey.pk}",
        subject=subject,
        body=body,
        language=language,
        optional=True,
    )


def survey_on_disbursed(*, application) -> None:
    """applications' disbursed hook: ask how the application went."""
    survey_open(
        customer_id=application.customer_id,
        moment=SurveyMoment.DISBURSED,
        subject_ref=f"application:{application.pk}",
        product_code=application.product_version.product.code,
    )


def survey_on_loan_closed(*, loan) -> None:
    """servicing's loan-closed hook: ask about the whole loan once it is paid off."""
    survey_open(
        customer_id=loan.customer_id,
        moment=SurveyMoment.CLOSED,
        subject_ref=f"loan:{loan.number}",
        product_code=loan.product_version.product.code,
    )


def survey_answer(*, survey_id: int, actor, score, comment: str = "", suggestion: str = "") -> NpsSurvey:
    """The customer's answer to their own survey: 0–10, free text, and optionally a suggestion for
    the product managers. Someone else's survey is not found; a second answer is a 409."""
    customer = customer_for_user(actor)
    errors: dict[str, list[str]] = {}
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        errors["score"] = [_("A whole number from 0 to 10.")]
    comment = _text(comment, "comment", errors, required=False)
    suggestion = _text(suggestion, "suggestion", errors, required=False)
    with transaction.atomic():
        survey = (
            NpsSurvey.objects.select_for_update().filter(pk=survey_id, customer=customer).first()
            if customer is not None
            else None
        )
        if survey is None:
            raise MarketingNotFound(_("Not found."))
        if errors:
            raise MarketingInvalid(errors)
        if survey.answered_at is not None:
            raise Conflict(_("This survey was answered already."))
        survey.score, survey.comment, survey.answered_at = score, comment, clock.now()
        survey.save(update_fields=["score", "comment", "answered_at"])
        if suggestion:
            Suggestion.objects.create(
                customer=customer, text=suggestion, product_code=survey.product_code, survey=survey
            )
    return survey


# --- Suggestions -------------------------------------------------------------------------------


def suggestion_submit(*, actor, text: str, product_code: str = "") -> Suggestion:
    """A customer's suggestion, into the product managers' queue."""
    customer = customer_for_user(actor)
    if customer is None:
        raise MarketingForbidden(_("Only customers make suggestions here."))
    errors: dict[str, list[str]] = {}
    text = _text(text, "text", errors, required=True)
    product_code = (product_code or "").strip()
    if len(product_code) > 32:
        errors["product"] = [_("At most %(count)s characters.") % {"count": 32}]
    if errors:
        raise MarketingInvalid(errors)
    return Suggestion.objects.create(customer=customer, text=text, product_code=product_code)


def suggestion_triage(*, suggestion: Suggestion | int, actor, action: str, note: str = "") -> Suggestion:
    """A product manager moves a suggestion: plan, decline (from new or planned) or finish."""
    errors: dict[str, list[str]] = {}
    if action not in TRIAGE_ACTIONS:
        errors["action"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(TRIAGE_ACTIONS)}]
    note = _text(note, "note", errors, required=action == "decline")
    if errors:
        raise MarketingInvalid(errors)

    def before(locked: Suggestion) -> None:
        locked.handled_by = actor
        if note:
            locked.response = note

    return run_transition(
        suggestion,
        action,
        actor=actor,
        reason=note,
        model=Suggestion,
        before=before,
        fields=("handled_by", "response"),
    )


__all__ = [
    "contact_log",
    "follow_up_cancel",
    "follow_up_complete",
    "follow_up_create",
    "suggestion_submit",
    "suggestion_triage",
    "survey_answer",
    "survey_on_disbursed",
    "survey_on_loan_closed",
    "survey_open",
]
