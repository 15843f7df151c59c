"""A product promotion piloted on its own (试点): no campaign message, the promotion itself is
limited to a pilot group while the other eligible customers are its control.

    promotion_pilot_create (Marketing Manager)  → draft: product, promotion code, the segment of
        eligible customers, and the pilot's limits (regions, sales channels, a share 1–100 %)
    promotion_pilot_start                       → running: the segment is snapshotted and each member
        is put in the pilot group or the control (services.pilot_admits, the campaigns' own rule:
        stable per customer; a channel limit admits the members who came through one of its
        sales channels — an application or a touch on it — so the others are the control); the
        catalogue now applies the promotion to the pilot group only,
        through the pilot's channels (products.hooks, registered in marketing.apps)
    promotion_pilot_end                         → ended: the promotion is no longer limited

The pilot's funnel beside the control's: marketing.selectors.promotion_pilot_comparison.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from customers.models import Customer
from loanhub import clock
from loanhub.permissions import may
from loanhub.queries import CompiledRead
from loanhub.transitions import run_transition
from marketing import services
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import (
    MarketingChannel,
    PilotGroup,
    PilotMember,
    PromotionPilot,
    PromotionPilotState,
    Segment,
    Touch,
)
from products.choices import Channel
from products.services import catalogue_changed  # cached catalogue pages show prices afresh


def _promotion_errors(product_code: str, promotion_code: str) -> dict[str, list[str]]:
    from products.selectors import product_get_by_code, product_versions

    if product_get_by_code(code=product_code) is None:
        return {"product_code": [_("No such product.")]}
    codes = {p.code for version in product_versions(code=product_code) for p in version.promotions.all()}
    if promotion_code not in codes:
        return {"promotion_code": [_("The product has no promotion with this code.")]}
    return {}


def promotion_pilot_errors(*, product_code: str, promotion_code: str, regions, channels, share) -> None:
    """MarketingInvalid with the field errors of a pilot: the product and its promotion exist, the
    limits are valid (the campaigns' own check, on the catalogue's sales channels), and at least
    one limit is set — a pilot limited by nothing would have no control."""
    errors = _promotion_errors(product_code.strip().upper(), promotion_code.strip())
    limits: dict[str, list[str]] = {}
    services.pilot_errors(regions, channels, share, channels=list(Channel.values), errors=limits)
    for key, messages in limits.items():
        errors[key.removeprefix("pilot_")] = messages
    if not regions and not channels and share is None and "share" not in errors:
        errors["share"] = [_("Limit the pilot by region, channel or share, or it has no control.")]
    if errors:
        raise MarketingInvalid(errors)


def promotion_pilot_create(
    *,
    actor,
    name: str,
    product_code: str,
    promotion_code: str,
    segment: Segment,
    regions: list[str] | None = None,
    channels: list[str] | None = None,
    share: int | None = None,
) -> PromotionPilot:
    """A draft pilot of a product's promotion (Marketing Manager). At least one limit is needed:
    a pilot limited by nothing would have no control."""
    if not may(actor, "marketing.add_promotionpilot"):
        raise MarketingForbidden(_("Your role may not pilot promotions."))
    if not (name or "").strip():
        raise MarketingInvalid({"name": [_("A pilot needs a name.")]})
    product_code = (product_code or "").strip().upper()
    promotion_code = (promotion_code or "").strip()
    promotion_pilot_errors(
        product_code=product_code,
        promotion_code=promotion_code,
        regions=regions,
        channels=channels,
        share=share,
    )
    return PromotionPilot.objects.create(
        name=name.strip(),
        product_code=product_code,
        promotion_code=promotion_code,
        segment=segment,
        regions=list(dict.fromkeys(r.strip() for r in regions or [])),
        channels=list(dict.fromkeys(channels or [])),
        share=share,
        created_by=actor,
    )


def _came_through(member_ids: list[int], channels: list[str]) -> set[int]:
    """The members who came to us through one of the sales `channels`: a submitted application
    through it, or a marketing touch on it (a web or partner landing, a branch event)."""
    from applications.selectors import customers_with_applications

    if not channels:
        return set()
    members = Customer.objects.filter(pk__in=member_ids)
    applied = members.filter(pk__in=customers_with_applications(channels=channels))
    touched = Touch.objects.filter(
        customer_id__in=member_ids, channel__in=[c for c in channels if c in MarketingChannel.values]
    )
    return set(applied.values_list("pk", flat=True)) | set(touched.values_list("customer_id", flat=True))


def promotion_pilot_start(*, pilot: PromotionPilot | int, actor) -> PromotionPilot:
    """draft → running: snapshot the segment and split its members into the pilot group and the
    control (one promotion runs at most one pilot at a time: 409 otherwise)."""
    from loanhub.errors import Conflict

    def before(locked: PromotionPilot) -> dict:
        if PromotionPilot.objects.filter(
            product_code=locked.product_code,
            promotion_code=locked.promotion_code,
            state=PromotionPilotState.RUNNING,
        ).exists():
            raise Conflict(_("This promotion is already in a running pilot."))
        run = services.segment_snapshot(segment=locked.segment)
        regions = dict(Customer.objects.filter(pk__in=run.member_ids).values_list("pk", "region"))
        through = _came_through(run.member_ids, locked.channels)
        now = clock.now()
        rows = [
            PilotMember(
                pilot=locked,
                customer_id=cid,
                group=PilotGroup.PILOT
                if services.pilot_admits(
                    key=f"promotion-pilot:{locked.pk}",
                    regions=locked.regions,
                    channels=locked.channels,
                    share=locked.share,
                    customer_id=cid,
                    region=regions.get(cid, ""),
                    # Channel-limited: a member is in the channel split when they came to us
                    # through one of its channels; the others are the control.
                    customer_channels=list(locked.channels) if cid in through else [],
                )
                else PilotGroup.CONTROL,
                assigned_at=now,
            )
            for cid in run.member_ids
        ]
        PilotMember.objects.bulk_create(rows)
        locked.segment_run = run
        locked.started_at = now
        pilot_size = sum(1 for row in rows if row.group == PilotGroup.PILOT)
        return {"members": len(rows), "pilot": pilot_size, "control": len(rows) - pilot_size}

    started = run_transition(
        pilot, "start", actor=actor, model=PromotionPilot, before=before, fields=("segment_run", "started_at")
    )
    catalogue_changed()
    return started


def promotion_pilot_end(*, pilot: PromotionPilot | int, actor) -> PromotionPilot:
    """running → ended: the promotion is no longer limited to the pilot group (to withdraw it,
    a product manager removes it from the product in a new version)."""

    def before(locked: PromotionPilot) -> None:
        locked.ended_at = clock.now()

    ended = run_transition(
        pilot, "end", actor=actor, model=PromotionPilot, before=before, fields=("ended_at",)
    )
    # Everyone eligible gets the promotion from now on: cached pages and quotes price afresh.
    catalogue_changed()
    return ended


# --- what the catalogue asks (products.hooks) ------------------------------------------------------
def running_pilots() -> dict[tuple[str, str], tuple[str, ...]]:
    """The promotions under a running pilot and the sales channels each is limited to."""
    return {
        (product, code): tuple(channels)
        for product, code, channels in PromotionPilot.objects.filter(
            state=PromotionPilotState.RUNNING
        ).values_list("product_code", "promotion_code", "channels")
    }


def customer_pilots(*, customer_id: int) -> list[tuple[str, str]]:
    """The running pilots whose pilot group the customer is in: (product, promotion code)."""
    return _PILOTS.rows(customer_id)


# Asked for every signed-in quote: compiled once (loanhub.queries).
_PILOTS = CompiledRead(
    lambda customer_id: PilotMember.objects.filter(
        customer_id=customer_id, group=PilotGroup.PILOT, pilot__state=PromotionPilotState.RUNNING
    ).values_list("pilot__product_code", "pilot__promotion_code")
)
