"""Customer pages of the application journey, included by the root URLconf at the site root."""

from django.urls import path

from applications import views, wizard

app_name = "applications"

urlpatterns = [
    path("apply/", views.apply, name="apply"),  # the old one-page form's address: to the wizard
    path("apply/new/", wizard.wizard_start, name="wizard-start"),
    path("apply/<int:pk>/", wizard.wizard_resume, name="wizard-resume"),
    path("apply/<int:pk>/<slug:step>/", wizard.wizard_step, name="wizard"),
    path("applications/", views.application_list, name="list"),
    path("applications/<int:pk>/", views.application_detail, name="detail"),
    path("applications/<int:pk>/offer/", views.offer, name="offer"),
    path("applications/<int:pk>/contract/", views.contract, name="contract"),
    path("applications/<int:pk>/contract.pdf", views.contract_pdf, name="contract-pdf"),
    path("applications/<int:pk>/request-review/", views.request_review, name="request-review"),
    path("applications/<int:pk>/<slug:action>/", views.customer_action, name="action"),
]
