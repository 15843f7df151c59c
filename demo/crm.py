"""Demo CRM: answered NPS surveys over the last three months, officers' follow-ups with a contact
log, and customers' suggestions in the product managers' queue, so the NPS page is alive.

Idempotent: nothing is written when the demo follow-ups exist. Surveys are those the registries
opened for the demo's disbursements and closed loans, plus one per demo customer; answers are
given through the service, then their dates spread over three months for the trend.
"""

from __future__ import annotations

import datetime as dt

from applications.models import LoanApplication
from customers.models import Customer
from loanhub import clock
from marketing import crm
from marketing.models import FollowUp, NpsSurvey

SCORES = (10, 9, 7, 4, 8, 10, 6, 9, 3, 10, 9, 8)
# What the demo's customers wrote, in their language.
COMMENTS = ("", "审批很快。", "", "要交的材料太多。", "", "还款计划很清楚。", "手续费出乎意料。")


def seed_crm(*, officer, usernames: list[str]) -> int:
    customers = list(
        Customer.objects.filter(user__username__in=usernames).select_related("user").order_by("id")
    )
    if not customers or FollowUp.objects.filter(note__startswith="演示：").exists():
        return 0
    for customer in customers:
        application = (
            LoanApplication.objects.filter(customer=customer)
            .select_related("product_version__product")
            .first()
        )
        if application is not None:
            crm.survey_open(
                customer_id=customer.pk,
                moment="disbursed",
                subject_ref=f"demo:{customer.pk}",
                product_code=application.product_version.product.code,
            )
    now = clock.now()
    surveys = list(
        NpsSurvey.objects.filter(answered_at__isnull=True).select_related("customer__user").order_by("id")
    )
    for index, survey in enumerate(surveys):
        crm.survey_answer(
            survey_id=survey.pk,
            actor=survey.customer.user,
            score=SCORES[index % len(SCORES)],
            comment=COMMENTS[index % len(COMMENTS)],
            suggestion="希望可以用微信支付还款。" if index == 3 else "",
        )
        # Spread the answers over the last three months (the trend needs more than one).
        NpsSurvey.objects.filter(pk=survey.pk).update(
            answered_at=now - dt.timedelta(days=(index % 3) * 30 + 1)
        )
    first = customers[0]
    task = crm.follow_up_create(
        actor=officer,
        customer=first,
        kind="offer_reminder",
        due_on=clock.today(),
        note="演示：提醒客户报价",
    )
    crm.contact_log(
        actor=officer,
        customer=first,
        channel="phone",
        direction="outbound",
        summary="已提醒客户报价。",
        follow_up=task,
    )
    crm.follow_up_complete(follow_up=task, actor=officer, outcome="reached", note="客户本周内接受。")
    for offset, customer in enumerate(customers[1:3], start=1):
        crm.follow_up_create(
            actor=officer,
            customer=customer,
            kind="document_chase",
            due_on=clock.today() + dt.timedelta(days=offset),
            note="演示：缺少收入证明",
        )
    crm.suggestion_submit(actor=customers[-1].user, text="希望车贷的还款期限能更长一些。")
    return len(surveys)
