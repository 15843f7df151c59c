"""Reads of the marketing app: recipients (masked), the funnel, attribution and experiment results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from applications.selectors import application_funnel_facts
from customers.masking import mask_counterparty
from loanhub import clock
from loanhub.money import quantize_money
from loanhub.queries import CompiledRead
from marketing import attribution as models_of_attribution
from marketing import stats
from marketing.models import (
    Attribution,
    Campaign,
    CampaignState,
    ContactEntry,
    Experiment,
    FollowUp,
    NpsSurvey,
    PilotGroup,
    PilotMember,
    PromotionPilot,
    Recipient,
    Segment,
    Suggestion,
    Touch,
    TouchKind,
)
from servicing.selectors import loans_on_time_after_months, loans_revenue


def customer_invitations(*, customer_id: int) -> list[str]:
    """The promotion codes of the launched campaigns that reached the customer (products.hooks).

    Only recipients, so only consenting members of the segment; an experiment's holdout arm was
    sent nothing and is offered nothing. The promotion's own dates still decide when it applies.
    """
    return sorted({code for (code,) in _INVITATIONS.rows(customer_id)})


# Asked for every signed-in quote: compiled once (loanhub.queries).
_INVITATIONS = CompiledRead(
    lambda customer_id: Recipient.objects.filter(
        customer_id=customer_id,
        holdout=False,
        campaign__state=CampaignState.LAUNCHED,
        campaign__promotion__isnull=False,
    ).values_list("campaign__promotion__code")
)


def campaign_rewards_for_application(*, customer_id: int, submitted_at) -> list[tuple[int, int]]:
    """(campaign id, points) of the launched campaigns with reward points that messaged the
    customer (holdouts and a pilot's control apart) before `submitted_at` (marketing.rewards)."""
    return list(
        Recipient.objects.filter(
            customer_id=customer_id,
            holdout=False,
            reached_at__lte=submitted_at,
            campaign__state=CampaignState.LAUNCHED,
            campaign__reward_points__gt=0,
        )
        .order_by("campaign_id")
        .values_list("campaign_id", "campaign__reward_points")
    )


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.order_by("id")


def campaign_console_summary(*, limit: int = 5) -> dict:
    """The marketing managers' start page: campaigns per state (one aggregate query) and the
    latest launched campaigns."""
    counts = Campaign.objects.aggregate(
        **{state: Count("id", filter=Q(state=state)) for state in CampaignState.values}
    )
    labels = dict(CampaignState.choices)
    latest = list(
        Campaign.objects.filter(state=CampaignState.LAUNCHED).order_by("-launched_at", "-id")[:limit]
    )
    return {"states": [(labels[state], counts[state]) for state in CampaignState.values], "latest": latest}


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("segment").order_by("-id")


def recipient_list(*, campaign: Campaign) -> list[dict]:
    """The customers the campaign reached: ids and masked names only."""
    rows = (
        Recipient.objects.filter(campaign=campaign)
        .order_by("id")
        .values("customer_id", "customer__legal_name", "arm", "holdout", "channels", "reached_at")
    )
    return [
        {
            "customer": row["customer_id"],
            "name": mask_counterparty(row["customer__legal_name"]),
            "arm": row["arm"],
            "holdout": row["holdout"],
            "channels": row["channels"],
            "reached_at": row["reached_at"],
        }
        for row in rows
    ]


FUNNEL_STAGES = ("reached", "visited", "quoted", "applied", "approved", "disbursed", "on_time_3m")
ON_TIME_MONTHS = 3


def _conversions(campaign: Campaign) -> dict[int, dict]:
    """Per recipient customer: whether they visited a landing of the campaign, asked for a quote
    after being reached, and their first application submitted after the launch with its
    milestones — up to its loan having no installment paid late in its first three months
    (servicing's answer; not yet counted while those months run)."""
    recipients = dict(Recipient.objects.filter(campaign=campaign).values_list("customer_id", "reached_at"))
    if campaign.launched_at is None:  # a draft reached nobody: nothing converted
        return {}
    visited = set(
        Touch.objects.filter(
            campaign=campaign, kind=TouchKind.LANDING, customer_id__in=list(recipients)
        ).values_list("customer_id", flat=True)
    )
    return _outcomes(starts=recipients, since=campaign.launched_at, visited=visited)


def _outcomes(
    *, starts: dict[int, dt.datetime], since: dt.datetime, visited: set[int], product_code: str = ""
) -> dict[int, dict]:
    """The funnel milestones of customers each counted from their own start (reached, assigned):
    `visited` as given, a quote asked after the start, and the first application submitted after
    it (of `product_code` only, when given) with its milestones."""
    quoted = {
        cid
        for cid, at in Touch.objects.filter(
            kind=TouchKind.QUOTE, customer_id__in=list(starts), occurred_at__gte=since
        ).values_list("customer_id", "occurred_at")
        if at >= starts[cid]
    }
    facts: dict[int, dict] = {}
    for row in application_funnel_facts(customer_ids=list(starts), since=since):
        if product_code and row["product_code"] != product_code:
            continue
        if row["submitted_at"] >= starts[row["customer_id"]]:
            facts.setdefault(row["customer_id"], row)  # the first application after the start
    origins = {cid: row["origin_ref"] for cid, row in facts.items() if row["disbursed_at"] is not None}
    on_time = loans_on_time_after_months(origin_refs=origins.values(), months=ON_TIME_MONTHS)
    return {
        cid: {
            "visited": cid in visited,
            "quoted": cid in quoted,
            "applied": cid in facts,
            "approved": cid in facts and facts[cid]["approved_at"] is not None,
            "disbursed": cid in facts and facts[cid]["disbursed_at"] is not None,
            "on_time_3m": cid in origins and on_time.get(origins[cid]) is True,
            "origin": origins.get(cid),  # the loan's origin reference once disbursed (revenue)
        }
        for cid in starts
    }


def _stages(outcomes) -> list[dict]:
    """Each stage's count among `outcomes` and its conversion from the stage before."""
    outcomes = list(outcomes)
    counts = {"reached": len(outcomes)}
    for stage in FUNNEL_STAGES[1:]:
        counts[stage] = sum(1 for o in outcomes if o[stage])
    stages = []
    previous = None
    for stage in FUNNEL_STAGES:
        rate = None if previous in (None, 0) else counts[stage] / previous
        stages.append({"stage": stage, "count": counts[stage], "rate_from_previous": rate})
        previous = counts[stage]
    return stages


def _messaged_outcomes(campaign: Campaign, outcomes: dict[int, dict] | None = None) -> dict[int, dict]:
    """The outcomes of the campaign's messaged recipients (its holdout arm and a pilot's control
    apart)."""
    holdouts = set(
        Recipient.objects.filter(campaign=campaign, holdout=True).values_list("customer_id", flat=True)
    )
    outcomes = _conversions(campaign) if outcomes is None else outcomes
    return {cid: o for cid, o in outcomes.items() if cid not in holdouts}


def _control_outcomes(campaign: Campaign, outcomes: dict[int, dict]) -> dict[int, dict]:
    """The outcomes of a pilot's control: eligible members it did not reach (a funnel of the same
    stages, from `reached` = in the control group)."""
    control = set(
        Recipient.objects.filter(campaign=campaign, pilot_group=PilotGroup.CONTROL).values_list(
            "customer_id", flat=True
        )
    )
    return {cid: o for cid, o in outcomes.items() if cid in control}


def pilot_comparison(*, campaign: Campaign, outcomes: dict[int, dict] | None = None) -> dict | None:
    """A pilot's funnel beside its control's (None for a campaign that is no pilot): the stages of
    each group and, per stage, the share of the group that got there. A control limited by region
    or channel is not a random one: compare with care (only a share split randomises)."""
    if not campaign.is_pilot:
        return None
    outcomes = _conversions(campaign) if outcomes is None else outcomes
    groups = {
        PilotGroup.PILOT.value: _messaged_outcomes(campaign, outcomes),
        PilotGroup.CONTROL.value: _control_outcomes(campaign, outcomes),
    }
    return _side_by_side(
        groups,
        regions=campaign.pilot_regions,
        channels=campaign.pilot_channels,
        share=campaign.pilot_share,
        randomised=not campaign.pilot_regions and not campaign.pilot_channels,
    )


def _side_by_side(groups: dict[str, dict[int, dict]], **limits) -> dict:
    """A pilot's and its control's funnels (campaign or promotion pilots alike): each group's
    stages and, per stage, the share of the group that got there."""
    result = dict(limits)
    for name, group in groups.items():
        stages = _stages(group.values())
        size = stages[0]["count"]
        for stage in stages:
            stage["share_of_group"] = None if not size else stage["count"] / size
        result[name] = stages
    return result


def _promotion_pilot_groups(pilot: PromotionPilot) -> dict[str, dict[int, dict]]:
    """The outcomes of a promotion pilot's members by group, each counted from its assignment:
    a landing visited, a quote asked, and the first application for the pilot's product."""
    members = list(PilotMember.objects.filter(pilot=pilot).values_list("customer_id", "assigned_at", "group"))
    if pilot.started_at is None:
        return {PilotGroup.PILOT.value: {}, PilotGroup.CONTROL.value: {}}
    starts = {cid: at for cid, at, _group in members}
    visited = set(
        Touch.objects.filter(
            kind=TouchKind.LANDING, customer_id__in=list(starts), occurred_at__gte=pilot.started_at
        ).values_list("customer_id", flat=True)
    )
    outcomes = _outcomes(
        starts=starts, since=pilot.started_at, visited=visited, product_code=pilot.product_code
    )
    groups: dict[str, dict[int, dict]] = {PilotGroup.PILOT.value: {}, PilotGroup.CONTROL.value: {}}
    for cid, _at, group in members:
        groups[group][cid] = outcomes[cid]
    return groups


def promotion_pilot_comparison(*, pilot: PromotionPilot) -> dict:
    """A promotion pilot's funnel beside its control's (the stages of marketing.selectors'
    funnel, `reached` being the members assigned to the group)."""
    return _side_by_side(
        _promotion_pilot_groups(pilot),
        pilot_id=pilot.pk,
        product=pilot.product_code,
        promotion=pilot.promotion_code,
        regions=pilot.regions,
        channels=pilot.channels,
        share=pilot.share,
        randomised=pilot.randomised,
    )


def campaign_funnel(*, campaign: Campaign) -> dict:
    """reached → visited → quoted → applied → approved → disbursed → on time after 3 months among
    the campaign's messaged members (holdouts apart), each stage's conversion from the one before,
    the cost per disbursed loan, and the revenue: interest, penalty interest and fees collected so
    far on their loans (servicing.selectors.loans_revenue)."""
    outcomes = _conversions(campaign)
    messaged = _messaged_outcomes(campaign, outcomes)
    stages = _stages(messaged.values())
    revenue = loans_revenue(origin_refs=[o["origin"] for o in messaged.values() if o["origin"]])
    disbursed = next(s["count"] for s in stages if s["stage"] == "disbursed")
    cost_per_disbursed = None
    if campaign.cost is not None and disbursed:
        cost_per_disbursed = quantize_money(campaign.cost / Decimal(disbursed))
    return {
        "campaign": campaign.pk,
        "stages": stages,
        "cost": campaign.cost,
        "cost_per_disbursed": cost_per_disbursed,
        "revenue": revenue,
        "skipped": campaign.skipped,
        "pilot": pilot_comparison(campaign=campaign, outcomes=outcomes),
    }


FUNNEL_GROUPINGS = ("campaign", "channel", "segment", "pilot")


def funnel_report(*, by: str = "channel") -> list[dict]:
    """The funnel over every launched campaign, grouped by campaign, by the channel a recipient
    was messaged on (one reached on two channels counts in both), or by the campaign's segment
    (a customer reached by two campaigns of a segment counts twice: a funnel of reaches), or by
    pilot: each pilot campaign's pilot and control groups side by side ("<id>:pilot",
    "<id>:control"; campaigns that are no pilot are left out) and each promotion pilot's groups
    ("promotion-<id>:pilot", "promotion-<id>:control")."""
    groups: dict[str, list[dict]] = defaultdict(list)
    labels: dict[str, str] = {}
    campaigns = Campaign.objects.filter(launched_at__isnull=False).select_related("segment").order_by("id")
    for campaign in campaigns:
        if by == "pilot":
            if campaign.is_pilot:
                everyone = _conversions(campaign)
                for name, group in (
                    (PilotGroup.PILOT, _messaged_outcomes(campaign, everyone)),
                    (PilotGroup.CONTROL, _control_outcomes(campaign, everyone)),
                ):
                    key = f"{campaign.pk}:{name.value}"
                    labels[key] = f"{campaign.name} · {name.label}"
                    groups[key].extend(group.values())
            continue
        outcomes = _messaged_outcomes(campaign)
        if by == "channel":
            channels = dict(
                Recipient.objects.filter(campaign=campaign, holdout=False).values_list(
                    "customer_id", "channels"
                )
            )
            for cid, outcome in outcomes.items():
                for channel in channels.get(cid) or []:
                    groups[channel].append(outcome)
                    labels[channel] = channel
        else:
            key = str(campaign.pk) if by == "campaign" else str(campaign.segment_id)
            labels[key] = campaign.name if by == "campaign" else campaign.segment.name
            groups[key].extend(outcomes.values())
    if by == "pilot":  # promotions piloted on their own, after the campaigns' pilots
        for pilot in PromotionPilot.objects.filter(started_at__isnull=False).order_by("id"):
            for name, group in _promotion_pilot_groups(pilot).items():
                key = f"promotion-{pilot.pk}:{name}"
                labels[key] = f"{pilot.name} · {PilotGroup(name).label}"
                groups[key].extend(group.values())
    return [{"key": key, "label": labels[key], "stages": _stages(groups[key])} for key in sorted(groups)]


def experiment_results(*, experiment: Experiment) -> dict:
    """Arms with assigned/converted/rate (converted: applied after the launch), the SRM check, and
    each arm against the first (the control) with the two-proportion test, its interval and the
    Holm-adjusted p-value over the comparisons."""
    outcomes = _conversions(experiment.campaign)
    by_arm: dict[str, list[int]] = defaultdict(list)
    for cid, arm in Recipient.objects.filter(campaign=experiment.campaign).values_list("customer_id", "arm"):
        by_arm[arm].append(cid)
    arms = [
        stats.Arm(
            name=arm["name"],
            assigned=len(by_arm.get(arm["name"], [])),
            converted=sum(1 for cid in by_arm.get(arm["name"], []) if outcomes[cid]["applied"]),
        )
        for arm in experiment.arms
    ]
    srm = stats.srm_p_value([arm.assigned for arm in arms])
    control = arms[0]
    comparisons = [{"arm": arm.name, **stats.two_proportions(control, arm)} for arm in arms[1:]]
    p_values = [c["p_value"] for c in comparisons if c["p_value"] is not None]
    adjusted = iter(stats.holm(p_values))
    for comparison in comparisons:
        comparison["p_value_holm"] = next(adjusted) if comparison["p_value"] is not None else None
    first = comparisons[0] if comparisons else {}
    return {
        "experiment": experiment.pk,
        "metric": "applied",
        "arms": [
            {"name": a.name, "assigned": a.assigned, "converted": a.converted, "rate": a.rate} for a in arms
        ],
        "srm_p_value": srm,
        "srm_flag": srm is not None and srm < stats.SRM_ALPHA,
        "control": control.name,
        "difference": first.get("difference"),
        "ci_low": first.get("ci_low"),
        "ci_high": first.get("ci_high"),
        "p_value": first.get("p_value"),
        "comparisons": comparisons,
    }


def attribution_report(*, model: str, by: str = "channel") -> list[dict]:
    """Credit for submitted applications by channel or campaign under an attribution model."""
    paths_of = list(Attribution.objects.values_list("touch_ids", flat=True))
    touch_ids = {tid for path in paths_of for tid in path}
    keys = {}
    for row in Touch.objects.filter(id__in=touch_ids).values("id", "channel", "campaign_id"):
        keys[row["id"]] = row["channel"] if by == "channel" else (row["campaign_id"] or "none")
    paths = [[keys[tid] for tid in path if tid in keys] for path in paths_of]
    credit = models_of_attribution.credit(paths, model)
    return [
        {"key": key, "applications": round(value, 6)}
        for key, value in sorted(credit.items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]


# --- CRM reads ----------------------------------------------------------------------------------


def follow_up_list(*, assigned_to=None, state: str | None = None) -> QuerySet[FollowUp]:
    """Follow-up tasks, earliest due first (an officer's own queue with `assigned_to`)."""
    tasks = FollowUp.objects.select_related("customer", "assigned_to").order_by("due_on", "id")
    if assigned_to is not None:
        tasks = tasks.filter(assigned_to=assigned_to)
    if state:
        tasks = tasks.filter(state=state)
    return tasks


def contact_list(*, customer_id: int) -> QuerySet[ContactEntry]:
    """A customer's contact log, newest first."""
    return (
        ContactEntry.objects.filter(customer_id=customer_id)
        .select_related("staff")
        .order_by("-occurred_at", "-id")
    )


def survey_list_of(*, customer_id: int) -> QuerySet[NpsSurvey]:
    return NpsSurvey.objects.filter(customer_id=customer_id).order_by("-sent_at", "-id")


def suggestion_queue(*, state: str | None = None) -> QuerySet[Suggestion]:
    """Customers' suggestions, oldest first (the product managers' queue: `state="new"`)."""
    rows = Suggestion.objects.select_related("customer").order_by("created_at", "id")
    return rows.filter(state=state) if state else rows


def _nps_row(scores: list[int]) -> dict:
    """Net Promoter Score of a list of 0–10 answers: % promoters (9–10) − % detractors (0–6),
    one decimal, half-up (Reichheld, "The One Number You Need to Grow", HBR 2003)."""
    responses = len(scores)
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    nps = None
    if responses:
        nps = (Decimal(100) * (promoters - detractors) / responses).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return {
        "responses": responses,
        "promoters": promoters,
        "passives": responses - promoters - detractors,
        "detractors": detractors,
        "nps": nps,
    }


def nps_report(*, moment: str | None = None) -> dict:
    """NPS overall, by month answered (the trend) and by product, from the answered surveys."""
    answered = NpsSurvey.objects.filter(answered_at__isnull=False)
    if moment:
        answered = answered.filter(moment=moment)
    rows = list(answered.values_list("answered_at", "product_code", "score"))
    by_month: dict[str, list[int]] = defaultdict(list)
    by_product: dict[str, list[int]] = defaultdict(list)
    for answered_at, product_code, score in rows:
        by_month[f"{clock.local_date(answered_at):%Y-%m}"].append(score)
        by_product[product_code].append(score)
    return {
        "overall": _nps_row([score for *_, score in rows]),
        "by_month": [{"month": month, **_nps_row(by_month[month])} for month in sorted(by_month)],
        "by_product": [{"product": code, **_nps_row(by_product[code])} for code in sorted(by_product)],
    }
