"""Writes of the marketing app: segments, campaigns (launch, send), touches and attribution.

A campaign reaches a customer only with their marketing consent for that channel, checked when
its segment is snapshotted at launch and again when each message is sent (an unsubscribe between
the two is honoured). Messages go through `notifications.services.message_send` with a dedupe key
per campaign, customer and channel, so a retried send task sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from customers import marketing_consent
from customers import selectors as customer_selectors
from customers.models import Customer
from loanhub import clock
from loanhub.celery import enqueue_on_commit
from loanhub.money import quantize_money
from loanhub.permissions import may
from loanhub.transitions import run_transition
from marketing import personalise
from marketing import rules as segment_rules
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import (
    MESSAGE_CHANNELS,
    Attribution,
    Campaign,
    Experiment,
    MarketingChannel,
    PilotGroup,
    Recipient,
    Segment,
    SegmentRun,
    Touch,
    TouchKind,
)
from notifications import services as notifications

logger = logging.getLogger(__name__)

RECIPIENT_SALT = "marketing.recipient"
VISITOR_COOKIE = "lh_vid"


# --- segments ----------------------------------------------------------------------------------
def segment_create(*, actor, name: str, rules: dict) -> Segment:
    """Save a segment rule (Marketing Manager)."""
    if not may(actor, "marketing.add_segment"):
        raise MarketingForbidden(_("Your role may not create segments."))
    errors = segment_rules.rules_errors(rules)
    if not (name or "").strip():
        errors["name"] = [_("A segment needs a name.")]
    if errors:
        raise MarketingInvalid(errors)
    return Segment.objects.create(name=name.strip(), rules=rules, created_by=actor)


def segment_snapshot(*, segment: Segment) -> SegmentRun:
    """Record the segment's members now: the audience a campaign launched now reaches."""
    members = segment_rules.evaluate(segment.rules)
    return SegmentRun.objects.create(
        segment=segment, run_at=clock.now(), member_count=len(members), member_ids=members
    )


def presets_ensure() -> int:
    """Create the preset segments that are missing; returns how many were created."""
    created = 0
    for key, (name, rules) in segment_rules.PRESETS.items():
        _segment, made = Segment.objects.get_or_create(preset=key, defaults={"name": name, "rules": rules})
        created += int(made)
    return created


# --- campaigns ---------------------------------------------------------------------------------
def check_template(text: str, field: str, errors: dict, *, required: bool = True) -> None:
    """Field errors of a message text (or, not `required`, a subject): present, and only the
    placeholders a message fills (marketing.personalise)."""
    if not (text or "").strip():
        if required:
            errors[field] = [_("A message text is required.")]
        return
    if messages := personalise.placeholder_errors(text):
        errors[field] = messages


def arms_errors(arms) -> list[str]:
    if not isinstance(arms, list) or len(arms) < 2:
        return [_("An experiment needs at least two arms.")]
    names = [arm.get("name") if isinstance(arm, dict) else None for arm in arms]
    if not all(isinstance(n, str) and n.strip() for n in names) or len(set(names)) != len(names):
        return [_("Each arm needs its own name.")]
    for arm in arms:
        for field in ("template_zh", "template_en"):
            if arm.get(field) and (messages := personalise.placeholder_errors(arm[field])):
                return [f"{arm['name']}: {message}" for message in messages]
    return []


def campaign_create(
    *,
    actor,
    name: str,
    segment: Segment,
    channels: list[str],
    template_zh: str,
    template_en: str,
    subject_zh: str = "",
    subject_en: str = "",
    promotion=None,
    cost: str | Decimal | None = None,
    landing_path: str = "/products/",
    experiment_arms: list[dict] | None = None,
    pilot_regions: list[str] | None = None,
    pilot_channels: list[str] | None = None,
    pilot_share: int | None = None,
    reward_points: int = 0,
) -> Campaign:
    """A draft campaign (Marketing Manager), with an A/B experiment when arms are given."""
    if not may(actor, "marketing.add_campaign"):
        raise MarketingForbidden(_("Your role may not create campaigns."))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("A campaign needs a name.")]
    if not channels or not isinstance(channels, list) or not set(channels) <= set(MESSAGE_CHANNELS):
        errors["channels"] = [_("Choose one or more of: email, sms, portal.")]
    check_template(template_zh, "template_zh", errors)
    check_template(template_en, "template_en", errors)
    check_template(subject_zh, "subject_zh", errors, required=False)
    check_template(subject_en, "subject_en", errors, required=False)
    if not url_has_allowed_host_and_scheme(landing_path, allowed_hosts=None) or not landing_path.startswith(
        "/"
    ):
        errors["landing_path"] = [_("A path on this site, starting with /.")]
    if cost is not None and cost != "":
        try:
            cost = quantize_money(Decimal(str(cost)))
            if cost < 0:
                errors["cost"] = [_("Must not be negative.")]
        except InvalidOperation:
            errors["cost"] = [_("A number.")]
    else:
        cost = None
    if experiment_arms is not None and (arm_errors := arms_errors(experiment_arms)):
        errors["experiment_arms"] = arm_errors
    pilot_errors(pilot_regions, pilot_channels, pilot_share, channels=channels, errors=errors)
    if (
        isinstance(reward_points, bool)
        or not isinstance(reward_points, int)
        or not 0 <= reward_points <= 100_000
    ):
        errors["reward_points"] = [_("Whole points from 0 to 100000.")]
    if errors:
        raise MarketingInvalid(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name.strip(),
            segment=segment,
            channels=list(dict.fromkeys(channels)),
            template_zh=template_zh,
            template_en=template_en,
            subject_zh=subject_zh,
            subject_en=subject_en,
            promotion=promotion,
            cost=cost,
            landing_path=landing_path,
            pilot_regions=list(dict.fromkeys(r.strip() for r in pilot_regions or [])),
            pilot_channels=list(dict.fromkeys(pilot_channels or [])),
            pilot_share=pilot_share,
            reward_points=reward_points,
            created_by=actor,
        )
        if experiment_arms:
            Experiment.objects.create(campaign=campaign, name=f"{campaign.name} A/B", arms=experiment_arms)
    return campaign


def pilot_errors(regions, channels_, share, *, channels, errors: dict) -> None:
    """Field errors of a pilot's limits (regions, channels among the campaign's, a share 1–100 %)."""
    if regions and (
        not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions)
    ):
        errors["pilot_regions"] = [_("A list of regions.")]
    if channels_ and (not isinstance(channels_, list) or not set(channels_) <= set(channels or [])):
        errors["pilot_channels"] = [_("Choose among the campaign's own channels.")]
    if share is not None and (isinstance(share, bool) or not isinstance(share, int) or not 1 <= share <= 100):
        errors["pilot_share"] = [_("A whole percentage from 1 to 100.")]


def pilot_admits(
    *, key: str, regions, channels, share, customer_id: int, region: str, customer_channels=None
) -> bool:
    """Whether an eligible customer is in a pilot (of a campaign or of a promotion): in one of its
    regions, with one of its channels (when `customer_channels` is given), and in its share of the
    eligible — a bucket 0–99 drawn from a hash of `key` and customer, so the assignment is stable
    and independent of experiment arms."""
    if regions and region not in regions:
        return False
    if channels and customer_channels is not None and not set(customer_channels) & set(channels):
        return False
    if share is not None:
        digest = hashlib.sha256(f"{key}:{customer_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % 100 < share
    return True


def in_pilot(campaign: Campaign, customer_id: int, *, region: str, channels: list[str]) -> bool:
    """Whether an eligible member is in the campaign's pilot: in one of its regions, consenting to
    one of its channels, and in its share of the audience."""
    return pilot_admits(
        key=f"pilot:{campaign.pk}",
        regions=campaign.pilot_regions,
        channels=campaign.pilot_channels,
        share=campaign.pilot_share,
        customer_id=customer_id,
        region=region,
        customer_channels=channels,
    )


def assign_arm(experiment: Experiment, customer_id: int) -> dict:
    """The customer's arm: stable (a hash of experiment and customer), uniform over the arms."""
    digest = hashlib.sha256(f"{experiment.pk}:{customer_id}".encode()).digest()
    return experiment.arms[int.from_bytes(digest[:8], "big") % len(experiment.arms)]


def _recently_reached(customer_ids: list[int], *, campaign: Campaign) -> set[int]:
    days = settings.MARKETING_FREQUENCY_CAP_DAYS
    if days <= 0:
        return set()
    since = clock.now() - dt.timedelta(days=days)
    return set(
        Recipient.objects.filter(customer_id__in=customer_ids, reached_at__gte=since, holdout=False)
        .exclude(campaign=campaign)
        .values_list("customer_id", flat=True)
    )


def campaign_launch(*, campaign: Campaign | int, actor) -> Campaign:
    """draft → launched: snapshot the segment, keep the members who consent to at least one of
    the campaign's channels and were not reached by another campaign within the frequency cap,
    assign experiment arms, then send (after commit). Members left out are counted by reason."""

    def before(locked: Campaign) -> dict:
        run = segment_snapshot(segment=locked.segment)
        members = list(run.member_ids)
        consenting: dict[int, list[str]] = {cid: [] for cid in members}
        for channel in locked.channels:
            for cid in customer_selectors.customers_with_marketing_consent(
                customer_ids=members, channel=channel
            ):
                consenting[cid].append(channel)
        capped = _recently_reached(members, campaign=locked)
        experiment = Experiment.objects.filter(campaign=locked).first()
        regions = dict(Customer.objects.filter(pk__in=members).values_list("pk", "region"))
        now = clock.now()
        rows, skipped = [], {"no_consent": 0, "frequency_cap": 0}
        if locked.is_pilot:
            skipped["pilot_control"] = 0
        for cid in members:
            if not consenting[cid]:
                skipped["no_consent"] += 1
                continue
            if cid in capped:
                skipped["frequency_cap"] += 1
                continue
            group, channels = "", consenting[cid]
            if locked.is_pilot:
                if not in_pilot(locked, cid, region=regions.get(cid, ""), channels=channels):
                    skipped["pilot_control"] += 1
                    rows.append(
                        Recipient(
                            campaign=locked,
                            customer_id=cid,
                            channels=[],
                            holdout=True,
                            pilot_group=PilotGroup.CONTROL,
                            reached_at=now,
                        )
                    )
                    continue
                group = PilotGroup.PILOT
                if locked.pilot_channels:
                    channels = [ch for ch in channels if ch in locked.pilot_channels]
            arm = assign_arm(experiment, cid) if experiment else {}
            rows.append(
                Recipient(
                    campaign=locked,
                    customer_id=cid,
                    arm=arm.get("name", ""),
                    holdout=bool(arm.get("holdout")),
                    channels=channels,
                    pilot_group=group,
                    reached_at=now,
                )
            )
        Recipient.objects.bulk_create(rows)
        locked.segment_run = run
        locked.launched_at = now
        locked.skipped = skipped
        reached = sum(1 for row in rows if row.pilot_group != PilotGroup.CONTROL)
        return {"members": run.member_count, "recipients": reached, **skipped}

    launched = run_transition(
        campaign,
        "launch",
        actor=actor,
        model=Campaign,
        before=before,
        fields=("segment_run", "launched_at", "skipped"),
    )
    from marketing import tasks

    enqueue_on_commit(tasks.send_campaign, launched.pk)
    return launched


def _site_url(path: str) -> str:
    return settings.LOANHUB_SITE_URL.rstrip("/") + path


def _texts(campaign: Campaign, arm_name: str, language: str) -> tuple[str, str]:
    body = campaign.template_en if language == "en" else campaign.template_zh
    subject = campaign.subject_en if language == "en" else campaign.subject_zh
    experiment = Experiment.objects.filter(campaign=campaign).first()
    if experiment is not None:
        arm = next((a for a in experiment.arms if a.get("name") == arm_name), {})
        body = arm.get("template_en" if language == "en" else "template_zh") or body
    return subject, body


def landing_link(recipient: Recipient, channel: str) -> str:
    query = urlencode(
        {
            "utm_source": channel,
            "utm_medium": "campaign",
            "utm_campaign": recipient.campaign.code,
            "r": signing.dumps(recipient.pk, salt=RECIPIENT_SALT),
        }
    )
    return _site_url(reverse("marketing:landing", args=[recipient.campaign.code])) + "?" + query


_UNSUBSCRIBE_FOOTER = {"zh-hans": "退订：{url}", "en": "Unsubscribe: {url}"}


def campaign_send(*, campaign_id: int) -> int:
    """Send the launched campaign's messages that were not sent yet; returns how many were sent
    now. Consent is checked again per channel; the dedupe keys make a second run send nothing."""
    campaign = Campaign.objects.select_related("promotion").get(pk=campaign_id)
    recipients = list(
        Recipient.objects.filter(campaign=campaign, holdout=False).select_related(
            "customer__user", "campaign"
        )
    )
    ids = [r.customer_id for r in recipients]
    consent = {
        channel: customer_selectors.customers_with_marketing_consent(customer_ids=ids, channel=channel)
        for channel in campaign.channels
    }
    sent = 0
    chooser = personalise.ProductChooser(campaign, customer_ids=ids)
    for recipient in recipients:
        customer = recipient.customer
        language = customer_selectors.customer_language(customer=customer)
        subject, body = _texts(campaign, recipient.arm, language)
        offer = ""
        if campaign.promotion is not None:
            offer = campaign.promotion.name_en if language == "en" else campaign.promotion.name_zh
        personal = {"name": personalise.recipient_name(customer)}
        if recipient.channels and personalise.uses_product(subject, body):
            personal.update(chooser.context(customer, language=language))
        for channel in recipient.channels:
            if customer.pk not in consent.get(channel, set()):
                continue  # withdrawn since the launch: honoured at once
            address = {"email": customer.email, "sms": customer.phone, "portal": ""}[channel]
            if channel != "portal" and not address:
                continue
            token = marketing_consent.marketing_unsubscribe_token(customer=customer, channel=channel)
            unsubscribe = _site_url(reverse("customers:unsubscribe", args=[token]))
            context = {
                **personal,
                "offer": offer,
                "link": landing_link(recipient, channel),
                "unsubscribe": unsubscribe,
            }
            text = body
            if "unsubscribe" not in body:
                text = body + "\n\n" + _UNSUBSCRIBE_FOOTER[language].format(url="{{ unsubscribe }}")
            with transaction.atomic():
                _message, created = notifications.message_send(
                    user=customer.user,
                    channel=channel,
                    dedupe_key=f"campaign:{campaign.pk}:customer:{customer.pk}:{channel}",
                    subject=subject,
                    body=text,
                    context=context,
                    address=address,
                    language=language,
                    optional=True,
                )
                if created:
                    Touch.objects.create(
                        customer=customer,
                        kind=TouchKind.MESSAGE,
                        channel=channel,
                        campaign=campaign,
                        utm_source=channel,
                        utm_medium="campaign",
                        utm_campaign=campaign.code,
                        occurred_at=clock.now(),
                    )
                    sent += 1
    logger.info("campaign %s: %s messages sent", campaign.pk, sent)
    return sent


# --- touches and attribution -------------------------------------------------------------------
def new_visitor_id() -> str:
    return uuid.uuid4().hex


def touch_record_landing(
    *, code: str, params, customer=None, visitor_id: str = ""
) -> tuple[Touch | None, Campaign | None]:
    """Log a landing from a campaign link (code "c<id>") or a partner/UTM link; the customer is the
    signed-in one or the recipient named by the link's signed `r`. Unknown codes log nothing."""
    campaign = None
    if code.startswith("c") and code[1:].isdigit():
        campaign = Campaign.objects.filter(pk=int(code[1:])).first()
    partner = (params.get("partner") or "")[:32]
    if campaign is None and not partner and not params.get("utm_source"):
        return None, None
    if customer is None and params.get("r") and campaign is not None:
        try:
            recipient_id = signing.loads(params["r"], salt=RECIPIENT_SALT)
            recipient = Recipient.objects.filter(pk=recipient_id, campaign=campaign).first()
            customer = recipient.customer if recipient else None
        except signing.BadSignature:
            customer = None
    channel = MarketingChannel.PARTNER if partner else MarketingChannel.WEB
    touch = Touch.objects.create(
        customer=customer,
        visitor_id=visitor_id[:40],
        kind=TouchKind.LANDING,
        channel=channel,
        campaign=campaign,
        utm_source=(params.get("utm_source") or "")[:64],
        utm_medium=(params.get("utm_medium") or "")[:64],
        utm_campaign=(params.get("utm_campaign") or (campaign.code if campaign else ""))[:64],
        partner_code=partner,
        occurred_at=clock.now(),
    )
    return touch, campaign


def touch_record_event(*, customer, campaign: Campaign | None = None, actor) -> Touch:
    """A branch event attended by the customer (recorded by marketing staff)."""
    if not may(actor, "marketing.add_touch"):
        raise MarketingForbidden(_("Your role may not record touches."))
    return Touch.objects.create(
        customer=customer,
        kind=TouchKind.EVENT,
        channel=MarketingChannel.BRANCH,
        campaign=campaign,
        occurred_at=clock.now(),
    )


def touch_record_quote(*, user, cookies, product_code: str) -> Touch | None:
    """products.hooks listener: a signed-in customer or a tracked visitor (the landing's cookie)
    asked for a quote — the funnel's "quoted" stage. Credited to the campaign of their latest
    landing in the attribution window; at most one a day per customer (or visitor) and product.
    Untracked anonymous callers (no cookie) and staff log nothing."""
    visitor_id = (cookies.get(VISITOR_COOKIE) or "")[:40]
    if not user.is_authenticated and not visitor_id:
        return None
    now = clock.now()
    since = now - dt.timedelta(days=settings.MARKETING_ATTRIBUTION_DAYS)
    # A customer's touches through their user: a repeated quote (most are) is one query.
    mine = (
        Touch.objects.filter(customer__user=user)
        if user.is_authenticated
        else Touch.objects.filter(visitor_id=visitor_id)
    )
    today = clock.local_date(now)
    if any(
        clock.local_date(at) == today
        for at in mine.filter(
            kind=TouchKind.QUOTE, utm_campaign=product_code[:64], occurred_at__gte=now - dt.timedelta(days=1)
        ).values_list("occurred_at", flat=True)
    ):
        return None
    customer = customer_selectors.customer_for_user(user) if user.is_authenticated else None
    if customer is None and user.is_authenticated:  # staff
        return None
    whose = Q(customer=customer) if customer is not None else Q(pk__in=[])
    if visitor_id:
        whose |= Q(visitor_id=visitor_id)
    landing = (  # the browser's landings count too: a recipient's link was followed signed out
        Touch.objects.filter(whose)
        .filter(kind=TouchKind.LANDING, occurred_at__gte=since, occurred_at__lte=now)
        .order_by("-occurred_at", "-id")
        .values("campaign_id", "channel")
        .first()
    )
    return Touch.objects.create(
        customer=customer,
        visitor_id=visitor_id,
        kind=TouchKind.QUOTE,
        channel=landing["channel"] if landing else MarketingChannel.WEB,
        campaign_id=landing["campaign_id"] if landing else None,
        utm_campaign=product_code[:64],
        occurred_at=now,
    )


def touches_merge(*, visitor_id: str, customer) -> int:
    """Give the anonymous visitor's touches to the customer who signed in; returns how many."""
    if not visitor_id:
        return 0
    return Touch.objects.filter(visitor_id=visitor_id, customer__isnull=True).update(customer=customer)


def touches_merge_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: merge the browser's visitor touches into the customer."""
    visitor_id = request.COOKIES.get(VISITOR_COOKIE, "") if request is not None else ""
    customer = customer_selectors.customer_for_user(user) if visitor_id else None
    if customer is not None:
        touches_merge(visitor_id=visitor_id, customer=customer)


def _attributed_touches(application) -> list[dict]:
    """The customer's contacts in the look-back window before the submission, oldest first."""
    at = application.submitted_at or clock.now()
    since = at - dt.timedelta(days=settings.MARKETING_ATTRIBUTION_DAYS)
    return list(
        Touch.objects.filter(customer_id=application.customer_id, occurred_at__gte=since, occurred_at__lte=at)
        .exclude(kind=TouchKind.QUOTE)  # the customer's own step in the funnel, not a contact
        .order_by("occurred_at", "id")
        .values("id", "partner_code")
    )


def _latest_partner(touches: list[dict]) -> str:
    return next((t["partner_code"] for t in reversed(touches) if t["partner_code"]), "")


def application_partner(*, application) -> str:
    """applications hook (at submission): the partner code of the applicant's latest partner
    landing in the attribution window ("" for none) — the application carries it."""
    return _latest_partner(_attributed_touches(application))


def attribution_record(*, application) -> Attribution:
    """applications hook (on submission): snapshot the customer's touches in the look-back window
    before the submission, first and last among them. Called again, it returns the first one."""
    existing = Attribution.objects.filter(application_id=application.pk).first()
    if existing is not None:
        return existing
    touches = _attributed_touches(application)
    partner = application.partner_code or _latest_partner(touches)
    return Attribution.objects.create(
        application_id=application.pk,
        customer_id=application.customer_id,
        first_touch_id=touches[0]["id"] if touches else None,
        last_touch_id=touches[-1]["id"] if touches else None,
        touch_ids=[t["id"] for t in touches],
        partner_code=partner,
        created_at=clock.now(),
    )
