"""Marketing models: segments and their snapshots, campaigns and their recipients, experiments,
touches and the attribution snapshot of each application."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from loanhub.models import TransitionEvent
from loanhub.money import money_field
from loanhub.permissions import may
from loanhub.transitions import Transitionable


class MarketingChannel(models.TextChoices):
    """Where a touch happened: the three message channels, then landings and events."""

    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("portal")
    WEB = "web", _("web landing")
    PARTNER = "partner", _("partner link")
    BRANCH = "branch", _("branch event")


# The channels a campaign sends messages on (each needs the customer's consent for it).
MESSAGE_CHANNELS = (MarketingChannel.EMAIL, MarketingChannel.SMS, MarketingChannel.PORTAL)


class Segment(models.Model):
    """Who to reach: a saved rule over customer attributes and behaviour (see marketing.rules).

    The brief's segments ship as presets (`preset` names them; created by a data migration).
    """

    name = models.CharField(_("name"), max_length=120)
    preset = models.SlugField(_("preset"), max_length=40, blank=True)
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(
                fields=("preset",), condition=~models.Q(preset=""), name="segment_unique_preset"
            )
        ]

    def __str__(self) -> str:
        from marketing.rules import preset_name

        return preset_name(self.preset, self.name)


class SegmentRun(models.Model):
    """A segment's membership as it was at one moment, so a campaign's audience is reproducible."""

    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="runs", verbose_name=_("segment")
    )
    run_at = models.DateTimeField(_("run at"))
    member_count = models.PositiveIntegerField(_("members"))
    member_ids = models.JSONField(_("member customer ids"), default=list)

    class Meta:
        ordering = ("-run_at", "-id")
        verbose_name = _("segment run")
        verbose_name_plural = _("segment runs")

    def __str__(self) -> str:
        return f"{self.segment} @ {self.run_at:%Y-%m-%d %H:%M} ({self.member_count})"


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("draft")
    LAUNCHED = "launched", _("launched")
    CANCELLED = "cancelled", _("cancelled")


def may_run_campaigns(campaign: Campaign, user) -> bool:
    return may(user, "marketing.change_campaign")


class Campaign(Transitionable, FSMModelMixin, models.Model):
    """What to say to a segment, on which channels, with which offer; launched once.

    Templates use the placeholders of marketing.personalise (name, offer, link, unsubscribe, the
    recipient's product and its example cost), filled per recipient when sent. The offer is a
    product promotion: the catalogue's one pricing path applies it to the customer's real quotes
    and offers (its own segments and dates decide eligibility), so the APR shown includes it.
    """

    name = models.CharField(_("name"), max_length=120)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("segment")
    )
    channels = models.JSONField(_("channels"), default=list)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    template_zh = models.TextField(_("message (Chinese)"))
    template_en = models.TextField(_("message (English)"))
    promotion = models.ForeignKey(
        "products.Promotion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("offer (product promotion)"),
    )
    landing_path = models.CharField(_("landing page"), max_length=200, default="/products/")
    cost = money_field(_("cost"), null=True, blank=True)
    # Reward points for the campaign's action: a recipient it messaged who applies after being
    # reached earns them once (marketing.rewards.services.points_for_campaign_action).
    reward_points = models.PositiveIntegerField(_("reward points for applying"), default=0)
    # A pilot (试点) reaches only the members in these regions, on these of its channels, in this
    # share of the audience (stable per customer); the other eligible members are its control.
    pilot_regions = models.JSONField(_("pilot: regions"), default=list, blank=True)
    pilot_channels = models.JSONField(_("pilot: channels"), default=list, blank=True)
    pilot_share = models.PositiveSmallIntegerField(
        _("pilot: share of the audience (%)"), null=True, blank=True
    )
    state = FSMField(
        _("state"), max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT, protected=True
    )
    segment_run = models.ForeignKey(
        SegmentRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("segment run"),
    )
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    # A schedule (marketing.scheduling): a draft is launched at `send_at` by the beat task, as the
    # user who scheduled it; with `repeat_every_days`, each launch drafts the next wave (a copy whose
    # `wave_of` is the first campaign) until `repeat_until`.
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    repeat_every_days = models.PositiveSmallIntegerField(_("repeat every (days)"), null=True, blank=True)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    wave_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waves",
        verbose_name=_("wave of the recurring campaign"),
    )
    skipped = models.JSONField(_("members not reached, by reason"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    transition_actions = {
        "launch": pgettext_lazy("action", "launch"),
        "cancel": pgettext_lazy("action", "cancel"),
    }

    class Meta:
        ordering = ("-id",)
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pilot_share__isnull=True)
                | models.Q(pilot_share__gte=1, pilot_share__lte=100),
                name="campaign_pilot_share_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The campaign's code in landing links (utm_campaign)."""
        return f"c{self.pk}"

    @property
    def is_pilot(self) -> bool:
        return bool(self.pilot_regions or self.pilot_channels or self.pilot_share is not None)

    def transition_event(self, **fields) -> CampaignEvent:
        return CampaignEvent(campaign=self, **fields)

    @transition(
        field=state, source=CampaignState.DRAFT, target=CampaignState.LAUNCHED, permission=may_run_campaigns
    )
    def launch(self) -> None:
        """Snapshot the segment and send to its consenting members."""

    @transition(
        field=state, source=CampaignState.DRAFT, target=CampaignState.CANCELLED, permission=may_run_campaigns
    )
    def cancel(self) -> None:
        """Give up a draft."""


class CampaignEvent(TransitionEvent):
    """A campaign's state changes: who launched or cancelled it, when."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="events", verbose_name=_("campaign")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")


class Experiment(models.Model):
    """An A/B split of a campaign's audience: each member gets one arm, stable per customer.

    `arms` is a list of {"name", "template_zh"?, "template_en"?, "holdout"?}: an arm without its
    own texts uses the campaign's, a holdout arm is sent nothing (the control). The metric is
    the share of an arm's members who submit an application after the launch.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.PROTECT, related_name="experiment", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=120)
    arms = models.JSONField(_("arms"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")

    def __str__(self) -> str:
        return self.name


class PilotGroup(models.TextChoices):
    PILOT = "pilot", _("pilot")
    CONTROL = "control", _("control")


class Recipient(models.Model):
    """One member of a launched campaign's audience: reached (sent on `channels`) or held out.

    In a pilot campaign each eligible member is in the pilot (reached) or the control (held out:
    sent nothing, offered nothing), so the pilot's funnel can be read beside the control's."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="recipients", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    arm = models.CharField(_("experiment arm"), max_length=40, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    holdout = models.BooleanField(_("held out"), default=False)
    pilot_group = models.CharField(_("pilot group"), max_length=8, choices=PilotGroup.choices, blank=True)
    reached_at = models.DateTimeField(_("reached"))

    class Meta:
        ordering = ("id",)
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=("campaign", "customer"), name="recipient_unique_customer"),
            models.CheckConstraint(
                condition=~models.Q(pilot_group="control") | models.Q(holdout=True),
                name="recipient_pilot_control_held_out",
            ),
        ]
        indexes = [models.Index(fields=("customer", "reached_at"), name="recipient_recent_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.customer}"


class TouchKind(models.TextChoices):
    MESSAGE = "message", _("campaign message")
    LANDING = "landing", _("landing")
    EVENT = "event", _("branch event")
    QUOTE = "quote", _("quote asked")


class Touch(models.Model):
    """One marketing contact with a customer or an anonymous visitor (merged at sign-in)."""

    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    visitor_id = models.CharField(_("visitor id"), max_length=40, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TouchKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=MarketingChannel.choices)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touches",
        verbose_name=_("campaign"),
    )
    utm_source = models.CharField(max_length=64, blank=True, verbose_name=_("UTM source"))
    utm_medium = models.CharField(max_length=64, blank=True, verbose_name=_("UTM medium"))
    utm_campaign = models.CharField(max_length=64, blank=True, verbose_name=_("UTM campaign"))
    partner_code = models.CharField(_("partner code"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ("occurred_at", "id")
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [models.Index(fields=("customer", "occurred_at"), name="touch_customer_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.occurred_at:%Y-%m-%d}"


class Attribution(models.Model):
    """The touches that led to an application, snapshotted when it was submitted."""

    application = models.OneToOneField(
        "applications.LoanApplication",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("application"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    first_touch = models.ForeignKey(
        Touch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first touch"),
    )
    last_touch = models.ForeignKey(
        Touch, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("last touch")
    )
    touch_ids = models.JSONField(_("touches in order"), default=list)
    partner_code = models.CharField(_("partner code"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ("-id",)
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return gettext("attribution of application #%(id)s") % {"id": self.application_id}


# --- CRM: follow-ups, contact log, NPS surveys, suggestions ----------------------------------------


class FollowUpKind(models.TextChoices):
    CALL_BACK = "call_back", _("call back")
    DOCUMENT_CHASE = "document_chase", _("document chase")
    OFFER_REMINDER = "offer_reminder", _("offer reminder")


class FollowUpState(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class FollowUpOutcome(models.TextChoices):
    REACHED = "reached", _("reached the customer")
    NO_ANSWER = "no_answer", _("no answer")
    DOCUMENTS_RECEIVED = "documents_received", _("documents received")
    OFFER_ACCEPTED = "offer_accepted", _("offer accepted")
    OFFER_DECLINED = "offer_declined", _("offer declined")
    NOT_INTERESTED = "not_interested", _("not interested")


def may_work_follow_ups(task: FollowUp, user) -> bool:
    return may(user, "marketing.change_followup")


class FollowUp(Transitionable, FSMModelMixin, models.Model):
    """An officer's task about one customer (call back, chase documents, remind of an offer):
    due on a date, closed with an outcome or cancelled."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned to")
    )
    due_on = models.DateField(_("due"))
    note = models.TextField(_("note"), blank=True)
    state = FSMField(
        _("state"), max_length=16, choices=FollowUpState.choices, default=FollowUpState.OPEN, protected=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    transition_actions = {
        "complete": pgettext_lazy("action", "complete"),
        "cancel": pgettext_lazy("action", "cancel"),
    }

    class Meta:
        ordering = ("due_on", "id")
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=("assigned_to", "state", "due_on"), name="followup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def transition_event(self, **fields) -> FollowUpEvent:
        return FollowUpEvent(follow_up=self, **fields)

    @transition(
        field=state, source=FollowUpState.OPEN, target=FollowUpState.DONE, permission=may_work_follow_ups
    )
    def complete(self) -> None:
        """Done, with an outcome."""

    @transition(
        field=state, source=FollowUpState.OPEN, target=FollowUpState.CANCELLED, permission=may_work_follow_ups
    )
    def cancel(self) -> None:
        """No longer needed."""


class FollowUpEvent(TransitionEvent):
    """A follow-up task's state changes: who closed or cancelled it, when, why."""

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, related_name="events", verbose_name=_("follow up")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("follow-up event")
        verbose_name_plural = _("follow-up events")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    BRANCH = "branch", _("branch visit")
    PORTAL = "portal", _("portal message")


class ContactDirection(models.TextChoices):
    INBOUND = "inbound", _("inbound")
    OUTBOUND = "outbound", _("outbound")


class ContactEntry(models.Model):
    """One contact with a customer (a call, a visit, a message), as the officer logged it.

    Append-only: a wrong entry is corrected by a new one."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=ContactDirection.choices)
    summary = models.TextField(_("summary"))
    follow_up = models.ForeignKey(
        FollowUp,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("follow up"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    occurred_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ("-occurred_at", "-id")
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        indexes = [models.Index(fields=("customer", "occurred_at"), name="contact_customer_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class SurveyMoment(models.TextChoices):
    DISBURSED = "disbursed", _("after disbursement")
    CLOSED = "closed", _("after closing")


class NpsSurvey(models.Model):
    """A Net Promoter Score survey put to a customer after a disbursement or after their loan
    closed: 0–10 and free text, answered once."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    moment = models.CharField(_("moment"), max_length=12, choices=SurveyMoment.choices)
    # What it is about, by reference (marketing reads the others through selectors).
    subject_ref = models.CharField(_("about"), max_length=32)
    product_code = models.CharField(_("product"), max_length=32, db_index=True)
    sent_at = models.DateTimeField(_("sent"))
    score = models.PositiveSmallIntegerField(_("score (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-sent_at", "-id")
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")
        constraints = [
            models.UniqueConstraint(fields=("moment", "subject_ref"), name="nps_survey_once_per_moment"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=10), name="nps_score_0_10"
            ),
        ]

    def __str__(self) -> str:
        from loanhub.refs import ref_text

        return f"NPS {self.get_moment_display()} {ref_text(self.subject_ref)}"


from marketing.offer_request_models import OfferRequest, OfferRequestState  # noqa: E402, F401
from marketing.pilot_models import PilotMember, PromotionPilot, PromotionPilotEvent, PromotionPilotState  # noqa: E402, F401, I001
from marketing.suggestion_models import Suggestion, SuggestionEvent, SuggestionState, may_triage_suggestions  # noqa: E402, F401, I001
