from django.contrib import admin
from django.urls import include, path

from config import views
from config.admin_site import secure_admin_site

# /django-admin/login/ goes to allauth's login (second factor, limits, audit); the admin opens
# only to a session that passed the second factor.
secure_admin_site()

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("ministry/audit/", include("audit.urls")),
    path("ministry/adjudication/", include("dedup.urls")),
    path("ministry/benefits/", include("benefits.urls")),
    path("ministry/", include("reports.urls")),
    # The REST API (/api/v1/) and the managers' pages of its clients (/charity/api-clients/).
    path("", include("api.urls")),
    # The managers' pages of their webhooks (/charity/webhooks/).
    path("", include("webhooks.urls")),
    path("charity/", include("charities.urls")),
    path("donate/", include("donations.urls")),
    path("apply/", include("applicants.urls")),
    path("identity/", include("identity.urls")),
    path("requests/", include("aid_requests.urls")),
    path("volunteering/", include("volunteering.urls")),
    path("notifications/", include("notifications.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("accounts.urls")),
]

handler403 = "config.views.error_403"
handler404 = "config.views.error_404"
handler500 = "config.views.error_500"
