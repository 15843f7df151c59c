"""/api/v1/applications/ — drafts, transitions and the officers' queue."""

from django.urls import path

from applications import apis, apis_business, apis_collateral, apis_review

app_name = "applications-api"

urlpatterns = [
    path("", apis.ApplicationListCreateApi.as_view(), name="list"),
    path("queue/", apis.ApplicationQueueApi.as_view(), name="queue"),
    path("<int:pk>/", apis.ApplicationDetailApi.as_view(), name="detail"),
    path("<int:pk>/submit/", apis.ApplicationSubmitApi.as_view(), name="submit"),
    path("<int:pk>/withdraw/", apis.ApplicationWithdrawApi.as_view(), name="withdraw"),
    path("<int:pk>/approve/", apis.ApplicationApproveApi.as_view(), name="approve"),
    path("<int:pk>/refer/", apis.ApplicationReferApi.as_view(), name="refer"),
    path("<int:pk>/decline/", apis.ApplicationDeclineApi.as_view(), name="decline"),
    path("<int:pk>/accept-offer/", apis.ApplicationAcceptOfferApi.as_view(), name="accept-offer"),
    path("<int:pk>/decline-offer/", apis.ApplicationDeclineOfferApi.as_view(), name="decline-offer"),
    path("<int:pk>/disburse/", apis.ApplicationDisburseApi.as_view(), name="disburse"),
    path("<int:pk>/assign/", apis.ApplicationAssignApi.as_view(), name="assign"),
    path("<int:pk>/collateral/", apis_collateral.ApplicationCollateralApi.as_view(), name="collateral"),
    path("<int:pk>/guarantors/", apis_collateral.ApplicationGuarantorApi.as_view(), name="guarantors"),
    path(
        "<int:pk>/qualitative-assessment/",
        apis_business.ApplicationQualitativeAssessmentApi.as_view(),
        name="qualitative-assessment",
    ),
    path(
        "<int:pk>/rating-override/",
        apis_business.ApplicationGradeOverrideApi.as_view(),
        name="rating-override",
    ),
    path(
        "<int:pk>/rating-override/decide/",
        apis_business.ApplicationGradeOverrideDecideApi.as_view(),
        name="rating-override-decide",
    ),
    path(
        "<int:pk>/request-review/", apis_review.ApplicationRequestReviewApi.as_view(), name="request-review"
    ),
]
