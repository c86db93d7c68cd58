"""A person's profile page: who they are, and the communities the viewer may know they belong to.

It lives here, not in accounts, because it shows memberships: accounts sits below communities
and knows nothing of them. The route keeps its place and name (`accounts:profile`, see
`cop_platform/urls.py`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Community, Membership
from .policy import can_edit_profile

User = get_user_model()


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        User.objects.active().select_related("unit").prefetch_related(
            "expertise",
            # Only communities the viewer may know exist: a private membership stays private.
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(
                    is_active=True, community__in=Community.objects.visible_to(request.user)
                ).select_related("community").order_by("community__name"),
                to_attr="visible_memberships",
            ),
        ),
        pk=pk,
    )
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "is_me": person.pk == request.user.pk, "can_edit": can_edit_profile(request.user, person)},
    )
