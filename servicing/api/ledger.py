"""Ledger API: the trial balance (试算平衡表) of the general ledger and the provision ratios.

For staff who may read the chart of accounts (`servicing.view_ledgeraccount`: Auditor, Loan
Officer, Senior Approver, and the read-only roles that see the ledger in the console).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from loanhub.api_schema import detail_response
from loanhub.errors import Forbidden
from loanhub.permissions import may
from servicing import selectors
from servicing.api.loans import LoanApi
from servicing.api.serializers import ProvisionRatiosSerializer, TrialBalanceSerializer


class TrialBalanceApi(LoanApi):
    @extend_schema(
        tags=["ledger"],
        summary="Trial balance: each account's net balance on its side, and the totals",
        operation_id="ledger_trial_balance",
        responses={200: TrialBalanceSerializer, 403: detail_response("Not allowed for the caller's role.")},
    )
    def get(self, request):
        if not may(request.user, "servicing.view_ledgeraccount"):
            raise Forbidden(_("You may not read the ledger."))
        return Response(TrialBalanceSerializer(selectors.trial_balance()).data)


class ProvisionRatiosApi(LoanApi):
    @extend_schema(
        tags=["ledger"],
        summary="Provision coverage ratio and loan provision ratio against the regulatory floors",
        operation_id="ledger_provision_ratios",
        responses={
            200: ProvisionRatiosSerializer,
            403: detail_response("Not allowed for the caller's role."),
        },
    )
    def get(self, request):
        if not may(request.user, "servicing.view_ledgeraccount"):
            raise Forbidden(_("You may not read the ledger."))
        return Response(ProvisionRatiosSerializer(selectors.provision_ratios()).data)
