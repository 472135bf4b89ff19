from django.urls import path

from donations import views

app_name = "donations"
urlpatterns = [
    path("", views.give, name="give"),
    path("mine/", views.my_gifts, name="mine"),
    path("g/<str:token>/", views.gift, name="gift"),
    path("g/<str:token>/confirm/", views.confirm, name="confirm"),
    path("g/<str:token>/receipt/", views.receipt, name="receipt"),
    path("gateway/notify/", views.notify, name="notify"),
    path("gateway/simulator/<str:transaction_id>/", views.simulator, name="simulator"),
    path("organisation/", views.funds, name="funds"),
    path("organisation/gifts/<int:pk>/refund/", views.refund, name="refund"),
    path("ministry/", views.ministry, name="ministry"),
]
