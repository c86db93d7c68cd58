"""Moderator pages of a community's webhooks, and the site admins' platform-wide ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .forms import WebhookForm
from .models import Delivery, Webhook
from .permissions import require_site_admin, webhook_or_404, webhooks_access_or_404


class _Scope:
    """A community's webhooks (moderators) or the platform-wide ones (site admins)."""

    def __init__(self, request, slug: str | None):
        self.access = None
        self.community = None
        if slug is None:
            require_site_admin(request)
        else:
            self.access = webhooks_access_or_404(request, slug)
            self.community = self.access.community

    def webhooks(self):
        if self.community is None:
            return Webhook.objects.filter(community__isnull=True)
        return Webhook.objects.filter(community=self.community)

    def webhook(self, pk: int) -> Webhook:
        if self.community is None:
            return get_object_or_404(Webhook, pk=pk, community__isnull=True)
        return webhook_or_404(self.access, pk)

    def url(self, name: str, *args) -> str:
        if self.community is None:
            return reverse(f"webhooks:platform_{name}", args=args)
        return reverse(f"webhooks:{name}", args=[self.community.slug, *args])

    def context(self, **extra) -> dict:
        return {"access": self.access, "community": self.community, "scope": self, **extra}


def _apply(form: WebhookForm, write) -> bool:
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error("url", exc.messages)
        return False
    return True


@login_required
def webhook_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    scope = _Scope(request, slug)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = {}

        def write(data):
            created["hook"] = services.webhook_create(
                community=scope.community,
                by=request.user,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
            )

        if _apply(form, write):
            messages.success(request, "Webhook added. Its secret is shown on its page.")
            return redirect(scope.url("edit", created["hook"].pk))
    hooks = scope.webhooks()
    return render(request, "webhooks/list.html", scope.context(webhooks=hooks, form=form))


@login_required
def webhook_edit(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    scope = _Scope(request, slug)
    webhook = scope.webhook(pk)
    initial = {
        "url": webhook.url,
        "description": webhook.description,
        "events": webhook.events,
        "is_active": webhook.is_active,
    }
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():

        def write(data):
            services.webhook_update(
                webhook=webhook,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
            )

        if _apply(form, write):
            messages.success(request, "Webhook saved.")
            return redirect(scope.url("edit", webhook.pk))
    return render(request, "webhooks/edit.html", scope.context(webhook=webhook, form=form))


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    scope = _Scope(request, slug)
    services.webhook_delete(webhook=scope.webhook(pk))
    messages.success(request, "Webhook deleted.")
    return redirect(scope.url("list"))


@login_required
def delivery_log(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    scope = _Scope(request, slug)
    webhook = scope.webhook(pk)
    page = Paginator(Delivery.objects.filter(webhook=webhook).defer("payload"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "webhooks/log.html", scope.context(webhook=webhook, page=page))


@login_required
@require_POST
def delivery_send_again(
    request: HttpRequest, pk: int, delivery_pk: int, slug: str | None = None
) -> HttpResponse:
    scope = _Scope(request, slug)
    webhook = scope.webhook(pk)
    delivery = get_object_or_404(
        Delivery.objects.select_related("webhook"), pk=delivery_pk, webhook=webhook
    )
    try:
        services.delivery_send_again(delivery=delivery)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "The delivery is on its way again.")
    return redirect(scope.url("log", webhook.pk))
