"""The texts of the customer event messages (notifications.events), as plain data.

Customer-safe wording: a decision never names its reasons (no rule or fraud codes). Placeholders:
name, application, amount, term, expires, accepted, loan, line, value_date, number. The data migration
`0003_event_templates` seeds them (and `ensure_event_templates` again after anything that empties
the table); after that they are data, edited in the admin (Notifications → Message templates).
"""

from __future__ import annotations

# key: (subject zh, subject en, body zh, body en)
TEMPLATES = {
    "application-approved": (
        "贷款申请已获批准",
        "Your loan application is approved",
        "{{ name }}，您的贷款申请 {{ application }} 已获批准：最高可借 {{ amount }}，期限 {{ term }} 个月。"
        "{% if expires %}请在 {{ expires }} 前{% else %}请{% endif %}登录“我的申请”查看并确认借款要约。",
        "{{ name }}, your loan application {{ application }} is approved for up to {{ amount }} over "
        "{{ term }} months. Please review and accept the offer under My applications"
        "{% if expires %} by {{ expires }}{% endif %}.",
    ),
    "application-declined": (
        "贷款申请结果",
        "Your loan application",
        "{{ name }}，感谢您的申请。很遗憾，经审核，我们目前无法批准您的贷款申请 {{ application }}。"
        "这不影响您日后再次申请；如有疑问，请联系我们。",
        "{{ name }}, thank you for applying. We are sorry that we cannot approve your loan application "
        "{{ application }} at this time. You are welcome to apply again later; if you have questions, "
        "please contact us.",
    ),
    "application-referred": (
        "贷款申请审核中",
        "Your loan application is being reviewed",
        "{{ name }}，您的贷款申请 {{ application }} 已转交信贷员人工审核，我们会尽快通知您结果。",
        "{{ name }}, your loan application {{ application }} has been passed to a loan officer for "
        "review. We will tell you the result as soon as we can.",
    ),
    "offer-expiring": (
        "借款要约即将失效",
        "Your loan offer expires soon",
        "{{ name }}，您的贷款申请 {{ application }} 的借款要约将于 {{ expires }} 失效。"
        "如需借款，请在此之前登录“我的申请”确认。",
        "{{ name }}, the loan offer on your application {{ application }} expires on {{ expires }}. "
        "To take it, please accept it under My applications before then.",
    ),
    "acceptance-expired": (
        "已确认的借款要约已失效",
        "Your accepted loan offer has lapsed",
        "{{ name }}，您在 {{ accepted }} 确认的贷款申请 {{ application }} 的借款要约未能在规定期限内放款，"
        "现已失效。为此使用的积分已退回您的账户。如仍需借款，欢迎重新申请。",
        "{{ name }}, the loan offer you accepted on {{ accepted }} for your application {{ application }} "
        "was not paid out in time and has lapsed. Any reward points you used on it are back in your "
        "account. You are welcome to apply again.",
    ),
    "payment-received": (
        "还款已到账",
        "Payment received",
        "{{ name }}，我们已收到您为贷款 {{ loan }} 支付的 {{ amount }}（起息日 {{ value_date }}），谢谢。",
        "{{ name }}, we have received your payment of {{ amount }} for loan {{ loan }} "
        "(value date {{ value_date }}). Thank you.",
    ),
    "line-payment-received": (
        "还款已到账",
        "Payment received",
        "{{ name }}，我们已收到您为信用额度 {{ line }} 支付的 {{ amount }}（起息日 {{ value_date }}），"
        "已还本金可再次支用，谢谢。",
        "{{ name }}, we have received your payment of {{ amount }} for credit line {{ line }} "
        "(value date {{ value_date }}); the principal repaid is available to draw again. Thank you.",
    ),
    "warning-contact": (
        "关于您的账户 {{ number }}",
        "About your account {{ number }}",
        "{{ name }}，我们的工作人员近日就您的账户 {{ number }} 与您联系。"
        "如您在还款方面遇到困难，请尽早告诉我们，我们会与您商量合适的安排。",
        "{{ name }}, our staff have been in touch with you about your account {{ number }}. If repaying "
        "is becoming difficult, please tell us early so that we can agree an arrangement that suits you.",
    ),
}


def ensure_templates(template_model, templates: dict) -> None:
    """Create the message templates of `templates` ({key: (subject_zh, subject_en, body_zh,
    body_en)}) that are missing; an existing one is kept as edited. Data migrations pass their
    historical model (this module's and dunning's defaults both seed through here)."""
    for key, (subject_zh, subject_en, body_zh, body_en) in templates.items():
        template_model.objects.get_or_create(
            key=key,
            defaults={
                "subject_zh": subject_zh,
                "subject_en": subject_en,
                "body_zh": body_zh,
                "body_en": body_en,
            },
        )


def ensure_event_templates(template_model=None) -> None:
    """Create the event templates that are missing (an existing one is kept as it is)."""
    if template_model is None:
        from notifications.models import MessageTemplate as template_model
    ensure_templates(template_model, TEMPLATES)
