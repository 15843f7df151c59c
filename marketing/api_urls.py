"""Marketing API under /api/v1/marketing/."""

from django.urls import path

from marketing import apis, crm_apis, offer_request_apis, pilot_apis

app_name = "marketing-api"

urlpatterns = [
    path("segments/", apis.SegmentListApi.as_view(), name="segments"),
    path("segments/<int:pk>/preview/", apis.SegmentPreviewApi.as_view(), name="segment-preview"),
    path("campaigns/", apis.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/launch/", apis.CampaignLaunchApi.as_view(), name="campaign-launch"),
    path("campaigns/<int:pk>/recipients/", apis.CampaignRecipientsApi.as_view(), name="campaign-recipients"),
    path("campaigns/<int:pk>/funnel/", apis.CampaignFunnelApi.as_view(), name="campaign-funnel"),
    path("funnel/", apis.FunnelReportApi.as_view(), name="funnel"),
    path(
        "campaigns/<int:pk>/offer-request/",
        offer_request_apis.CampaignOfferRequestApi.as_view(),
        name="campaign-offer-request",
    ),
    path(
        "offer-requests/<int:pk>/take/",
        offer_request_apis.OfferRequestTakeApi.as_view(),
        name="offer-request-take",
    ),
    path(
        "offer-requests/<int:pk>/decline/",
        offer_request_apis.OfferRequestDeclineApi.as_view(),
        name="offer-request-decline",
    ),
    # Promotion pilots (marketing.pilots): Marketing Managers only.
    path("pilots/", pilot_apis.PilotListApi.as_view(), name="pilots"),
    path("pilots/<int:pk>/", pilot_apis.PilotDetailApi.as_view(), name="pilot"),
    path("pilots/<int:pk>/start/", pilot_apis.PilotStartApi.as_view(), name="pilot-start"),
    path("pilots/<int:pk>/end/", pilot_apis.PilotEndApi.as_view(), name="pilot-end"),
    path("experiments/", apis.ExperimentListApi.as_view(), name="experiments"),
    path("experiments/plan/", apis.ExperimentPlanApi.as_view(), name="experiment-plan"),
    path("experiments/<int:pk>/results/", apis.ExperimentResultsApi.as_view(), name="experiment-results"),
    path("attribution/", apis.AttributionApi.as_view(), name="attribution"),
    # CRM
    path("follow-ups/", crm_apis.FollowUpListApi.as_view(), name="follow-ups"),
    path("follow-ups/<int:pk>/complete/", crm_apis.FollowUpCompleteApi.as_view(), name="follow-up-complete"),
    path("follow-ups/<int:pk>/cancel/", crm_apis.FollowUpCancelApi.as_view(), name="follow-up-cancel"),
    path("customers/<int:customer_id>/contacts/", crm_apis.ContactLogApi.as_view(), name="contacts"),
    path("surveys/me/", crm_apis.MySurveysApi.as_view(), name="surveys-mine"),
    path("surveys/<int:pk>/answer/", crm_apis.SurveyAnswerApi.as_view(), name="survey-answer"),
    path("nps/", crm_apis.NpsReportApi.as_view(), name="nps"),
    path("suggestions/", crm_apis.SuggestionListApi.as_view(), name="suggestions"),
    path("suggestions/<int:pk>/triage/", crm_apis.SuggestionTriageApi.as_view(), name="suggestion-triage"),
]
