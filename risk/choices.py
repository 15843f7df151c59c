"""States, outcomes and categories of the risk app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from products.choices import RISK_GRADES


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("candidate")
    CHAMPION = "champion", _("champion")
    RETIRED = "retired", _("retired")


class RequestState(models.TextChoices):
    PENDING = "pending", _("pending")
    SCORED = "scored", _("scored")
    # A system fault (missing or corrupt model, bureau down): an officer can retry it.
    FAILED = "failed", _("failed")
    # The feature record itself is wrong: retrying cannot help, a new request is needed.
    INVALID = "invalid", _("invalid input")


REQUEST_OPEN = (RequestState.PENDING,)
REQUEST_DONE = (RequestState.SCORED, RequestState.INVALID)


class Outcome(models.TextChoices):
    APPROVE = "approve", _("approve")
    REFER = "refer", _("refer to manual review")
    DECLINE = "decline", _("decline")


class RuleOutcome(models.TextChoices):
    DECLINE = "decline", _("decline")
    REFER = "refer", _("refer to manual review")
    FLAG = "flag", _("flag (refers the application)")


class RuleCheck(models.TextChoices):
    THRESHOLD = "threshold", _("feature compared with a threshold or a product limit")
    IN_SET = "in_set", _("feature value in a list")
    BLOCKLIST = "blocklist", _("identifier on the internal blocklist")
    VELOCITY = "velocity", _("applications with the same identifier within a window")
    SHARED_IDENTIFIER = "shared_identifier", _("identities sharing one phone or device within a window")


class Operator(models.TextChoices):
    LT = "lt", "<"
    LE = "le", "≤"
    GT = "gt", ">"
    GE = "ge", "≥"
    EQ = "eq", "="
    NE = "ne", "≠"
    BETWEEN = "between", _("between (low inclusive, high exclusive)")


class IdentifierKind(models.TextChoices):
    ID_NUMBER = "id_number", _("resident identity number")
    PHONE = "phone", _("phone")
    DEVICE = "device", _("device")


GRADES = RISK_GRADES  # the catalogue prices these grades; the scorecard assigns them


class LimitDimension(models.TextChoices):
    """What a concentration limit (集中度限额) caps."""

    PRODUCT = "product", _("product")
    INDUSTRY = "industry", _("industry")
    REGION = "region", _("region")
    BORROWER = "borrower", _("single borrower")
    CUSTOMER_GROUP = "customer_group", _("customer group")


class LimitBasis(models.TextChoices):
    SHARE = "share", _("share of the book")
    AMOUNT = "amount", _("amount")


class LimitSeverity(models.TextChoices):
    HARD = "hard", _("hard (refer the application)")
    SOFT = "soft", _("soft (warn)")


class LimitStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("awaiting approval")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")
