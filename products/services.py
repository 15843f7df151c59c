"""Writes of the product catalogue: create and edit versions, move them through their lifecycle,
import definitions; and the quote every page and API shows.

Rules enforced here, on the server, whatever the caller:
- only a Product Manager creates, edits and submits; anonymous users and customers change nothing
  (named permissions, `products.models.MANAGE_PRODUCTS` / `REVIEW_PRODUCTS`, on the services and
  on the transitions themselves);
- four eyes: a version is approved by a second person — another Product Manager or a Senior
  Approver — who neither created nor submitted it;
- activation (and resuming a suspended version) passes the compliance check first: structure,
  the APR cap and the version's payment-burden caps (`products.compliance`);
- an active version is never edited: editing creates the next draft version, and activating it
  retires the version it replaces;
- every transition runs through the kernel's `loanhub.transitions.run_transition`: the row is
  locked (two reviewers acting at once give one move and one 409), the state and the permission
  are checked, and a `ProductEvent` (actor, from, to, reason, payload) is written in the same
  transaction; every change is kept by django-simple-history with the acting user;
- refusals are the kernel's errors (`loanhub.errors`) under the catalogue's names: invalid input
  400, permission or four eyes 403, a state that does not allow it 409 with the current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loanhub import clock, pagecache
from loanhub.errors import Conflict, DomainError, Forbidden, Invalid
from loanhub.permissions import may, may_any
from loanhub.reasons import coded
from loanhub.transitions import record_event, run_transition
from products import choices as c
from products.compliance import ComplianceReport, compliance_check
from products.models import (
    MANAGE_PRODUCTS,
    REVIEW_PRODUCTS,
    Fee,
    PricingTier,
    Product,
    ProductVersion,
    Promotion,
)
from products.quotes import (  # noqa: F401  (re-exported: the quote is part of the service API)
    ProductQuoteError,
    Quote,
    Recommendation,
    product_quote,
    product_recommend,
    recommendations_for,
)
from products.serializers import (
    FEE_FIELDS,
    PROMOTION_FIELDS,
    TERM_FIELDS,
    TIER_FIELDS,
    CatalogueFileSerializer,
)


class ProductError(DomainError):
    """A refused catalogue operation (the base of the app's errors, kinds of `loanhub.errors`).

    `errors` is always field-keyed, like every LoanHub 400 body: a sentence alone is filed under
    "non_field_errors".
    """

    def __init__(self, errors: Mapping[str, list[str]] | str, *, state: str | None = None):
        if isinstance(errors, str):
            errors = {"non_field_errors": [errors]}
        super().__init__(errors, state=state)


class ProductPermissionError(ProductError, Forbidden):
    """The actor's role does not allow the operation, or the four-eyes rule refuses it (403)."""


class ProductTransitionError(ProductError, Conflict):
    """The version's state does not allow the operation (409); `state` is that state."""


class ProductValidationError(ProductError, Invalid):
    """The definition is malformed or breaks a catalogue rule (400)."""


class ProductComplianceError(ProductValidationError):
    """The compliance check refused the version (400); `report` lists each violation."""

    def __init__(self, report: ComplianceReport):
        super().__init__(report.errors())
        self.report = report


# --- who may do what (named permissions, loanhub.permissions) -----------------------------------
def can_manage(user) -> bool:
    """Create, edit, import and submit versions: Product Managers."""
    return may(user, MANAGE_PRODUCTS)


def can_review(user) -> bool:
    """Approve, return, suspend, resume and retire (four eyes is checked separately): Product
    Managers and Senior Approvers."""
    return may_any(user, *REVIEW_PRODUCTS)


def four_eyes_refusal(version: ProductVersion, actor) -> str | None:
    """Why `actor` may not approve `version`, or None when they may."""
    if actor.pk in {version.submitted_by_id, version.created_by_id}:
        return _(
            "%(name)s created or submitted %(version)s; approval needs a second Product Manager or a "
            "Senior Approver"
        ) % {"name": actor.get_username(), "version": version}
    return None


def _require(allowed: bool, action: str, actor) -> None:
    if not allowed:
        name = actor.get_username() if getattr(actor, "is_authenticated", False) else _("anonymous")
        message = _("%(name)s may not %(action)s product versions")
        raise ProductPermissionError(
            {"actor": [message % {"name": name, "action": ProductVersion.action_label(action)}]}
        )


# --- versions: create and edit ------------------------------------------------------------------
def _write_children(version: ProductVersion, *, pricing_grid=None, fees=None, promotions=None) -> None:
    if pricing_grid is not None:
        version.pricing_tiers.all().delete()
        PricingTier.objects.bulk_create(
            PricingTier(version=version, **{k: row.get(k) for k in TIER_FIELDS}) for row in pricing_grid
        )
    if fees is not None:
        version.fees.all().delete()
        Fee.objects.bulk_create(
            Fee(version=version, **{k: row[k] for k in FEE_FIELDS if k in row}) for row in fees
        )
    if promotions is not None:
        version.promotions.all().delete()
        Promotion.objects.bulk_create(
            Promotion(version=version, **{k: row[k] for k in PROMOTION_FIELDS if k in row})
            for row in promotions
        )


def _save(version: ProductVersion, actor, **kwargs) -> None:
    version._history_user = actor  # simple-history records who, also outside a request
    version.save(**kwargs)


def product_create(
    *,
    actor,
    code: str,
    terms: dict,
    pricing_grid: Iterable[dict],
    fees: Iterable[dict] = (),
    promotions: Iterable[dict] = (),
) -> ProductVersion:
    """A new product family with its first version, in draft."""
    _require(can_manage(actor), "create", actor)
    code = code.strip().upper()
    with transaction.atomic():
        if Product.objects.filter(code=code).exists():
            raise ProductValidationError({"code": [_("product %(code)s already exists") % {"code": code}]})
        product = Product(code=code, created_by=actor)
        product._history_user = actor
        product.save()
        version = ProductVersion(product=product, version=1, created_by=actor, **_terms(terms))
        _save(version, actor)
        _write_children(
            version, pricing_grid=list(pricing_grid), fees=list(fees), promotions=list(promotions)
        )
        _created(version, actor, "created")
    return version


def _terms(terms: dict) -> dict:
    unknown = sorted(set(terms) - set(TERM_FIELDS))
    if unknown:
        raise ProductValidationError({name: [_("unknown product term")] for name in unknown})
    return dict(terms)


def product_version_update(
    *,
    version: ProductVersion,
    actor,
    terms: dict | None = None,
    pricing_grid: Iterable[dict] | None = None,
    fees: Iterable[dict] | None = None,
    promotions: Iterable[dict] | None = None,
) -> ProductVersion:
    """Change a draft's terms; children given are replaced as a whole. Refused unless draft."""
    _require(can_manage(actor), "edit", actor)
    with transaction.atomic():
        locked = ProductVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.is_editable:
            raise ProductTransitionError(
                {
                    "status": [
                        _("%(version)s is %(status)s; only a draft is edited (create a new version)")
                        % {"version": locked, "status": locked.current_state_label}
                    ]
                },
                state=locked.status,
            )
        for name, value in _terms(terms or {}).items():
            setattr(locked, name, value)
        _save(locked, actor)
        _write_children(
            locked,
            pricing_grid=None if pricing_grid is None else list(pricing_grid),
            fees=None if fees is None else list(fees),
            promotions=None if promotions is None else list(promotions),
        )
    return locked


def product_version_save(*, version: ProductVersion, actor, code: str | None = None) -> ProductVersion:
    """Save a version edited field by field (the admin form). An unsaved version with `code`
    starts a new product; a saved one must still be a draft."""
    _require(can_manage(actor), "edit", actor)
    with transaction.atomic():
        if version.pk is None:
            code = (code or "").strip().upper()
            if not code or Product.objects.filter(code=code).exists():
                raise ProductValidationError(
                    {
                        "code": [
                            _("product %(code)s already exists; create a new version of it instead")
                            % {"code": code}
                        ]
                    }
                )
            product = Product(code=code, created_by=actor)
            product._history_user = actor
            product.save()
            version.product, version.version, version.created_by = product, 1, actor
            _save(version, actor)
            _created(version, actor, "created")
            return version
        current = ProductVersion.objects.select_for_update().get(pk=version.pk)
        if not current.is_editable:
            raise ProductTransitionError(
                {
                    "status": [
                        _("%(version)s is %(status)s; only a draft is edited")
                        % {"version": current, "status": current.current_state_label}
                    ]
                },
                state=current.status,
            )
        _save(version, actor)
    return version


def product_new_version(*, product: Product, actor) -> ProductVersion:
    """'Edit' a product: copy its live (else latest) version into the next version, in draft."""
    _require(can_manage(actor), "edit", actor)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        versions = list(product.versions.order_by("-version"))
        pending = [v for v in versions if v.status in c.PENDING_STATES]
        if pending:
            raise ProductTransitionError(
                {
                    "status": [
                        _("%(version)s is already %(status)s; edit that version instead")
                        % {"version": pending[0], "status": pending[0].current_state_label}
                    ]
                },
                state=pending[0].status,
            )
        live = [v for v in versions if v.status in c.LIVE_STATES]
        source = live[0] if live else versions[0]
        draft = ProductVersion(
            product=product,
            version=versions[0].version + 1,
            created_by=actor,
            **{name: getattr(source, name) for name in TERM_FIELDS},
        )
        _save(draft, actor)
        _write_children(
            draft,
            pricing_grid=[{k: getattr(t, k) for k in TIER_FIELDS} for t in source.pricing_tiers.all()],
            fees=[{k: getattr(f, k) for k in FEE_FIELDS} for f in source.fees.all()],
            promotions=[{k: getattr(p, k) for k in PROMOTION_FIELDS} for p in source.promotions.all()],
        )
        _created(draft, actor, f"copied from {source}")
    return draft


# --- lifecycle ----------------------------------------------------------------------------------
def catalogue_changed() -> None:
    """The public pages that show the catalogue are rendered afresh: now, and again when the
    transaction commits (a page rendered in between would still show the old state)."""
    pagecache.invalidate(pagecache.CATALOGUE)
    transaction.on_commit(lambda: pagecache.invalidate(pagecache.CATALOGUE))


def _created(version: ProductVersion, actor, reason: str) -> None:
    """The event of a new version: from nothing into draft."""
    record_event(version, actor=actor, reason=reason, from_state="")


def _state_conflict(locked: ProductVersion, name: str) -> ProductTransitionError:
    message = _("cannot %(action)s %(version)s: it is %(status)s") % {
        "action": locked.action_label(name),
        "version": locked,
        "status": locked.current_state_label,
    }
    return ProductTransitionError({"status": [message]}, state=locked.status)


def _transition(
    version: ProductVersion | int,
    *,
    actor,
    name: str,
    reason: str,
    before: Callable[[ProductVersion], dict | None] | None = None,
    fields: tuple[str, ...] = (),
) -> ProductVersion:
    """One lifecycle move through the kernel's `run_transition`: lock the row, check the state
    (409 with the current state), the transition's permission (403) and `before` (the service's
    own checks and field changes), save, and write the ProductEvent — in one transaction."""

    def checks(locked: ProductVersion) -> dict | None:
        locked._history_user = actor  # simple-history records who, also outside a request
        return before(locked) if before is not None else None

    locked = run_transition(
        version if isinstance(version, int) else version.pk,
        name,
        actor=actor,
        reason=reason,
        fields=fields,
        before=checks,
        model=ProductVersion,
        queryset=ProductVersion.objects.select_related("product"),
        conflict=_state_conflict,
    )
    catalogue_changed()
    if isinstance(version, ProductVersion):
        version.refresh_from_db()
        return version
    return locked


def product_submit_for_review(*, version: ProductVersion, actor, reason: str = "") -> ProductVersion:
    """draft → in_review, by a Product Manager, who then cannot approve it."""
    _require(can_manage(actor), "submit", actor)

    def before(locked: ProductVersion) -> None:
        locked.submitted_by = actor
        locked.submitted_at = clock.now()

    return _transition(
        version,
        actor=actor,
        name="submit",
        reason=reason,
        before=before,
        fields=("submitted_by", "submitted_at"),
    )


def product_return_to_draft(*, version: ProductVersion, actor, reason: str) -> ProductVersion:
    """in_review → draft: the reviewer asks for changes (a reason is required)."""
    _require(can_review(actor), "return_to_draft", actor)
    if not reason.strip():
        raise ProductValidationError({"reason": [_("say what must change")]})
    return _transition(version, actor=actor, name="return_to_draft", reason=reason)


def _compliant(locked: ProductVersion, on_date: dt.date) -> dict:
    report = compliance_check(locked, on_date=on_date)
    if not report.ok:
        raise ProductComplianceError(report)
    return {"compliance": report.summary()}


def product_approve(
    *, version: ProductVersion, actor, reason: str = "", on_date: dt.date | None = None
) -> ProductVersion:
    """in_review → active after four eyes and the compliance check; retires the version replaced."""
    _require(can_review(actor), "approve", actor)
    on_date = on_date or clock.today()

    def before(locked: ProductVersion) -> dict:
        refusal = four_eyes_refusal(locked, actor)
        if refusal:
            raise ProductPermissionError({"actor": [refusal]})
        payload = _compliant(locked, on_date)
        replaced = (
            ProductVersion.objects.filter(product_id=locked.product_id, status__in=c.LIVE_STATES)
            .exclude(pk=locked.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if replaced is not None:
            retired = _transition(
                replaced,
                actor=actor,
                name="retire",
                reason=coded("products.replaced_by_version", version=locked.version),
                before=_retiring,
                fields=("retired_at",),
            )
            payload["replaced_version"] = retired.version
        locked.approved_by = actor
        locked.approved_at = locked.activated_at = clock.now()
        return payload

    try:
        return _transition(
            version,
            actor=actor,
            name="activate",
            reason=reason,
            before=before,
            fields=("approved_by", "approved_at", "activated_at"),
        )
    except IntegrityError as exc:  # a concurrent approval of a sibling version won the race
        raise ProductTransitionError(
            {
                "status": [
                    _("%(version)s could not be activated: %(reason)s") % {"version": version, "reason": exc}
                ]
            },
            state=version.status,
        ) from None


def product_suspend(*, version: ProductVersion, actor, reason: str) -> ProductVersion:
    """active → suspended: no new quotes or applications; existing ones keep their terms."""
    _require(can_review(actor), "suspend", actor)
    if not reason.strip():
        raise ProductValidationError({"reason": [_("say why the product is suspended")]})
    return _transition(version, actor=actor, name="suspend", reason=reason)


def product_resume(
    *, version: ProductVersion, actor, reason: str = "", on_date: dt.date | None = None
) -> ProductVersion:
    """suspended → active, after the compliance check runs again (benchmarks may have moved)."""
    _require(can_review(actor), "resume", actor)
    on_date = on_date or clock.today()
    return _transition(
        version, actor=actor, name="resume", reason=reason, before=lambda locked: _compliant(locked, on_date)
    )


def _retiring(locked: ProductVersion) -> None:
    locked.retired_at = clock.now()


def product_retire(*, version: ProductVersion, actor, reason: str) -> ProductVersion:
    """active/suspended → retired: never offered again; made applications and loans are unaffected."""
    _require(can_review(actor), "retire", actor)
    if not reason.strip():
        raise ProductValidationError({"reason": [_("say why the product is retired")]})
    return _transition(
        version, actor=actor, name="retire", reason=reason, before=_retiring, fields=("retired_at",)
    )


TRANSITIONS: dict[str, Callable[..., ProductVersion]] = {
    "submit": product_submit_for_review,
    "return_to_draft": product_return_to_draft,
    "approve": product_approve,
    "suspend": product_suspend,
    "resume": product_resume,
    "retire": product_retire,
}


# --- import -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportOutcome:
    code: str
    action: str  # "created", "new_version", "updated_draft", "unchanged"
    version: ProductVersion


def _differs(version: ProductVersion, item: dict) -> bool:
    from products.selectors import product_version_definition

    current = product_version_definition(version)
    return _normalise(current) != _normalise(_definition_of(item))


def _definition_of(item: dict) -> dict:
    """A validated import item in the export's JSON shape (for comparing)."""
    from products.selectors import definition_json

    return definition_json(
        code=item["code"],
        terms=item["terms"],
        pricing_grid=item["pricing_grid"],
        fees=item["fees"],
        promotions=item["promotions"],
    )


def _normalise(definition: dict) -> dict:
    return {k: v for k, v in definition.items() if k not in ("version", "status")}


def products_import(*, data: object, actor, on_date: dt.date | None = None) -> list[ImportOutcome]:
    """Import product definitions (the export's JSON): all or nothing.

    Everything is validated first — shape, then every catalogue rule and the APR cap as at
    activation — and nothing is written when any part is invalid. A new code creates a product in
    draft; a changed definition becomes the next draft version (or replaces the product's open
    draft); an unchanged one is left alone. Active versions are never touched.
    """
    _require(can_manage(actor), "import", actor)
    on_date = on_date or clock.today()
    serializer = CatalogueFileSerializer(data=data)
    if not serializer.is_valid():
        raise ProductValidationError(_flatten(serializer.errors))
    items = serializer.validated_data["products"]
    outcomes: list[ImportOutcome] = []
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for index, item in enumerate(items):
            prefix = f"products[{index}] {item['code']}"
            product = Product.objects.filter(code=item["code"]).first()
            try:
                outcome = _import_one(product, item, actor)
                if outcome.action != "unchanged":
                    report = compliance_check(outcome.version, on_date=on_date)
                    for field, messages in report.errors().items():
                        errors.setdefault(f"{prefix}.{field}", []).extend(messages)
            except ProductError as exc:
                for field, messages in exc.errors.items():
                    errors.setdefault(f"{prefix}.{field}", []).extend(messages)
                continue
            outcomes.append(outcome)
        if errors:
            transaction.set_rollback(True)
            raise ProductValidationError(errors)
    return outcomes


def _import_one(product: Product | None, item: dict, actor) -> ImportOutcome:
    children = {"pricing_grid": item["pricing_grid"], "fees": item["fees"], "promotions": item["promotions"]}
    if product is None:
        version = product_create(actor=actor, code=item["code"], terms=item["terms"], **children)
        return ImportOutcome(item["code"], "created", version)
    versions = list(product.versions.order_by("-version"))
    pending = next((v for v in versions if v.status in c.PENDING_STATES), None)
    if pending is not None and pending.status == c.ProductStatus.IN_REVIEW:
        raise ProductTransitionError(
            {
                "status": [
                    _("%(version)s is in review; return it to draft before importing") % {"version": pending}
                ]
            },
            state=pending.status,
        )
    if pending is not None:
        if not _differs(pending, item):
            return ImportOutcome(item["code"], "unchanged", pending)
        version = product_version_update(version=pending, actor=actor, terms=item["terms"], **children)
        return ImportOutcome(item["code"], "updated_draft", version)
    live = next((v for v in versions if v.status in c.LIVE_STATES), versions[0])
    if not _differs(live, item):
        return ImportOutcome(item["code"], "unchanged", live)
    draft = product_new_version(product=product, actor=actor)
    draft = product_version_update(version=draft, actor=actor, terms=item["terms"], **children)
    return ImportOutcome(item["code"], "new_version", draft)


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"products[0].terms.amount_min": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(errors, list):
        if errors and all(not isinstance(e, dict | list) for e in errors):
            out[prefix or "non_field_errors"] = [str(e) for e in errors]
        else:
            for i, value in enumerate(errors):
                if value:
                    out.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "non_field_errors"] = [str(errors)]
    return out
