"""Routes of the monitoring API (under /api/v1/monitoring/)."""

from django.urls import path

from monitoring import apis, apis_portfolio

app_name = "monitoring-api"

urlpatterns = [
    path("portfolio/", apis.PortfolioApi.as_view(), name="portfolio"),
    path("portfolio/mix/", apis_portfolio.PortfolioMixApi.as_view(), name="portfolio-mix"),
    path("roll-rates/", apis.RollRatesApi.as_view(), name="roll-rates"),
    path("cure-rates/", apis.CureRatesApi.as_view(), name="cure-rates"),
    path(
        "classification-migration/",
        apis.ClassificationMigrationApi.as_view(),
        name="classification-migration",
    ),
    path("vintages/", apis.VintagesApi.as_view(), name="vintages"),
    path("decisions/", apis.DecisionsApi.as_view(), name="decisions"),
    path("score-distribution/", apis.ScoreDistributionApi.as_view(), name="score-distribution"),
    path("psi/", apis.PsiApi.as_view(), name="psi"),
    path("calibration/", apis.CalibrationApi.as_view(), name="calibration"),
    path("concentration/", apis.ConcentrationApi.as_view(), name="concentration"),
    path("early-warnings/", apis.EarlyWarningListApi.as_view(), name="early-warnings"),
    path(
        "early-warnings/performance/",
        apis.EarlyWarningPerformanceApi.as_view(),
        name="early-warning-performance",
    ),
    path(
        "early-warnings/<int:pk>/transition/",
        apis.EarlyWarningTransitionApi.as_view(),
        name="early-warning-transition",
    ),
]
