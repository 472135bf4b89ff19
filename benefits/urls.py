from django.urls import path

from benefits import views

app_name = "benefits"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.batch, name="batch"),
    path("imports/<int:pk>/report/", views.report, name="report"),
]
