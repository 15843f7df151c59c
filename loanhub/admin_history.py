"""History in the admin is for reading: a past version is shown, never restored.

django-simple-history's page of one past version saves it back on POST, checking only the view
permission (SIMPLE_HISTORY_REVERT_DISABLED merely hides the button). Every audited change in
LoanHub goes through a service that checks the role and records an event, so that page is
read-only here for everyone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
