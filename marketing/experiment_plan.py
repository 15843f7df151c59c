"""A campaign's experiment power plan before launch (shown on its admin page).

For the arms of the campaign's experiment: the members each arm needs to detect the minimum
detectable effect over the baseline rate (`marketing.stats.sample_size_per_arm`, two-sided, equal
arms), the audience the campaign would reach now (its segment's members who consent to one of its
channels; frequency caps and pilot limits may take more out at launch), whether that is enough,
and the smallest effect that audience can detect (the same function, searched over the effect).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from marketing import rules, stats
from marketing.models import Campaign, Experiment
from marketing.serializers import ExperimentPlanInputSerializer

DEFAULT_BASELINE = 0.05
DEFAULT_MDE = 0.02


def audience_now(campaign: Campaign) -> int:
    """The segment's members now who consent to at least one of the campaign's channels."""
    members = rules.evaluate(campaign.segment.rules)
    consenting: set[int] = set()
    for channel in campaign.channels:
        consenting |= customer_selectors.customers_with_marketing_consent(
            customer_ids=members, channel=channel
        )
    return len(consenting)


def smallest_detectable_effect(
    baseline: float, per_arm: int, *, alpha: float = 0.05, power: float = 0.8
) -> float | None:
    """The smallest absolute lift `per_arm` members per arm detect (to 0.0001), or None when not
    even the largest possible one is."""
    low, high = 0.0001, round(1 - baseline - 0.0001, 4)
    if (
        per_arm < 2
        or high <= low
        or stats.sample_size_per_arm(baseline, high, alpha=alpha, power=power) > per_arm
    ):
        return None
    if stats.sample_size_per_arm(baseline, low, alpha=alpha, power=power) <= per_arm:
        return low
    while high - low > 0.0001:  # sample_size_per_arm falls as the effect grows
        middle = round((low + high) / 2, 6)
        if stats.sample_size_per_arm(baseline, middle, alpha=alpha, power=power) <= per_arm:
            high = middle
        else:
            low = middle
    return round(high, 4)


def campaign_power_plan(campaign: Campaign, params=None) -> dict | None:
    """The plan of the campaign's experiment (None without one). `params` (the page's query) may
    set `baseline` and `mde`; invalid ones are reported in `errors` and the defaults used."""
    experiment = Experiment.objects.filter(campaign=campaign).first()
    if experiment is None or len(experiment.arms) < 2:
        return None
    params = params or {}
    asked = {
        "baseline": params.get("baseline") or DEFAULT_BASELINE,
        "mde": params.get("mde") or DEFAULT_MDE,
        "arms": len(experiment.arms),
    }
    serializer = ExperimentPlanInputSerializer(data=asked)
    errors = {}
    if not serializer.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in serializer.errors.items()}
        serializer = ExperimentPlanInputSerializer(
            data={"baseline": DEFAULT_BASELINE, "mde": DEFAULT_MDE, "arms": len(experiment.arms)}
        )
        serializer.is_valid(raise_exception=True)
    plan = dict(serializer.validated_data)
    per_arm = stats.sample_size_per_arm(
        plan["baseline"], plan["mde"], alpha=plan["alpha"], power=plan["power"]
    )
    audience = audience_now(campaign)
    return {
        **plan,
        "per_arm": per_arm,
        "total": per_arm * plan["arms"],
        "audience": audience,
        "enough": audience >= per_arm * plan["arms"],
        "smallest_effect": smallest_detectable_effect(
            plan["baseline"], audience // plan["arms"], alpha=plan["alpha"], power=plan["power"]
        ),
        "errors": errors,
        "note": _(
            "Two-sided test at a %(alpha)s significance level with %(power)s power, equal arms; the "
            "audience is the segment's members now who consent to one of the campaign's channels "
            "(frequency caps and pilot limits may take more out at launch)."
        )
        % {"alpha": f"{plan['alpha']:.0%}", "power": f"{plan['power']:.0%}"},
    }
