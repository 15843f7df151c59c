"""Collections API URLs, included by the root URLconf under /api/v1/collections/."""

from django.urls import path

from servicing.api import collections

app_name = "collections-api"

urlpatterns = [
    path("cases/", collections.CaseListApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", collections.CaseDetailApi.as_view(), name="case"),
    path("cases/<int:case_id>/promises/", collections.CasePromisesApi.as_view(), name="promises"),
    path("cases/<int:case_id>/contacts/", collections.CaseContactsApi.as_view(), name="contacts"),
    path("cases/<int:case_id>/assign/", collections.CaseAssignApi.as_view(), name="assign"),
]
