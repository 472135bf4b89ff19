from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidRequestsConfig(AppConfig):
    name = "aid_requests"
    verbose_name = _("Aid requests")
