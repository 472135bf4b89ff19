from django.urls import path

from applicants import views

app_name = "applicants"
urlpatterns = [
    path("requests/", views.my_requests, name="my_requests"),
    # The profile, in steps; "profile" sends the applicant to the first step still to do.
    path("profile/", views.profile, name="profile"),
    path("profile/personal/", views.personal, name="personal"),
    path("profile/household/", views.household, name="household"),
    path("profile/household/add/", views.member_add, name="member_add"),
    path("profile/household/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("profile/household/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("profile/incomes/", views.incomes, name="incomes"),
    path("profile/incomes/add/", views.income_add, name="income_add"),
    path("profile/incomes/<int:pk>/edit/", views.income_edit, name="income_edit"),
    path("profile/incomes/<int:pk>/remove/", views.income_remove, name="income_remove"),
    path("profile/obligations/", views.obligations, name="obligations"),
    path("profile/obligations/add/", views.obligation_add, name="obligation_add"),
    path("profile/obligations/<int:pk>/edit/", views.obligation_edit, name="obligation_edit"),
    path(
        "profile/obligations/<int:pk>/remove/",
        views.obligation_remove,
        name="obligation_remove",
    ),
    path("profile/documents/", views.documents, name="documents"),
    path("profile/documents/upload/", views.document_upload, name="document_upload"),
    path(
        "profile/documents/<int:pk>/download/",
        views.document_download,
        name="document_download",
    ),
    path("profile/documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
    path("profile/consent/", views.consent, name="consent"),
    path("profile/<slug:step>/continue/", views.step_confirm, name="step_confirm"),
    path("profile/review/", views.review, name="review"),
    # For the ministry: find an applicant by civil ID; protected applicants.
    path("ministry/applicants/", views.ministry_lookup, name="ministry_lookup"),
    path("ministry/applicants/<int:pk>/", views.ministry_applicant, name="ministry_applicant"),
    path(
        "ministry/applicants/<int:pk>/protection/",
        views.protection_set,
        name="protection_set",
    ),
]
