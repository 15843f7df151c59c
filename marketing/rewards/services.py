"""Writes of rewards: points earned, redeemed, reversed and expired; referral codes and their rewards.

Every points write locks the customer's RewardsAccount row (`select_for_update`), replays the
ledger into lots (`marketing.rewards.points.Book`), first writes the expiries that fell due, then
its own entry with a unique `key`, so a hook delivered twice or two requests at once never book
points twice or spend the same points twice.

Called from the lower apps through their registries (see `apps.RewardsConfig.ready`):
- servicing, when a repayment is posted or reversed: `points_on_repayment` brings the loan's
  on-time points in line with the loan as replayed — every installment settled in full by its due
  date has earned points once; one that a reversal took out again has its points reversed,
  exactly, even when they were spent (the balance may then go negative);
- servicing's close of business (installments settled from credit on their due date):
  `points_after_cob` enqueues the same for the loans due that day;
- applications, at disbursement: `referral_on_disbursement` rewards the referrer of a referee's
  first loan; at offer acceptance: `points_redeem_for_offer` spends points for a rate discount.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from loanhub import clock
from loanhub.celery import enqueue_on_commit
from loanhub.errors import Conflict, Invalid, NotFound
from marketing.rewards import points as book_
from marketing.rewards.models import EARN_KINDS, EntryKind, PointsEntry, Referral, RewardsAccount
from servicing import selectors as servicing_selectors

logger = logging.getLogger(__name__)

# Codes without the letters and digits people confuse (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

BOOK_KIND = {
    EntryKind.EARN_ON_TIME: book_.EARN,
    EntryKind.EARN_REFERRAL: book_.EARN,
    EntryKind.EARN_CAMPAIGN: book_.EARN,
    EntryKind.REDEEM: book_.REDEEM,
    EntryKind.REVERSE: book_.REVERSE,
    EntryKind.EXPIRE: book_.EXPIRE,
    EntryKind.REFUND: book_.REFUND,
}


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def account_for(*, customer_id: int) -> RewardsAccount:
    """The customer's rewards account, opened (with a new referral code) on first use."""
    account = RewardsAccount.objects.filter(customer_id=customer_id).first()
    if account is not None:
        return account
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return RewardsAccount.objects.create(customer_id=customer_id, referral_code=_new_code())
        except IntegrityError:
            # Another request opened it at the same moment, or (rarely) the code was taken.
            account = RewardsAccount.objects.filter(customer_id=customer_id).first()
            if account is not None:
                return account
    raise RuntimeError("could not draw a free referral code")


def _lock(customer_id: int) -> RewardsAccount:
    account = account_for(customer_id=customer_id)
    return RewardsAccount.objects.select_for_update().get(pk=account.pk)


def book_entry(entry: PointsEntry) -> book_.Entry:
    return book_.Entry(
        id=entry.pk,
        kind=BOOK_KIND[entry.kind],
        points=entry.points,
        on=entry.effective_on,
        expires_on=entry.expires_on,
        lot=entry.lot_id,
    )


def book_for(account: RewardsAccount) -> book_.Book:
    """The account's ledger replayed into lots."""
    return book_.Book.replay(book_entry(e) for e in account.entries.order_by("id"))


def _write(account: RewardsAccount, book: book_.Book, **fields) -> PointsEntry:
    entry = PointsEntry.objects.create(account=account, **fields)
    book.apply(book_entry(entry))
    return entry


def _catch_up(account: RewardsAccount, book: book_.Book, today: dt.date) -> None:
    """Write the expiries that fell due (each lot's points left on its expiry day)."""
    for lot in book.due_to_expire(today):
        _write(
            account,
            book,
            kind=EntryKind.EXPIRE,
            points=-lot.remaining,
            effective_on=lot.expires_on,
            lot_id=lot.id,
            key=f"expire:{lot.id}",
        )


def _open(customer_id: int) -> tuple[RewardsAccount, book_.Book, dt.date]:
    """Lock the account, replay it and bring its expiries to today (inside a transaction)."""
    account = _lock(customer_id)
    book = book_for(account)
    today = clock.today()
    _catch_up(account, book, today)
    return account, book, today


def _expiry(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.LOANHUB_POINTS_EXPIRY_DAYS)


# --- Earning on time, and reversal ---------------------------------------------------------------
def points_sync_loan(*, loan_id: int, customer_id: int) -> list[PointsEntry]:
    """Bring the loan's on-time points in line with the loan as last replayed: earn for every
    installment settled in full by its due date that holds no standing earning, reverse the
    earning of every installment that no longer is (its payment was reversed). Idempotent.
    Returns the entries written."""
    written: list[PointsEntry] = []
    with transaction.atomic():
        account, book, today = _open(customer_id)
        on_time = set(servicing_selectors.loan_installments_paid_on_time(loan_id=loan_id))
        earnings = list(
            PointsEntry.objects.filter(
                account=account, kind=EntryKind.EARN_ON_TIME, loan_id=loan_id
            ).order_by("id")
        )
        reversed_ids = set(
            PointsEntry.objects.filter(lot__in=earnings, kind=EntryKind.REVERSE).values_list(
                "lot_id", flat=True
            )
        )
        standing = {e.installment: e for e in earnings if e.pk not in reversed_ids}
        counts: dict[int, int] = {}
        for e in earnings:
            counts[e.installment] = counts.get(e.installment, 0) + 1
        per_installment = settings.LOANHUB_POINTS_PER_ON_TIME_INSTALLMENT
        for number in sorted(on_time - set(standing)):
            if per_installment <= 0:
                break
            written.append(
                _write(
                    account,
                    book,
                    kind=EntryKind.EARN_ON_TIME,
                    points=per_installment,
                    effective_on=today,
                    expires_on=_expiry(today),
                    loan_id=loan_id,
                    installment=number,
                    # The n-th earning of this installment (a reversed one may be earned again).
                    key=f"ontime:{loan_id}:{number}:{counts.get(number, 0) + 1}",
                )
            )
        for number in sorted(set(standing) - on_time):
            earning = standing[number]
            written.append(
                _write(
                    account,
                    book,
                    kind=EntryKind.REVERSE,
                    points=-earning.points,
                    effective_on=today,
                    lot_id=earning.pk,
                    loan_id=loan_id,
                    installment=number,
                    key=f"reverse:{earning.pk}",
                )
            )
    return written


def points_on_repayment(*, repayment) -> None:
    """servicing's hook after a repayment is posted or reversed (in its transaction)."""
    points_sync_loan(loan_id=repayment.loan_id, customer_id=repayment.loan.customer_id)


def points_after_cob(*, business_date: dt.date) -> None:
    """servicing's close-of-business hook: once the date is closed, sync the loans that had an
    installment due that day (early payments held as credit settle it on its due date).
    Off with LOANHUB_POINTS_AFTER_COB."""
    from marketing.rewards import tasks

    if not settings.LOANHUB_POINTS_AFTER_COB:
        return

    enqueue_on_commit(tasks.points_after_cob, business_date.isoformat())


def points_sync_due_on(*, business_date: dt.date) -> int:
    """Sync every loan with an installment due on `business_date`; the number of loans."""
    loans = servicing_selectors.loans_with_installments_due_on(business_date)
    for loan_id, customer_id in loans:
        points_sync_loan(loan_id=loan_id, customer_id=customer_id)
    return len(loans)


# --- Expiry --------------------------------------------------------------------------------------
def points_expire(*, customer_id: int) -> int:
    """Write the customer's expiries that fell due by today (idempotent); how many were written."""
    with transaction.atomic():
        account = _lock(customer_id)
        book = book_for(account)
        due = len(book.due_to_expire(clock.today()))
        _catch_up(account, book, clock.today())
    return due


def points_expire_due() -> int:
    """Beat job: expire every lot past its day with points left; the number of accounts touched."""
    today = clock.today()
    candidates = (
        PointsEntry.objects.filter(kind__in=EARN_KINDS, expires_on__lte=today)
        .exclude(pk__in=PointsEntry.objects.filter(kind=EntryKind.EXPIRE).values("lot_id"))
        .values_list("account__customer_id", flat=True)
        .distinct()
    )
    customers = sorted(set(candidates))
    for customer_id in customers:
        points_expire(customer_id=customer_id)
    return len(customers)


# --- Redemption ----------------------------------------------------------------------------------
def redemption_rule() -> dict[str, int]:
    return {
        "points_per_bp": settings.LOANHUB_POINTS_PER_BP,
        "max_discount_bps": settings.LOANHUB_POINTS_MAX_DISCOUNT_BPS,
    }


def points_redeem_for_offer(*, customer_id: int, application_id: int, points: int) -> int:
    """Spend `points` of the customer for a rate discount on application `application_id`'s
    offer; returns the discount in basis points (points / LOANHUB_POINTS_PER_BP, at most
    LOANHUB_POINTS_MAX_DISCOUNT_BPS). Called by applications inside the acceptance's transaction;
    Invalid on `redeem_points` (nothing written) when the points cannot buy a discount or are not
    there."""
    rule = redemption_rule()
    per_bp, cap = rule["points_per_bp"], rule["max_discount_bps"]
    if per_bp <= 0 or cap <= 0:
        raise Invalid({"redeem_points": [_("reward points cannot be redeemed for a discount now")]})
    if points <= 0 or points % per_bp:
        raise Invalid(
            {
                "redeem_points": [
                    _("must be a multiple of %(per)s points (%(per)s points buy 0.01 %%)") % {"per": per_bp}
                ]
            }
        )
    bps = points // per_bp
    if bps > cap:
        raise Invalid(
            {
                "redeem_points": [
                    _("at most %(points)s points (a discount of %(bps)s basis points) on one offer")
                    % {"points": cap * per_bp, "bps": cap}
                ]
            }
        )
    with transaction.atomic():
        account, book, today = _open(customer_id)
        try:
            book.check_redeem(points, today)
        except book_.NotEnoughPoints as exc:
            raise Invalid(
                {
                    "redeem_points": [
                        _("you have %(available)s points to spend") % {"available": exc.available}
                    ]
                }
            ) from None
        try:
            with transaction.atomic():
                _write(
                    account,
                    book,
                    kind=EntryKind.REDEEM,
                    points=-points,
                    effective_on=today,
                    application_id=application_id,
                    key=f"redeem:application:{application_id}",
                )
        except IntegrityError:
            raise Conflict(_("points were already redeemed on this offer")) from None
    return bps


def points_preview(*, customer_id: int, points: int | None = None) -> dict:
    """What redeeming would do, without spending anything: the points available today, the rule,
    and for `points` (default: the most that may be spent on one offer, in whole basis points)
    the discount they buy — or `error` saying why they cannot be spent."""
    rule = redemption_rule()
    per_bp, cap = rule["points_per_bp"], rule["max_discount_bps"]
    account = account_for(customer_id=customer_id)
    available = book_for(account).available(clock.today())
    best = min(available // per_bp, cap) * per_bp if per_bp > 0 and cap > 0 else 0
    asked = best if points is None else points
    preview = {**rule, "available": available, "points": asked, "discount_bps": 0, "error": ""}
    if per_bp <= 0 or cap <= 0:
        preview["error"] = _("reward points cannot be redeemed for a discount now")
    elif asked <= 0:
        preview["error"] = _("you have no points to spend on this offer") if points is None else ""
    elif asked % per_bp:
        preview["error"] = _("must be a multiple of %(per)s points (%(per)s points buy 0.01 %%)") % {
            "per": per_bp
        }
    elif asked // per_bp > cap:
        preview["error"] = _(
            "at most %(points)s points (a discount of %(bps)s basis points) on one offer"
        ) % {
            "points": cap * per_bp,
            "bps": cap,
        }
    elif asked > available:
        preview["error"] = _("you have %(available)s points to spend") % {"available": available}
    else:
        preview["discount_bps"] = asked // per_bp
    return preview


def points_refund_for_application(*, application) -> PointsEntry | None:
    """Give back the points redeemed on an accepted offer that will never be paid out (applications
    hook, in the transaction of the change): exactly what the redemption took from each lot
    returns to that lot with its original expiry; the points of lots expired meanwhile stay spent
    (marketing.rewards.points). Idempotent (one refund per application); None when nothing was
    redeemed or nothing is left to give back."""
    redemption = PointsEntry.objects.filter(key=f"redeem:application:{application.pk}").first()
    if redemption is None:
        return None
    key = f"refund:application:{application.pk}"
    with transaction.atomic():
        account, book, today = _open(redemption.account.customer_id)
        existing = PointsEntry.objects.filter(key=key).first()
        if existing is not None:
            return existing
        points = book.refundable(redemption.pk, today)
        if points <= 0:
            return None
        return _write(
            account,
            book,
            kind=EntryKind.REFUND,
            points=points,
            effective_on=today,
            lot_id=redemption.pk,
            application_id=application.pk,
            key=key,
        )


# --- Campaign actions ------------------------------------------------------------------------------
def points_for_campaign_action(*, application) -> list[PointsEntry]:
    """applications hook (on submission): a customer a launched campaign messaged (holdouts and a
    pilot's control apart) who applies after being reached earns the campaign's `reward_points`,
    once per campaign (the key), as a lot with the usual expiry. Returns the entries written now."""
    from marketing.selectors import campaign_rewards_for_application

    written = []
    rewards = campaign_rewards_for_application(
        customer_id=application.customer_id, submitted_at=application.submitted_at or clock.now()
    )
    if not rewards:
        return written
    with transaction.atomic():
        account, book, today = _open(application.customer_id)
        for campaign_id, points in rewards:
            key = f"campaign:{campaign_id}:customer:{application.customer_id}"
            if PointsEntry.objects.filter(key=key).exists():
                continue
            written.append(
                _write(
                    account,
                    book,
                    kind=EntryKind.EARN_CAMPAIGN,
                    points=points,
                    effective_on=today,
                    expires_on=_expiry(today),
                    application_id=application.pk,
                    key=key,
                )
            )
    return written


# --- Referrals -----------------------------------------------------------------------------------
def _same_person(a, b) -> bool:
    return a.pk == b.pk or a.user_id == b.user_id or a.id_number == b.id_number or a.phone == b.phone


def referral_claim(*, actor, code: str) -> Referral:
    """The signed-in customer says they were referred by the owner of `code`. Refused (400 on
    `code`) for an unknown code, one's own code or a code of someone with the same identity
    number or phone (one person with two profiles), and for a customer who already has a loan;
    a second claim is a Conflict (one referrer per customer)."""
    referee = customer_selectors.customer_for_user(actor)
    if referee is None:
        raise NotFound(_("You have no customer profile yet."))
    code = (code or "").strip().upper()
    if not code:
        raise Invalid({"code": [_("Enter a referral code.")]})
    with transaction.atomic():
        _lock(referee.pk)  # one claim at a time per referee
        if Referral.objects.filter(referee=referee).exists():
            raise Conflict(_("You have already entered a referral code."))
        owner = RewardsAccount.objects.select_related("customer").filter(referral_code=code).first()
        if owner is None:
            raise Invalid({"code": [_("No such referral code.")]})
        if owner.customer_id == referee.pk:
            raise Invalid({"code": [_("You cannot use your own referral code.")]})
        if _same_person(owner.customer, referee):
            # Never say which detail matched: that would reveal the referrer's personal data.
            raise Invalid({"code": [_("This referral code cannot be used for your profile.")]})
        if servicing_selectors.customer_has_loans(customer_id=referee.pk):
            raise Invalid({"code": [_("Referral codes are for new customers, before their first loan.")]})
        return Referral.objects.create(referrer_id=owner.customer_id, referee=referee, code=code)


def referral_on_disbursement(*, application) -> PointsEntry | None:
    """applications' hook after a disbursement: the referrer of this customer earns points once,
    on their referee's first disbursement (a referral is only taken before any loan). The same
    person check runs again (a profile may have been edited since). Returns the entry or None."""
    referral = (
        Referral.objects.select_related("referrer", "referee")
        .filter(referee_id=application.customer_id)
        .first()
    )
    points = settings.LOANHUB_POINTS_PER_REFERRAL
    if referral is None or points <= 0:
        return None
    if _same_person(referral.referrer, referral.referee):
        logger.warning("referral %s not rewarded: referrer and referee look like one person", referral)
        return None
    with transaction.atomic():
        account, book, today = _open(referral.referrer_id)
        if PointsEntry.objects.filter(referral=referral, kind=EntryKind.EARN_REFERRAL).exists():
            return None  # one reward per referee
        return _write(
            account,
            book,
            kind=EntryKind.EARN_REFERRAL,
            points=points,
            effective_on=today,
            expires_on=_expiry(today),
            referral=referral,
            application_id=application.pk,
            key=f"referral:{referral.pk}",
        )
