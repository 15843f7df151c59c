"""Recommendations for a signed-in customer (智能推荐), registered in products.hooks.

Personalised (with the customer's `personalised_recommendations` consent, unless they choose the
non-personalised list): the catalogue judges the products against the customer's own profile
(type, employment, age, income, region, segment tags; what the request states explicitly wins),
then each eligible product gets an affinity score from their history, each point with its reason:

- +2 the same purpose (category) as their last application;
- +1 a category they borrowed in before and repaid every installment due on time;
- +1 a product shaped for one of their segment tags (the version's target segments);
- +1 an offer (promotion) applies to them in the quote;
- −3 a product they already hold an active loan of.

Eligible products are ranked by affinity (highest first), then by total cost and APR, as the
catalogue does. Non-personalised (no consent, or the customer's choice — PIPL art. 24(2)): only
what the request states is judged, and the eligible products are listed in the catalogue's
featured order (products.featured), the same for everyone; the figures are still the customer's
real quotes (the promotions their offer would carry), and the answer says which ranking it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

from applications.selectors import customer_application_history
from customers import selectors as customer_selectors
from loanhub import clock
from loanhub.formatting import cny_text
from products import choices as pc
from products import services as product_services
from products.featured import featured_order
from products.quotes import Profile, Recommendation
from servicing import selectors as servicing_selectors

BASIS_HISTORY = "profile_and_history"
BASIS_FEATURED = "featured_order"


def _age(born: dt.date | None, today: dt.date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def customer_profile(customer, profile: Profile, *, today: dt.date) -> Profile:
    """`profile` with the customer's own attributes where the request left them out."""
    own = {
        "customer_type": customer.customer_type or None,
        "employment_type": customer.employment_type or None,
        "age": _age(customer.date_of_birth, today),
        "monthly_income": customer.monthly_income,
        "region": customer.region or None,
    }
    filled = {
        name: value
        for name, value in own.items()
        if getattr(profile, name) is None and value is not None and value != ""
    }
    return dataclasses.replace(profile, **filled)


def _category_label(value: str) -> str:
    return str(pc.Category(value).label) if value in pc.Category.values else value


def _affinity(recommendation: Recommendation, facts: dict) -> tuple[int, list[str]]:
    version = recommendation.version
    score, reasons = 0, []
    last = facts["last_application"]
    if last is not None and version.category == last["category"]:
        score += 2
        reasons.append(
            _("the same purpose as your last application (%(amount)s over %(term)s months)")
            % {"amount": cny_text(last["amount"], places=0), "term": last["term"]}
        )
    if version.category in facts["repaid_on_time_categories"]:
        score += 1
        reasons.append(
            _("you repaid all %(count)s installments due on time on your %(category)s loan")
            % {"count": facts["installments_due"], "category": _category_label(version.category)}
        )
    shared = [tag for tag in version.segments if tag in facts["tags"] and tag in pc.Segment.values]
    if shared:
        score += 1
        reasons.append(
            _("made for %(segments)s, like you")
            % {"segments": ", ".join(str(pc.Segment(tag).label) for tag in shared)}
        )
    if recommendation.quote is not None and recommendation.quote.price.promotions_applied:
        score += 1
        reasons.append(
            _("an offer applies to you: %(offers)s")
            % {"offers": ", ".join(recommendation.quote.price.promotions_applied)}
        )
    if version.product.code in facts["held"]:
        score -= 3
        reasons.append(_("you already have an active loan of this product"))
    return score, reasons


def customer_facts(customer, *, today: dt.date) -> dict:
    """What the personalised ranking reads of the customer's history."""
    history = customer_application_history(customer_id=customer.pk)
    record = servicing_selectors.customer_repayment_record(customer_id=customer.pk, today=today)
    all_on_time = record["installments_due"] > 0 and record["paid_on_time"] == record["installments_due"]
    return {
        "last_application": history[0] if history else None,
        "amounts_asked": [row["amount"] for row in history],
        "held": {loan["product"] for loan in record["loans"] if loan["status"] == "active"},
        "repaid_on_time_categories": {loan["category"] for loan in record["loans"]} if all_on_time else set(),
        "installments_due": record["installments_due"],
        "tags": set(servicing_selectors.customer_segments_now(customer)),
    }


def _ranked(results: list[Recommendation], key) -> list[Recommendation]:
    eligible = sorted((r for r in results if r.eligible), key=key)
    return eligible + [r for r in results if not r.eligible]


def recommend_for_customer(*, user, profile: Profile, versions, personalised: bool = True) -> dict | None:
    """products.hooks recommender: see the module's docstring. None for a user without a profile."""
    customer = customer_selectors.customer_for_user(user)
    if customer is None:
        return None
    today = clock.today()
    versions = list(versions)
    consent = customer_selectors.marketing_consent_get(customer=customer)["personalised_recommendations"]
    if consent and personalised:
        facts = customer_facts(customer, today=today)
        results = product_services.product_recommend(
            profile=customer_profile(customer, profile, today=today), versions=versions, on_date=today
        )
        for recommendation in results:
            if recommendation.eligible:
                score, reasons = _affinity(recommendation, facts)
                recommendation.affinity = score
                recommendation.reasons[:0] = reasons
        ranked = _ranked(
            results, key=lambda r: (-r.affinity, r.quote.total_cost, r.quote.apr, r.version.product.code)
        )
        notice = _(
            "Personalised for you from your profile and history: the products you hold, your repayment "
            "record, your last application and your segments. You can switch to the list that is the "
            "same for everyone."
        )
        return {
            "personalised": True,
            "basis": BASIS_HISTORY,
            "notice": notice,
            "consent": consent,
            "recommendations": ranked,
        }
    results = product_services.product_recommend(profile=profile, versions=versions, on_date=today)
    order = {version.pk: n for n, (version, _quote) in enumerate(featured_order(versions, on_date=today))}
    ranked = _ranked(results, key=lambda r: order.get(r.version.pk, len(order)))
    if consent:
        notice = _(
            "Not personalised, as you chose: the products that fit the details you entered, in the "
            "catalogue's featured order, without using your profile or history."
        )
    else:
        notice = _(
            "Not personalised: you have not agreed to personalised recommendations, so the products that "
            "fit the details you entered are listed in the catalogue's featured order, without using your "
            "profile or history."
        )
    return {
        "personalised": False,
        "basis": BASIS_FEATURED,
        "notice": notice,
        "consent": consent,
        "recommendations": ranked,
    }


def recommendation_defaults(*, user) -> dict:
    """The page's prefill for a consenting customer: the amount and term of their last application."""
    customer = customer_selectors.customer_for_user(user)
    if customer is None:
        return {}
    if not customer_selectors.marketing_consent_get(customer=customer)["personalised_recommendations"]:
        return {}
    history = customer_application_history(customer_id=customer.pk)
    if not history:
        return {}
    return {"amount": history[0]["amount"], "term": history[0]["term"]}


recommend_for_customer.defaults = recommendation_defaults
