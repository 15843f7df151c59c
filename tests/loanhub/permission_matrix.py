"""The permission matrix: for every LoanHub route, what each role gets from it.

`tests/loanhub/test_permission_matrix.py` walks the URL configuration and fails for any route
without a row here (the Django admin's own generated pages excepted: one rule covers them), then
calls every route as every role and compares.

A row gives one token per role, in the order of `ROLES`:

    anonymous  owner  other  officer  senior  analyst  product  marketing  auditor

`owner` is the customer whose objects the URL names, `other` another customer; the staff columns
are the roles of `loanhub.roles` (loan officer, senior approver, risk analyst, product manager,
marketing manager, auditor). Tokens:

    200, 400, 401, 403, 404, 405, 409 …  that status code
    login   a redirect to the portal's log-in page (/customers/login/)
    admin   a redirect to the admin's log-in page (staff only)
    302     a redirect anywhere else
    …+      the request may change the database (a granted write); without "+" a write must
            leave every table as it was (sessions and the log-in lockout's records aside)

`get` is the answer to a GET; `post` (and `put`, `patch`, `delete` where the view has them) the
answer to that method with an empty body. Keyword arguments fill the route's parameters:
"{name}" is an object of the matrix's world (tests/loanhub/permission_world.py: application,
loan, repayment, document, customer, product, version, score_model, statement_line, segment,
campaign, experiment, message, follow_up, survey, suggestion), anything
else is used as written.

Adding an endpoint: add its row (run the test; the failure names the route), with the answer you
intend for each role — not the one the code gives today.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.loanhub.permission_world import ROLES

TOKENS = {"login", "admin", "302"}


@dataclass(frozen=True)
class Rule:
    get: tuple[str, ...]
    writes: dict[str, tuple[str, ...]]
    kwargs: dict[str, str] = field(default_factory=dict)


def _tokens(text: str) -> tuple[str, ...]:
    tokens = tuple(text.split())
    if len(tokens) != len(ROLES):
        raise ValueError(f"{text!r}: one token per role, {len(ROLES)} in all ({' '.join(ROLES)})")
    for token in tokens:
        bare = token.removesuffix("+")
        if not (bare in TOKENS or (bare.isdigit() and len(bare) == 3)):
            raise ValueError(f"{text!r}: unknown token {token!r}")
    return tokens


def rule(*, get: str, post: str, put: str = "", patch: str = "", delete: str = "", **kwargs: str) -> Rule:
    writes = {"POST": post, "PUT": put, "PATCH": patch, "DELETE": delete}
    return Rule(
        get=_tokens(get),
        writes={method: _tokens(text) for method, text in writes.items() if text},
        kwargs=kwargs,
    )


MATRIX: dict[str, Rule] = {
    "": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "healthz": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    # Readiness: database, broker and workers; the same answer for everyone (details for staff).
    "readyz": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "i18n/setlang/": rule(
        get="302 302 302 302 302 302 302 302 302",
        post="302 302 302 302 302 302 302 302 302",
    ),
    "admin/products/productversion/<int:pk>/transition/<str:name>/": rule(
        get="admin admin admin 302 302 302 302 302 302",
        post="admin admin admin 302 302 302 302 302 302",
        pk="{version}",
        name="suspend",
    ),
    # Only product managers create versions; the others are sent back with a refusal message.
    "admin/products/productversion/<int:pk>/new-version/": rule(
        get="admin admin admin 302 302 302 302 302 302",
        post="admin admin admin 302 302 302 302+ 302 302",
        pk="{version}",
    ),
    "admin/products/productversion/<int:pk>/diff/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 200 200 200 200 200 200",
        pk="{version}",
    ),
    "admin/customers/customer/<int:pk>/kyc/<str:action>/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 400 400 302 302 302 302",
        pk="{customer}",
        action="verify",
    ),
    # Revealing personal data is the officers' audited capability (loanhub.reveal_pii).
    "admin/customers/customer/<int:pk>/reveal/<str:field>/": rule(
        get="admin admin admin 302 302 302 302 302 302",
        post="admin admin admin 200+ 200+ 403 403 403 403",
        pk="{customer}",
        field="phone",
    ),
    # Only risk analysts act on score models, and only by POST.
    "admin/risk/scoremodel/<int:pk>/act/<str:action>/": rule(
        get="admin admin admin 403 403 403 403 403 403",
        post="admin admin admin 403 403 302+ 403 403 403",
        pk="{score_model}",
        action="shadow-on",
    ),
    "admin/applications/loanapplication/<int:pk>/act/<str:action>/": rule(
        get="admin admin admin 200 200 200 200 403 200",
        post="admin admin admin 200 200 302 302 403 302",
        pk="{application}",
        action="approve",
    ),
    # The business assessment page: officers only (an empty post is an unknown action, refused).
    "admin/applications/loanapplication/<int:pk>/assessment/": rule(
        get="admin admin admin 200 200 403 403 403 403",
        post="admin admin admin 200 200 403 403 403 403",
        pk="{application}",
    ),
    # Search by full identity, credit code or phone: by POST, for staff who may view customers.
    "admin/customers/customer/identifier-search/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 400 400 400 400 400 400",  # an empty form: field errors
    ),
    # Impact assessments: risk analysts act; an id that does not exist is a 404 for staff.
    "admin/risk/impactassessment/<int:pk>/act/<str:action>/": rule(
        get="admin admin admin 404 404 404 404 404 404",
        post="admin admin admin 404 404 404 404 404 404",
        pk="999999",
        action="sign-off",
    ),
    # Human reviews are decided by officers; an id that does not exist is a 404 for staff.
    "admin/applications/reviewrequest/<int:pk>/decide/<str:outcome>/": rule(
        get="admin admin admin 404 404 404 404 404 404",
        post="admin admin admin 404 404 404 404 404 404",
        pk="999999",
        outcome="uphold",
    ),
    # The NPS page (marketing): staff who view the surveys (every business-viewing role).
    "admin/marketing/npssurvey/report/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 405 405 405 405 405 405",
    ),
    # A campaign's funnel and experiment results (the matrix campaign is a draft with an A/B test).
    "admin/marketing/campaign/<int:pk>/funnel/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 405 405 405 405 405 405",
        pk="{campaign}",
    ),
    "admin/marketing/campaign/<int:pk>/experiment/": rule(
        get="admin admin admin 200 200 200 200 200 200",
        post="admin admin admin 405 405 405 405 405 405",
        pk="{campaign}",
    ),
    # A campaign's offer request: only product managers take or decline it (staff who view
    # marketing read the request's own admin pages).
    "admin/marketing/offerrequest/<int:pk>/take/": rule(
        get="admin admin admin 403 403 403 404 403 403",
        post="admin admin admin 403 403 403 404 403 403",
        pk="999999",
    ),
    "admin/marketing/offerrequest/<int:pk>/decline/": rule(
        get="admin admin admin 403 403 403 404 403 403",
        post="admin admin admin 403 403 403 404 403 403",
        pk="999999",
    ),
    # A promotion pilot's funnel: staff who view marketing (an unknown pilot: 404).
    "admin/marketing/promotionpilot/<int:pk>/funnel/": rule(
        get="admin admin admin 404 404 404 404 404 404",
        post="admin admin admin 405 405 405 405 405 405",
        pk="999999",
    ),
    "admin/servicing/repayment/<int:pk>/reverse/": rule(
        get="admin admin admin 200 200 403 403 403 403",
        post="admin admin admin 200 200 403 403 403 403",
        pk="{repayment}",
    ),
    # A pending deferral's decision page; an id that does not exist is a 404 for staff (officers
    # decide, auditors look: tests/servicing/test_admin_deferrals.py).
    "admin/servicing/schedulechange/<int:pk>/decide/": rule(
        get="admin admin admin 404 404 404 404 404 404",
        post="admin admin admin 404 404 404 404 404 404",
        pk="999999",
    ),
    "admin/servicing/statementline/<int:pk>/resolve/<str:action>/": rule(
        get="admin admin admin 200 200 403 403 403 403",
        post="admin admin admin 400 400 403 403 403 403",
        pk="{statement_line}",
        action="assign",
    ),
    "products/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "products/compare/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "products/recommend/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "products/terms-explained/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "products/<str:code>/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
        code="{product}",
    ),
    "api/v1/products/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "api/v1/products/recommendations/": rule(
        get="400 400 400 400 400 400 400 400 400",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "api/v1/products/<str:code>/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
        code="{product}",
    ),
    "api/v1/products/<str:code>/quote/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
        code="{product}",
    ),
    "calculator/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "calculator/schedule.csv": rule(
        get="400 400 400 400 400 400 400 400 400",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "calculator/schedule.xlsx": rule(
        get="400 400 400 400 400 400 400 400 400",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "api/v1/calculator/schedule/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    "api/v1/calculator/prepayment/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    "api/v1/calculator/revolving/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    "api/v1/calculator/apr/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    "customers/signup/": rule(
        get="200 302 302 302 302 302 302 302 302",
        post="200 302 302 302 302 302 302 302 302",
    ),
    "customers/login/": rule(
        get="200 302 302 302 302 302 302 302 302",
        post="200 302 302 302 302 302 302 302 302",
        put="200 302 302 302 302 302 302 302 302",
    ),
    # Password reset by e-mail: open to everyone (an empty form is a field error, not a write);
    # a link with a bad token shows "this link no longer works".
    "customers/password-reset/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
        put="200 200 200 200 200 200 200 200 200",
    ),
    "customers/password-reset/sent/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "customers/password-reset/<uidb64>/<token>/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="200 200 200 200 200 200 200 200 200",
        put="200 200 200 200 200 200 200 200 200",
        uidb64="MQ",
        token="set-password",
    ),
    "customers/password-reset/complete/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "customers/logout/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="302 302 302 302 302 302 302 302 302",
    ),
    # Staff accounts keep no customer profile: their post is refused (403) before the form is read.
    "customers/me/": rule(
        get="login 200 200 200 200 200 200 200 200",
        post="login 400 400 403 403 403 403 403 403",
    ),
    # Business data: the owner (an individual) is told it is for businesses and an empty form is
    # refused; anyone without a customer profile (staff) is sent to the profile page.
    "customers/me/business/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 400 400 302 302 302 302 302 302",
    ),
    # Marketing choices: customers change their own; staff (no profile) are sent to the profile.
    # An empty form withdraws what was given (the owner in the world gave nothing: no change).
    "customers/me/marketing-consent/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 302 302 302 302 302 302 302 302",
    ),
    # One-click unsubscribe: the signed token is the proof, no sign-in; a bad token is refused.
    "customers/unsubscribe/<str:token>/": rule(
        get="400 400 400 400 400 400 400 400 400",
        post="400 400 400 400 400 400 400 400 400",
        token="not-a-token",
    ),
    # Password change: customers only (staff are sent to the console's own page); an empty form
    # is refused field by field (400, nothing changed).
    "customers/me/password/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 400 400 302 302 302 302 302 302",
        put="login 400 400 302 302 302 302 302 302",  # Django's form views answer PUT as POST
    ),
    "customers/me/sessions/": rule(
        get="login 200 200 200 200 200 200 200 200",
        post="login 302 302 302 302 302 302 302 302",
    ),
    # Phone verification: customers only (staff, with no profile, are sent to the profile page);
    # an empty form names no action (400, nothing sent).
    "customers/me/phone/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 400 400 302 302 302 302 302 302",
    ),
    "customers/me/documents/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="login 400 400 302 302 302 302 302 302",
    ),
    # Staff who may see documents read them audited: the access record is the granted write
    # (a GET's writes are not checked). GET only.
    "customers/documents/<int:pk>/": rule(
        get="404 200 404 200 200 404 404 404 404",
        post="405 405 405 405 405 405 405 405 405",
        pk="{document}",
    ),
    # Staff accounts have no customer profile (404) and may not create one (403, whatever the
    # body); an empty PUT is invalid for customers.
    "api/v1/customers/me/": rule(
        get="401 200 200 404 404 404 404 404 404",
        post="401 405 405 405 405 405 405 405 405",
        put="401 400 400 403 403 403 403 403 403",
    ),
    # Business data: the owner (an individual in the world) has none yet; staff have no profile.
    "api/v1/customers/me/business/": rule(
        get="401 404 404 404 404 404 404 404 404",
        post="401 405 405 405 405 405 405 405 405",
        put="401 400 400 404 404 404 404 404 404",
    ),
    "api/v1/customers/me/documents/": rule(
        get="401 200 200 404 404 404 404 404 404",
        post="401 400 400 404 404 404 404 404 404",
    ),
    # A one-time code to the caller's own phone (the code row is the write); staff have no profile.
    "api/v1/customers/me/phone/send-code/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 202+ 202+ 404 404 404 404 404 404",
    ),
    # An empty body has no code: 400 on `code`, nothing changes.
    "api/v1/customers/me/phone/verify/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 400 404 404 404 404 404 404",
    ),
    # Marketing consent: the customer's own (staff keep no customer profile: 404).
    "api/v1/customers/me/marketing-consent/": rule(
        get="401 200 200 404 404 404 404 404 404",
        post="401 405 405 405 405 405 405 405 405",
        put="401 400 400 404 404 404 404 404 404",
    ),
    "api/v1/customers/<int:pk>/verify-identity/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 403 403",
        pk="{customer}",
    ),
    "api/v1/customers/<int:pk>/reject-identity/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 403 403",
        pk="{customer}",
    ),
    "api/v1/auth/register/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    "api/v1/auth/token/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="400 400 400 400 400 400 400 400 400",
    ),
    # Revokes the caller's own tokens (the matrix signs in by session, so there are none).
    "api/v1/auth/token/revoke/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 204+ 204+ 204+ 204+ 204+ 204+ 204+ 204+",
    ),
    "api/v1/applications/": rule(
        get="401 200 200 200 200 200 200 200 200",
        post="401 400 400 400 400 400 400 400 400",
    ),
    "api/v1/applications/queue/": rule(
        get="401 403 403 200 200 403 403 403 403",
        post="401 405 405 405 405 405 405 405 405",
    ),
    # The application in the URLs is referred (an officer's decision is due): staff who read
    # applications see it, the marketing manager does not; no one may change a referred one.
    "api/v1/applications/<int:pk>/": rule(
        get="401 200 404 200 200 200 200 404 200",
        post="401 405 405 405 405 405 405 405 405",
        put="401 400 404 400 400 403 403 404 403",
        patch="401 409 404 409 409 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/submit/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 409 404 409 409 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/withdraw/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 200+ 404 403 403 403 403 404 403",
        pk="{application}",
    ),
    # The applicant asks for a human review of an automated decline (the world's application is
    # referred, not declined: the owner's empty request is refused, nothing changes).
    "api/v1/applications/<int:pk>/request-review/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 403 403 403 403 404 403",
        pk="{application}",
    ),
    # Collateral: the applicant on their own open application and officers (an empty body: 400);
    # guarantors: officers only. The role is checked before the body.
    "api/v1/applications/<int:pk>/collateral/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/guarantors/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    # The business rating: Loan Officers assess (the form is theirs too) and ask for a grade
    # override; a Senior Approver decides an override. Empty bodies are refused, nothing changes.
    "api/v1/applications/<int:pk>/qualitative-assessment/": rule(
        get="401 403 404 200 200 403 403 404 403",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/rating-override/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/rating-override/decide/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 403 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/approve/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/refer/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/decline/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        pk="{application}",
    ),
    # Only the applicant accepts: staff are refused (403) before the body is read.
    "api/v1/applications/<int:pk>/accept-offer/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 403 403 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/decline-offer/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 409 404 403 403 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/disburse/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 409 409 403 403 404 403",
        pk="{application}",
    ),
    "api/v1/applications/<int:pk>/assign/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 200+ 200+ 403 403 404 403",
        pk="{application}",
    ),
    "apply/": rule(
        get="login 302 302 302 302 302 302 302 302",
        post="login 302 302 302 302 302 302 302 302",
    ),
    # The wizard: without ?product= it starts from the catalogue (a redirect).
    "apply/new/": rule(
        get="login 302 302 302 302 302 302 302 302",
        post="login 302 302 302 302 302 302 302 302",
    ),
    # It opens only the signed-in customer's own drafts: the world's application is referred, so
    # it is 404 for everyone, its owner included (tests/applications/test_wizard.py: drafts).
    "apply/<int:pk>/": rule(
        get="login 404 404 404 404 404 404 404 404",
        post="login 404 404 404 404 404 404 404 404",
        pk="{application}",
    ),
    "apply/<int:pk>/<slug:step>/": rule(
        get="login 404 404 404 404 404 404 404 404",
        post="login 404 404 404 404 404 404 404 404",
        pk="{application}",
        step="about",
    ),
    "applications/": rule(
        get="login 200 200 200 200 200 200 200 200",
        post="login 200 200 200 200 200 200 200 200",
    ),
    "applications/<int:pk>/": rule(
        get="login 200 404 200 200 200 200 404 200",
        post="login 200 404 200 200 200 200 404 200",
        pk="{application}",
    ),
    "applications/<int:pk>/request-review/": rule(
        get="login 405 405 405 405 405 405 405 405",
        post="login 400 404 404 404 404 404 404 404",  # the owner's empty form: a field error
        pk="{application}",
    ),
    "applications/<int:pk>/offer/": rule(
        get="login 302 404 302 302 302 302 404 302",
        post="login 302 404 302 302 302 302 404 302",
        pk="{application}",
    ),
    # The loan contract of the offer as stored (HTML and PDF): the owner and staff who view
    # applications once there is an offer. The world's application is referred (no offer yet), so
    # 404 for everyone; tests/applications/test_offer_contract.py covers an application with one.
    "applications/<int:pk>/contract/": rule(
        get="login 404 404 404 404 404 404 404 404",
        post="login 405 405 405 405 405 405 405 405",
        pk="{application}",
    ),
    "applications/<int:pk>/contract.pdf": rule(
        get="login 404 404 404 404 404 404 404 404",
        post="login 405 405 405 405 405 405 405 405",
        pk="{application}",
    ),
    # The portal's customer actions: only the owner, everyone else gets 404.
    "applications/<int:pk>/<slug:action>/": rule(
        get="login 405 405 405 405 405 405 405 405",
        post="login 302+ 404 404 404 404 404 404 404",
        pk="{application}",
        action="withdraw",
    ),
    "loans/": rule(
        get="login 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "loans/<int:loan_id>/": rule(
        get="login 200 404 404 404 404 404 404 404",
        post="405 405 405 405 405 405 405 405 405",
        loan_id="{loan}",
    ),
    "loans/<int:loan_id>/pay/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="login 200 404 404 404 404 404 404 404",
        loan_id="{loan}",
    ),
    # Prepay from the portal: the owner's page (an empty form: 200 with its errors, nothing posted).
    "loans/<int:loan_id>/prepay/": rule(
        get="login 200 404 404 404 404 404 404 404",
        post="login 200 404 404 404 404 404 404 404",
        loan_id="{loan}",
    ),
    "api/v1/loans/": rule(
        get="401 200 200 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/loans/<int:loan_id>/": rule(
        get="401 200 404 200 200 200 200 404 200",
        post="401 405 405 405 405 405 405 405 405",
        loan_id="{loan}",
    ),
    # The owner or a Loan Officer records a payment (an empty body: 400); other staff who see the
    # loan are refused (403) before the body is read.
    "api/v1/loans/<int:loan_id>/repayments/": rule(
        get="401 200 404 200 200 200 200 404 200",
        post="401 400 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/loans/<int:loan_id>/payoff/": rule(
        get="401 200 404 200 200 200 200 404 200",
        post="401 405 405 405 405 405 405 405 405",
        loan_id="{loan}",
    ),
    # Prepayment and deferral (issue 14): the owner or a Loan Officer (an empty body: 400); other
    # staff who see the loan are refused (403) before the body is read.
    "api/v1/loans/<int:loan_id>/prepayment-quote/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/loans/<int:loan_id>/prepayments/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/loans/<int:loan_id>/deferrals/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    # Deciding is the officers' (servicing.change_schedulechange); the owner sees the loan but may
    # not decide (403); an unknown deferral is 404 to those who may decide.
    "api/v1/loans/<int:loan_id>/deferrals/<int:change_id>/approve/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    "api/v1/loans/<int:loan_id>/deferrals/<int:change_id>/reject/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    # Restructuring and write-off (issue 14): officers only; the owner sees the loan but is
    # refused (403) before the body is read, as are other staff who see loans.
    "api/v1/loans/<int:loan_id>/restructurings/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/loans/<int:loan_id>/restructurings/<int:change_id>/approve/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    "api/v1/loans/<int:loan_id>/restructurings/<int:change_id>/reject/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    "api/v1/loans/<int:loan_id>/write-offs/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/loans/<int:loan_id>/write-offs/<int:change_id>/approve/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    "api/v1/loans/<int:loan_id>/write-offs/<int:change_id>/reject/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 404 404 403 403 404 403",
        loan_id="{loan}",
        change_id="999999",
    ),
    "api/v1/loans/<int:loan_id>/recoveries/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        loan_id="{loan}",
    ),
    "api/v1/repayments/<int:repayment_id>/reverse/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 404 400 400 403 403 404 403",
        repayment_id="{repayment}",
    ),
    # Revolving credit lines: the owner and staff who view lines see them; the owner or a Loan
    # Officer draws and repays (an empty body: 400), other staff who see the line get 403.
    "api/v1/credit-lines/": rule(
        get="401 200 200 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/credit-lines/<int:line_id>/": rule(
        get="401 200 404 200 200 200 200 404 200",
        post="401 405 405 405 405 405 405 405 405",
        line_id="{credit_line}",
    ),
    "api/v1/credit-lines/<int:line_id>/draws/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 403 403 403 403 404 403",
        line_id="{credit_line}",
    ),
    "api/v1/credit-lines/<int:line_id>/repayments/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 400 400 403 403 404 403",
        line_id="{credit_line}",
    ),
    # Limit offers (limits that grow with good history): everyone signed in gets their own offers
    # (staff have none; they work the queue in the admin console).
    "api/v1/limit-offers/": rule(
        get="401 200 200 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "credit-lines/<int:line_id>/": rule(
        get="login 200 404 404 404 404 404 404 404",
        post="405 405 405 405 405 405 405 405 405",
        line_id="{credit_line}",
    ),
    "credit-lines/<int:line_id>/draw/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="login 200 404 404 404 404 404 404 404",
        line_id="{credit_line}",
    ),
    "credit-lines/<int:line_id>/repay/": rule(
        get="405 405 405 405 405 405 405 405 405",
        post="login 200 404 404 404 404 404 404 404",
        line_id="{credit_line}",
    ),
    "api/v1/ledger/trial-balance/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/ledger/provisions/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    # Collections (issue 15): collectors (officers) work cases; risk analysts and auditors read
    # them (masked); customers, product managers and marketing are refused before the body is
    # read. No case here: 404.
    "api/v1/collections/cases/": rule(
        get="401 403 403 200 200 200 403 403 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/collections/cases/<int:case_id>/": rule(
        get="401 403 403 404 404 404 403 403 404",
        post="401 405 405 405 405 405 405 405 405",
        case_id="999999",
    ),
    "api/v1/collections/cases/<int:case_id>/promises/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 403 403",
        case_id="999999",
    ),
    "api/v1/collections/cases/<int:case_id>/contacts/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 403 403",
        case_id="999999",
    ),
    "api/v1/collections/cases/<int:case_id>/assign/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 403 403",
        case_id="999999",
    ),
    # Monitoring: staff who view the business (not marketing); no figures in this world → 404.
    "api/v1/monitoring/portfolio/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/portfolio/mix/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/roll-rates/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/vintages/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/cure-rates/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/classification-migration/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    # No decision counted in this world: an empty series.
    "api/v1/monitoring/decisions/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/score-distribution/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 403 403 405 405 405 405 403 405",
    ),
    # Notifications: the signed-in user's own portal inbox (the message is the owner's).
    "notifications/inbox/": rule(
        get="login 200 200 200 200 200 200 200 200",
        post="login 405 405 405 405 405 405 405 405",
    ),
    "notifications/inbox/<int:pk>/read/": rule(
        get="login 405 405 405 405 405 405 405 405",
        post="login 302+ 404 404 404 404 404 404 404",
        pk="{message}",
    ),
    # Campaign and partner landings: public; a touch is logged only for a known code or UTM.
    "marketing/l/<slug:code>/": rule(
        get="302 302 302 302 302 302 302 302 302",
        post="405 405 405 405 405 405 405 405 405",
        code="web",
    ),
    # Marketing: staff who view marketing read (every business-viewing role); marketing managers
    # write; customers 403, anonymous 401. An empty body is refused (400).
    "api/v1/marketing/segments/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 403 403 403 403 400 403",
    ),
    "api/v1/marketing/segments/<int:pk>/preview/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
        pk="{segment}",
    ),
    "api/v1/marketing/campaigns/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 403 403 403 403 400 403",
    ),
    "api/v1/marketing/campaigns/<int:pk>/launch/": rule(
        get="401 403 403 405 405 405 405 405 405",
        post="401 403 403 403 403 403 403 200+ 403",
        pk="{campaign}",
    ),
    "api/v1/marketing/campaigns/<int:pk>/recipients/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
        pk="{campaign}",
    ),
    "api/v1/marketing/campaigns/<int:pk>/funnel/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
        pk="{campaign}",
    ),
    "api/v1/marketing/experiments/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
    ),
    # The power plan before launch: no parameters → 400 (the sizes are required).
    "api/v1/marketing/experiments/plan/": rule(
        get="401 403 403 400 400 400 400 400 400",
        post="401 403 403 405 405 405 405 405 405",
    ),
    "api/v1/marketing/experiments/<int:pk>/results/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
        pk="{experiment}",
    ),
    "api/v1/marketing/attribution/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
    ),
    "api/v1/marketing/funnel/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 405 405 405 405 405 405",
    ),
    # A campaign's offer request: marketing managers draft it, product managers take or decline it
    # (into a new product version, which is then reviewed and approved as every version is).
    "api/v1/marketing/campaigns/<int:pk>/offer-request/": rule(
        get="401 403 403 405 405 405 405 405 405",
        post="401 403 403 403 403 403 403 400 403",
        pk="{campaign}",
    ),
    "api/v1/marketing/offer-requests/<int:pk>/take/": rule(
        get="401 403 403 403 403 403 405 403 403",
        post="401 403 403 403 403 403 404 403 403",
        pk="999999",
    ),
    "api/v1/marketing/offer-requests/<int:pk>/decline/": rule(
        get="401 403 403 403 403 403 405 403 403",
        post="401 403 403 403 403 403 404 403 403",
        pk="999999",
    ),
    # Promotion pilots: Marketing Managers only (other staff and customers 403); an empty body is
    # refused (400), an unknown pilot is not found.
    "api/v1/marketing/pilots/": rule(
        get="401 403 403 403 403 403 403 200 403",
        post="401 403 403 403 403 403 403 400 403",
    ),
    "api/v1/marketing/pilots/<int:pk>/": rule(
        get="401 403 403 403 403 403 403 404 403",
        post="401 403 403 403 403 403 403 405 403",
        pk="999999",
    ),
    "api/v1/marketing/pilots/<int:pk>/start/": rule(
        get="401 403 403 403 403 403 403 405 403",
        post="401 403 403 403 403 403 403 404 403",
        pk="999999",
    ),
    "api/v1/marketing/pilots/<int:pk>/end/": rule(
        get="401 403 403 403 403 403 403 405 403",
        post="401 403 403 403 403 403 403 404 403",
        pk="999999",
    ),
    # CRM (marketing.crm): staff who view marketing read; officers and marketing managers work
    # follow-ups and log contacts; product and marketing managers triage suggestions. Customers
    # answer only their own surveys (another's is not found) and make suggestions.
    "marketing/feedback/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 400 400 302 302 302 302 302 302",
    ),
    "api/v1/marketing/follow-ups/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 400 400 403 403 400 403",
    ),
    "api/v1/marketing/follow-ups/<int:pk>/complete/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 400 400 403 403 400 403",
        pk="{follow_up}",
    ),
    "api/v1/marketing/follow-ups/<int:pk>/cancel/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 200+ 200+ 403 403 200+ 403",
        pk="{follow_up}",
    ),
    "api/v1/marketing/customers/<int:customer_id>/contacts/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 403 403 400 400 403 403 400 403",
        customer_id="{customer}",
    ),
    "api/v1/marketing/surveys/me/": rule(
        get="401 200 200 403 403 403 403 403 403",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/marketing/surveys/<int:pk>/answer/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 404 404 404 404 404 404 404",
        pk="{survey}",
    ),
    "api/v1/marketing/nps/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/marketing/suggestions/": rule(
        get="401 403 403 200 200 200 200 200 200",
        post="401 400 400 403 403 403 403 403 403",
    ),
    "api/v1/marketing/suggestions/<int:pk>/triage/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 403 403 403 403 403 400 400 403",
        pk="{suggestion}",
    ),
    # Rewards (marketing.rewards): a customer's own points only; staff have no customer profile
    # (the page sends them to the profile page, the API says 404). An empty referral form or
    # body is invalid and changes nothing.
    "rewards/": rule(
        get="login 200 200 302 302 302 302 302 302",
        post="login 400 400 302 302 302 302 302 302",
    ),
    "api/v1/rewards/me/": rule(
        get="401 200 200 404 404 404 404 404 404",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/v1/rewards/me/referral/": rule(
        get="401 405 405 405 405 405 405 405 405",
        post="401 400 400 404 404 404 404 404 404",
    ),
    "api/v1/monitoring/psi/": rule(
        get="401 403 403 404 404 404 404 403 404",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/calibration/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 403 403 405 405 405 405 403 405",
    ),
    "api/v1/monitoring/concentration/": rule(
        get="401 403 403 200 200 200 200 403 200",
        post="401 403 403 405 405 405 405 403 405",
    ),
    # Early warning: officers, risk analysts and auditors (not product managers or marketing);
    # officers move warnings. No warning in this world: an empty list, and a step with an empty
    # body is a 400 first.
    "api/v1/monitoring/early-warnings/": rule(
        get="401 403 403 200 200 200 403 403 200",
        post="401 403 403 405 405 405 403 403 405",
    ),
    "api/v1/monitoring/early-warnings/performance/": rule(
        get="401 403 403 200 200 200 403 403 200",
        post="401 403 403 405 405 405 403 403 405",
    ),
    "api/v1/monitoring/early-warnings/<int:pk>/transition/": rule(
        get="401 403 403 405 405 405 403 403 405",
        post="401 403 403 400 400 400 403 403 400",
        pk="999999",
    ),
    # Notifications: every signed-in user reads their own messages.
    "api/v1/notifications/me/": rule(
        get="401 200 200 200 200 200 200 200 200",
        post="401 405 405 405 405 405 405 405 405",
    ),
    "api/schema/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "api/docs/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
    "api/redoc/": rule(
        get="200 200 200 200 200 200 200 200 200",
        post="405 405 405 405 405 405 405 405 405",
    ),
}
