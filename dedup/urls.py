from django.urls import path

from dedup import views

app_name = "dedup"
urlpatterns = [
    path("", views.adjudication, name="adjudication"),
    path("conflicts/<int:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("duplicates/<int:pk>/decide/", views.duplicate_decide, name="duplicate_decide"),
]
