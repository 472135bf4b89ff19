from django.urls import path

from aid_requests import views

app_name = "aid_requests"
urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("new/<slug:code>/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<int:pk>/reject/", views.request_reject, name="reject"),
    path("<int:pk>/appeal/", views.request_appeal, name="appeal"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_decide, name="appeal_decide"),
    path("aid-types/", views.aid_type_list, name="aid_types"),
    path("aid-types/new/", views.aid_type_edit, name="aid_type_new"),
    path("aid-types/<int:pk>/edit/", views.aid_type_edit, name="aid_type_edit"),
]
