"""Marketing app (see the package docstring)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Marketing: see the package docstring for what this app owns."""

    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        # Applications call back through their explicit registry (no signals): the attribution
        # snapshot is written in the same transaction as the submission.
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from applications.hooks import register_disbursed_hook, register_partner_resolver, register_submitted
        from marketing import crm, pilots, recommendations, selectors, services
        from products.hooks import (
            register_invitations,
            register_promotion_pilots,
            register_quote_asked,
            register_recommender,
        )
        from servicing.hooks import register_loan_closed_hook

        register_submitted(services.attribution_record)
        # Partner channels' applications arrive with the partner's code (snapshotted on them).
        register_partner_resolver(services.application_partner)
        # A campaign's offer is a product promotion limited to its audience (`invited:<code>`):
        # the catalogue asks who was invited, through its registry.
        register_invitations(selectors.customer_invitations)
        # A promotion piloted on its own reaches only its pilot group (marketing.pilots).
        register_promotion_pilots(running=pilots.running_pilots, memberships=pilots.customer_pilots)
        # A quote asked on the product page or the quote API is the funnel's "quoted" touch.
        register_quote_asked(services.touch_record_quote)
        # A signed-in customer's recommendations: from their profile and history when they agreed
        # to it, otherwise the catalogue's featured order (PIPL art. 24(2)).
        register_recommender(recommendations.recommend_for_customer)
        # NPS surveys after a disbursement and after a loan is paid off.
        register_disbursed_hook(crm.survey_on_disbursed)
        register_loan_closed_hook(crm.survey_on_loan_closed)
        # Signing in merges the anonymous visitor's touches into the customer (Django's own
        # authentication event; no business workflow hangs on it).
        user_logged_in.connect(services.touches_merge_on_login, dispatch_uid="marketing-merge-visitor")
        # The brief's segments ship as presets, created after every migrate (and flush), as the
        # roles are (loanhub.roles.sync_after_migrate).
        post_migrate.connect(_ensure_presets, sender=self, dispatch_uid="marketing-presets")


def _ensure_presets(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from marketing.models import Segment
    from marketing.services import presets_ensure

    # A migrate to an earlier state may leave marketing's tables out: nothing to fill then.
    if Segment._meta.db_table in connections[using].introspection.table_names():
        presets_ensure()
