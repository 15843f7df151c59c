"""Scheduled and recurring campaigns: a draft launched at a set time, and waves every N days.

    campaign_schedule (Marketing Manager)    a draft gets `send_at` (in the future) and, for a
                                             recurring campaign, `repeat_every_days` and
                                             `repeat_until`; the scheduling user is recorded
    campaigns_launch_due (beat, every 5 min) each draft whose `send_at` has come is launched as the
                                             user who scheduled it (their permission is checked
                                             then, by the same launch transition as by hand); a
                                             recurring one drafts its next wave in the same
                                             transaction

A run that finds nothing due does nothing; two runs at once launch each campaign once (the row is
locked and must still be a due draft), and a wave is drafted only by the launch of the one before
it. Frequency caps, consent and quiet hours apply to every wave as to any launch. A wave copies what
the campaign form sets (`WAVE_FIELDS`: segment, texts, channels, offer, landing, cost, points,
pilot, repeat) but its name and send time, not its experiment (an A/B test is read on one
audience). The admin form schedules through `campaign_schedule` too (`SCHEDULE_FIELDS`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, DomainError
from loanhub.permissions import may
from marketing.campaign_forms import CampaignForm
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import Campaign, CampaignState

logger = logging.getLogger(__name__)

MAX_REPEAT_DAYS = 365
MAX_HORIZON_DAYS = 366  # a recurring campaign ends within a year of its first wave
# The schedule's fields, set only through `campaign_schedule` (the admin form's too).
SCHEDULE_FIELDS = ("send_at", "repeat_every_days", "repeat_until")
# What a wave copies: the campaign form's fields but its name and its own send time, and who
# scheduled and created the first (the form's fields are what a manager can set on a campaign).
WAVE_FIELDS = (
    *(field for field in CampaignForm.Meta.fields if field not in ("name", "send_at")),
    "scheduled_by",
    "created_by",
)


def schedule_errors(
    send_at: dt.datetime | None, repeat_every_days: int | None, repeat_until: dt.date | None
) -> dict[str, list[str]]:
    """Field errors of a schedule: a send time in the future; a repeat needs both its interval
    (1–365 days) and its last day (not before the first wave, within a year of it)."""
    errors: dict[str, list[str]] = {}
    if send_at is None:
        if repeat_every_days or repeat_until:
            errors["send_at"] = [_("A recurring campaign needs the time of its first wave.")]
        return errors
    if send_at <= clock.now():
        errors["send_at"] = [_("Choose a time in the future.")]
    if (repeat_every_days is None) != (repeat_until is None):
        field = "repeat_until" if repeat_until is None else "repeat_every_days"
        errors[field] = [_("A recurring campaign needs both its interval and its last day.")]
    elif repeat_every_days is not None:
        first = timezone.localdate(send_at)
        if isinstance(repeat_every_days, bool) or not 1 <= repeat_every_days <= MAX_REPEAT_DAYS:
            errors["repeat_every_days"] = [_("From 1 to 365 days.")]
        if not first <= repeat_until <= first + dt.timedelta(days=MAX_HORIZON_DAYS):
            errors["repeat_until"] = [_("On or after the first wave, and within a year of it.")]
    return errors


def campaign_schedule(
    *,
    campaign: Campaign,
    actor,
    send_at: dt.datetime | None,
    repeat_every_days: int | None = None,
    repeat_until: dt.date | None = None,
) -> Campaign:
    """Schedule a draft (or, with `send_at` None, take its schedule off)."""
    if not may(actor, "marketing.change_campaign"):
        raise MarketingForbidden(_("Your role may not change campaigns."))
    if errors := schedule_errors(send_at, repeat_every_days, repeat_until):
        raise MarketingInvalid(errors)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state != CampaignState.DRAFT:
            raise Conflict(_("Only a draft campaign can be scheduled."))
        locked.send_at = send_at
        locked.repeat_every_days = repeat_every_days if send_at else None
        locked.repeat_until = repeat_until if send_at else None
        locked.scheduled_by = actor if send_at else None
        locked.save(update_fields=[*SCHEDULE_FIELDS, "scheduled_by"])
    return locked


def _next_wave(launched: Campaign) -> Campaign | None:
    """The next wave of a recurring campaign, drafted and scheduled; None after its last day."""
    if not launched.repeat_every_days or launched.send_at is None:
        return None
    send_at = launched.send_at + dt.timedelta(days=launched.repeat_every_days)
    if timezone.localdate(send_at) > launched.repeat_until:
        return None
    first = launched.wave_of or launched
    number = first.waves.count() + 2
    return Campaign.objects.create(
        name=f"{first.name} #{number}"[: Campaign._meta.get_field("name").max_length],
        wave_of=first,
        send_at=send_at,
        **{field: getattr(launched, field) for field in WAVE_FIELDS},
    )


def campaigns_launch_due(now: dt.datetime | None = None) -> list[int]:
    """Launch every draft whose time has come (ids of those launched); see the module's notes."""
    from marketing import services

    now = now or clock.now()
    due = list(
        Campaign.objects.filter(state=CampaignState.DRAFT, send_at__lte=now)
        .order_by("send_at", "pk")
        .values_list("pk", flat=True)
    )
    launched = []
    for pk in due:
        with transaction.atomic():
            campaign = (
                Campaign.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=CampaignState.DRAFT, send_at__lte=now)
                .first()
            )
            if campaign is None:  # launched or being launched by another run, or unscheduled
                continue
            try:
                with transaction.atomic():
                    campaign = services.campaign_launch(campaign=campaign, actor=campaign.scheduled_by)
            except DomainError as exc:
                # The scheduler lost the right to launch (or the launch was refused): the draft
                # stays, unscheduled, for a person to look at; nothing was sent.
                logger.warning("scheduled campaign %s not launched: %s", pk, exc.__class__.__name__)
                Campaign.objects.filter(pk=pk).update(send_at=None)
                continue
            _next_wave(campaign)
            launched.append(pk)
    return launched
