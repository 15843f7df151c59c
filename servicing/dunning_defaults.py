"""The default dunning schedule (催收提醒) and its message texts, as plain data.

The data migration `0017_dunning_defaults` seeds them (and `ensure_dunning_defaults` again after
anything that empties the tables); after that they are data, edited in the admin (Servicing →
Dunning steps; the texts: Notifications → Message templates). Placeholders: name, loan,
due_date, amount (the next installment), days (days past due).

A credit line (随借随还) gets the same steps in its own wording: the step's template key with
`-line` (`line_template_key`), where `line` is the line's number and `amount` its statement's
minimum (penalty interest included); the data migration `0029_line_dunning_templates` seeds them.
A step whose line template is missing (a key added in the admin) sends its loan text to a line.
"""

from __future__ import annotations

from notifications.event_templates import ensure_templates

# code, offset days (negative: before the due date), channel, template key
STEPS = (
    ("reminder-3", -3, "portal", "collections-reminder"),
    ("overdue-1", 1, "sms", "collections-overdue"),
    ("overdue-7", 7, "portal", "collections-overdue"),
    ("overdue-30", 30, "sms", "collections-serious"),
    ("overdue-60", 60, "portal", "collections-serious"),
    ("overdue-90", 90, "portal", "collections-final"),
)

# key: (subject zh, subject en, body zh, body en)
TEMPLATES = {
    "collections-reminder": (
        "还款提醒",
        "Payment reminder",
        "{{ name }}，您的贷款 {{ loan }} 将于 {{ due_date }} 到期，应还 {{ amount }} 元，请按时还款。",
        "{{ name }}, your loan {{ loan }} has a payment of {{ amount }} yuan due on {{ due_date }}.",
    ),
    "collections-overdue": (
        "逾期提醒",
        "Payment overdue",
        "{{ name }}，您的贷款 {{ loan }} 已逾期 {{ days }} 天，请尽快还款，"
        "以免产生更多罚息并影响您的信用记录。",
        "{{ name }}, your loan {{ loan }} is {{ days }} days overdue. Please pay as soon as you can "
        "to avoid further penalty interest and harm to your credit record.",
    ),
    "collections-serious": (
        "严重逾期通知",
        "Serious arrears",
        "{{ name }}，您的贷款 {{ loan }} 已逾期 {{ days }} 天。请立即还款或联系我们商定还款安排。",
        "{{ name }}, your loan {{ loan }} is {{ days }} days overdue. Please pay now or contact us "
        "to agree a repayment arrangement.",
    ),
    "collections-final": (
        "最后催告",
        "Final notice",
        "{{ name }}，您的贷款 {{ loan }} 已逾期 {{ days }} 天。如不尽快还款，我们将依法采取进一步措施。",
        "{{ name }}, your loan {{ loan }} is {{ days }} days overdue. Unless it is paid soon we will "
        "take further steps as the law allows.",
    ),
}


# The same steps for a credit line: key: (subject zh, subject en, body zh, body en)
LINE_TEMPLATES = {
    "collections-reminder-line": (
        "信用额度还款提醒",
        "Credit line payment reminder",
        "{{ name }}，您的信用额度 {{ line }} 本期账单最低还款额 {{ amount }} 元将于 {{ due_date }} 到期，"
        "请按时还款。",
        "{{ name }}, the minimum payment of {{ amount }} yuan on your credit line {{ line }} is due on "
        "{{ due_date }}.",
    ),
    "collections-overdue-line": (
        "信用额度逾期提醒",
        "Credit line payment overdue",
        "{{ name }}，您的信用额度 {{ line }} 的最低还款额已逾期 {{ days }} 天，请尽快还款，"
        "以免产生更多罚息并影响您的信用记录。",
        "{{ name }}, the minimum payment on your credit line {{ line }} is {{ days }} days overdue. "
        "Please pay as soon as you can to avoid further penalty interest and harm to your credit record.",
    ),
    "collections-serious-line": (
        "信用额度严重逾期通知",
        "Credit line in serious arrears",
        "{{ name }}，您的信用额度 {{ line }} 的最低还款额已逾期 {{ days }} 天。"
        "请立即还款或联系我们商定还款安排。",
        "{{ name }}, the minimum payment on your credit line {{ line }} is {{ days }} days overdue. "
        "Please pay now or contact us to agree a repayment arrangement.",
    ),
    "collections-final-line": (
        "信用额度最后催告",
        "Credit line final notice",
        "{{ name }}，您的信用额度 {{ line }} 的最低还款额已逾期 {{ days }} 天。"
        "如不尽快还款，我们将依法采取进一步措施。",
        "{{ name }}, the minimum payment on your credit line {{ line }} is {{ days }} days overdue. "
        "Unless it is paid soon we will take further steps as the law allows.",
    ),
}


def line_template_key(key: str) -> str:
    """The key of a step's text for a credit line."""
    return f"{key}-line"


def ensure_dunning_defaults(step_model, template_model) -> None:
    """Create the default steps and templates that are missing (an existing one is kept as is)."""
    ensure_templates(template_model, TEMPLATES)
    ensure_templates(template_model, LINE_TEMPLATES)
    for code, offset, channel, template in STEPS:
        if not step_model.objects.filter(offset_days=offset).exists():
            step_model.objects.get_or_create(
                code=code, defaults={"offset_days": offset, "channel": channel, "template_key": template}
            )
