from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, can


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page; signed-in users go straight to the page of their role."""
    user = request.user
    if can(user, Capability.VIEW_STATISTICS):
        return redirect("reports:overview")
    if can(user, Capability.VIEW_QUEUE):
        return redirect("charities:dashboard")
    if can(user, Capability.VIEW_OWN_REQUESTS):
        return redirect("applicants:my_requests")
    return render(request, "accounts/home.html")
