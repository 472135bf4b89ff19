from django.urls import path

from volunteering import views

app_name = "volunteering"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    # applicants
    path("mine/", views.mine, name="mine"),
    path("preference/", views.preference, name="preference"),
    path("mine/<int:pk>/", views.my_application, name="my_application"),
    path("mine/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("mine/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mine/<int:pk>/hours/<int:log>/confirm/", views.hours_confirm, name="hours_confirm"),
    path("mine/<int:pk>/hours/<int:log>/dispute/", views.hours_dispute, name="hours_dispute"),
    # organisations
    path("organisation/", views.staff_opportunities, name="staff_opportunities"),
    path("organisation/new/", views.publish, name="publish"),
    path("organisation/<int:pk>/", views.staff_opportunity, name="staff_opportunity"),
    path("organisation/<int:pk>/edit/", views.edit, name="edit"),
    path("organisation/<int:pk>/complete/", views.complete, name="complete"),
    path("organisation/applications/<int:pk>/", views.placement, name="placement"),
    path("organisation/applications/<int:pk>/shortlist/", views.shortlist, name="shortlist"),
    path("organisation/applications/<int:pk>/accept/", views.accept, name="accept"),
    path("organisation/applications/<int:pk>/decline/", views.decline, name="decline"),
    path("organisation/applications/<int:pk>/hours/", views.log_hours, name="log_hours"),
    path("organisation/applications/<int:pk>/pay/", views.pay, name="pay"),
]
