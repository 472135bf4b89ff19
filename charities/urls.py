from django.urls import path

from charities import views

app_name = "charities"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("queue/", views.queue, name="queue"),
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("queue/<int:pk>/claim/", views.claim, name="claim"),
    path("cases/<int:pk>/approve/", views.approve, name="approve"),
    path("cases/<int:pk>/payments/", views.payment, name="payment"),
    path("cases/<int:pk>/close/", views.close, name="close"),
    path("cases/<int:pk>/release/", views.release, name="release"),
    path("cases/<int:pk>/reject/", views.reject, name="reject"),
    path("cases/<int:pk>/message/", views.case_message, name="message"),
    # applying to join (public)
    path("apply/", views.apply_to_join, name="apply"),
    path("apply/thanks/", views.apply_done, name="apply_done"),
    path("apply/confirm/<str:token>/", views.apply_confirm, name="apply_confirm"),
    # licensing (ministry administrators)
    path("licensing/", views.licensing, name="licensing"),
    path("licensing/<int:pk>/", views.licensing_detail, name="licensing_detail"),
    path("licensing/<int:pk>/approve/", views.licensing_approve, name="licensing_approve"),
    path("licensing/<int:pk>/suspend/", views.licensing_suspend, name="licensing_suspend"),
    path("licensing/<int:pk>/reactivate/", views.licensing_reactivate, name="licensing_reactivate"),
    path("licensing/<int:pk>/licence/", views.licensing_licence, name="licensing_licence"),
    # staff (managers)
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:pk>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
]
