from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("charity/webhooks/", views.endpoints, name="endpoints"),
    path("charity/webhooks/new/", views.endpoint_create, name="endpoint_create"),
    path("charity/webhooks/<int:pk>/disable/", views.endpoint_disable, name="endpoint_disable"),
    path("charity/webhooks/<int:pk>/deliveries/", views.deliveries, name="deliveries"),
    path(
        "charity/webhooks/deliveries/<int:pk>/replay/",
        views.delivery_replay,
        name="delivery_replay",
    ),
]
