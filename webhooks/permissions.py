from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from communities.policy import Access, community_access_or_404

from .models import Webhook


def webhooks_access_or_404(request, slug: str) -> Access:
    """The community (404 if unseen) and 403 unless the requester moderates it."""
    access = community_access_or_404(request, slug)
    access.require(access.can_moderate)
    return access


def webhook_or_404(access: Access, pk: int) -> Webhook:
    return get_object_or_404(Webhook, pk=pk, community=access.community)


def require_site_admin(request) -> None:
    if not request.user.is_authenticated:
        raise Http404
    if not request.user.is_superuser:
        raise PermissionDenied
