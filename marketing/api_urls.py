"""Marketing API under /api/v1/marketing/."""

from django.urls import path

from marketing import apis

app_name = "marketing-api"

urlpatterns = [
    path("segments/", apis.SegmentListApi.as_view(), name="segments"),
    path("segments/<int:pk>/preview/", apis.SegmentPreviewApi.as_view(), name="segment-preview"),
    path("campaigns/", apis.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/launch/", apis.CampaignLaunchApi.as_view(), name="campaign-launch"),
    path("campaigns/<int:pk>/recipients/", apis.CampaignRecipientsApi.as_view(), name="campaign-recipients"),
    path("campaigns/<int:pk>/funnel/", apis.CampaignFunnelApi.as_view(), name="campaign-funnel"),
    path("experiments/", apis.ExperimentListApi.as_view(), name="experiments"),
    path("experiments/<int:pk>/results/", apis.ExperimentResultsApi.as_view(), name="experiment-results"),
    path("attribution/", apis.AttributionApi.as_view(), name="attribution"),
]
