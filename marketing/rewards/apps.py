"""Rewards app configuration: registers the points hooks with servicing and applications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    """Reward points and referrals (see the package docstring)."""

    name = "marketing.rewards"
    label = "rewards"
    verbose_name = _("Rewards and referrals")

    def ready(self) -> None:
        # Lower apps call back through their explicit registries (no signals), inside the
        # transaction of the payment, its reversal, the disbursement or the acceptance.
        from applications.hooks import (
            register_acceptance_released,
            register_disbursed_hook,
            register_points_previewer,
            register_points_redeemer,
            register_submitted,
        )
        from marketing.rewards import services
        from servicing.hooks import register_cob_finished_hook, register_repayment_hooks

        register_repayment_hooks(posted=services.points_on_repayment, reversed=services.points_on_repayment)
        register_cob_finished_hook(services.points_after_cob)
        register_disbursed_hook(services.referral_on_disbursement)
        register_points_redeemer(services.points_redeem_for_offer)
        # The offer page previews a redemption (spending nothing); an accepted offer withdrawn
        # before the payout gives its redeemed points back to their lots.
        register_points_previewer(services.points_preview)
        register_acceptance_released(services.points_refund_for_application)
        # Applying after a campaign reached you earns its reward points (once per campaign).
        register_submitted(services.points_for_campaign_action)
