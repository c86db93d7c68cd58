"""The API tokens page: a person creates, names, scopes and revokes their own tokens.

A new token's secret is shown once, in the response to the POST that made it, and
never stored (only its hash), so it cannot be shown again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from .forms import TokenForm
from .models import ApiToken
from .services import token_create, token_revoke

app_name = "tokens"


def _page(request, *, form, secret: str = "", created=None, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "secret": secret,
        "created": created,
    }
    template = "api/tokens.html#tokens" if request.htmx else "api/tokens.html"
    return render(request, template, context, status=status)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, form=TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _page(request, form=TokenForm(), secret=secret, created=token)
    return _page(request, form=form, status=400)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token, by=request.user)
    if request.htmx:
        return render(request, "api/tokens.html#token", {"token": token})
    messages.success(request, f"“{token.name}” is revoked: it no longer opens the API.")
    return redirect("tokens:list")


urlpatterns = [
    path("account/api-tokens/", token_list, name="list"),
    path("account/api-tokens/<int:pk>/revoke/", token_revoke_view, name="revoke"),
]
