from django.urls import path

from identity import views

app_name = "identity"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/start/", views.start, name="start"),
    path("attempts/<int:pk>/status/", views.attempt_status, name="attempt_status"),
    path("attempts/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("nafath/callback/", views.nafath_callback, name="nafath_callback"),
    # Development only (404 unless IDENTITY_PROVIDER is "simulator" outside production).
    path("simulator/", views.simulator_phone, name="simulator"),
    path("simulator/<int:pk>/answer/", views.simulator_answer, name="simulator_answer"),
]
