from django.urls import path

from applicants.views import documents, household, ministry, money, steps

app_name = "applicants"
urlpatterns = [
    path("requests/", steps.my_requests, name="my_requests"),
    # The profile, in steps; "profile" sends the applicant to the first step still to do.
    path("profile/", steps.profile, name="profile"),
    path("profile/personal/", steps.personal, name="personal"),
    path("profile/household/", household.household, name="household"),
    path("profile/household/add/", household.member_add, name="member_add"),
    path("profile/household/<int:pk>/edit/", household.member_edit, name="member_edit"),
    path("profile/household/<int:pk>/remove/", household.member_remove, name="member_remove"),
    path("profile/incomes/", money.incomes, name="incomes"),
    path("profile/incomes/add/", money.income_add, name="income_add"),
    path("profile/incomes/<int:pk>/edit/", money.income_edit, name="income_edit"),
    path("profile/incomes/<int:pk>/remove/", money.income_remove, name="income_remove"),
    path("profile/obligations/", money.obligations, name="obligations"),
    path("profile/obligations/add/", money.obligation_add, name="obligation_add"),
    path("profile/obligations/<int:pk>/edit/", money.obligation_edit, name="obligation_edit"),
    path(
        "profile/obligations/<int:pk>/remove/",
        money.obligation_remove,
        name="obligation_remove",
    ),
    path("profile/documents/", documents.documents, name="documents"),
    path("profile/documents/upload/", documents.document_upload, name="document_upload"),
    path(
        "profile/documents/<int:pk>/download/",
        documents.document_download,
        name="document_download",
    ),
    path("profile/documents/<int:pk>/remove/", documents.document_remove, name="document_remove"),
    path("profile/consent/", steps.consent, name="consent"),
    path("profile/<slug:step>/continue/", steps.step_confirm, name="step_confirm"),
    path("profile/review/", steps.review, name="review"),
    # For the ministry: find an applicant by civil ID; protected applicants.
    path("ministry/applicants/", ministry.ministry_lookup, name="ministry_lookup"),
    path("ministry/applicants/<int:pk>/", ministry.ministry_applicant, name="ministry_applicant"),
    path(
        "ministry/applicants/<int:pk>/protection/",
        ministry.protection_set,
        name="protection_set",
    ),
]
