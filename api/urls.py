from django.urls import path, re_path

from api.views import cases, clients, ministry, queue, schema

app_name = "api"
urlpatterns = [
    # the API (Bearer token; see api.authentication)
    path("api/v1/queue/", queue.QueueView.as_view(), name="queue"),
    path("api/v1/cases/<int:pk>/", cases.CaseView.as_view(), name="case"),
    path("api/v1/cases/<int:pk>/claim/", cases.ClaimView.as_view(), name="claim"),
    path("api/v1/cases/<int:pk>/approve/", cases.ApproveView.as_view(), name="approve"),
    path("api/v1/cases/<int:pk>/payments/", cases.PaymentsView.as_view(), name="payments"),
    path("api/v1/cases/<int:pk>/release/", cases.ReleaseView.as_view(), name="release"),
    path("api/v1/cases/<int:pk>/reject/", cases.RejectView.as_view(), name="reject"),
    path("api/v1/cases/<int:pk>/messages/", cases.MessagesView.as_view(), name="messages"),
    # the ministry's (a client of the ministry only)
    path("api/v1/statistics/", ministry.StatisticsView.as_view(), name="statistics"),
    path("api/v1/exports/", ministry.ExportsView.as_view(), name="exports"),
    path("api/v1/exports/<int:pk>/", ministry.ExportView.as_view(), name="export"),
    path(
        "api/v1/exports/<int:pk>/download/",
        ministry.ExportDownloadView.as_view(),
        name="export_download",
    ),
    path("api/v1/schema/", schema.SchemaView.as_view(), name="schema"),
    path("api/v1/docs/", schema.docs, name="docs"),
    # anything else under /api/: a problem document, not the portal's HTML page
    re_path(r"^api/", schema.not_found, name="not_found"),
    # the managers' pages of API clients (session, second factor)
    path("charity/api-clients/", clients.clients, name="clients"),
    path("charity/api-clients/new/", clients.client_create, name="client_create"),
    path("charity/api-clients/<int:pk>/rotate/", clients.client_rotate, name="client_rotate"),
    path("charity/api-clients/<int:pk>/revoke/", clients.client_revoke, name="client_revoke"),
    # the ministry administrators' pages of the ministry's API clients (the same pages)
    path("ministry/api-clients/", clients.ministry_clients, name="ministry_clients"),
    path(
        "ministry/api-clients/new/",
        clients.ministry_client_create,
        name="ministry_client_create",
    ),
    path(
        "ministry/api-clients/<int:pk>/rotate/",
        clients.ministry_client_rotate,
        name="ministry_client_rotate",
    ),
    path(
        "ministry/api-clients/<int:pk>/revoke/",
        clients.ministry_client_revoke,
        name="ministry_client_revoke",
    ),
]
