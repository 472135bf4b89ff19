from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/requests/", views.requests_list, name="requests"),
    path("statistics/organisations/<int:pk>/", views.organisation, name="organisation"),
    path("statistics/sources/", views.sources, name="sources"),
    path("statistics/volunteering/", views.volunteering, name="volunteering"),
    path("beneficiaries/", views.beneficiaries, name="beneficiaries"),
    path("statistics/export/", views.export, name="export"),
    path("statistics/exports/", views.my_exports, name="my_exports"),
    path("statistics/exports/<int:pk>/", views.export_status, name="export_status"),
    path("statistics/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
