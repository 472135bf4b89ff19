from django.urls import path

from charities.views import cases, licensing, queue, staff

app_name = "charities"
urlpatterns = [
    path("", queue.dashboard, name="dashboard"),
    path("queue/", queue.queue, name="queue"),
    path("cases/", queue.my_cases, name="my_cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("queue/<int:pk>/claim/", cases.claim, name="claim"),
    path("cases/<int:pk>/approve/", cases.approve, name="approve"),
    path("cases/<int:pk>/payments/", cases.payment, name="payment"),
    path("cases/<int:pk>/close/", cases.close, name="close"),
    path("cases/<int:pk>/release/", cases.release, name="release"),
    path("cases/<int:pk>/reject/", cases.reject, name="reject"),
    path("cases/<int:pk>/message/", cases.case_message, name="message"),
    # applying to join (public)
    path("apply/", licensing.apply_to_join, name="apply"),
    path("apply/thanks/", licensing.apply_done, name="apply_done"),
    path("apply/confirm/<str:token>/", licensing.apply_confirm, name="apply_confirm"),
    # licensing (ministry administrators)
    path("licensing/", licensing.licensing, name="licensing"),
    path("licensing/<int:pk>/", licensing.licensing_detail, name="licensing_detail"),
    path("licensing/<int:pk>/approve/", licensing.licensing_approve, name="licensing_approve"),
    path("licensing/<int:pk>/suspend/", licensing.licensing_suspend, name="licensing_suspend"),
    path(
        "licensing/<int:pk>/reactivate/",
        licensing.licensing_reactivate,
        name="licensing_reactivate",
    ),
    path("licensing/<int:pk>/licence/", licensing.licensing_licence, name="licensing_licence"),
    # staff (managers)
    path("staff/", staff.staff, name="staff"),
    path("staff/invite/", staff.staff_invite, name="staff_invite"),
    path("staff/<int:pk>/role/", staff.staff_role, name="staff_role"),
    path("staff/<int:pk>/remove/", staff.staff_remove, name="staff_remove"),
]
