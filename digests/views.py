"""The email preferences page: every kind of email, and which communities stay out of the digest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from communities.models import Membership

from .forms import EmailPreferencesForm
from .services import email_preferences_update


@login_required
def email_preferences(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.active()
        .filter(user=request.user)
        .select_related("community")
        .order_by("community__name")
    )
    form = EmailPreferencesForm(request.POST or None, user=request.user, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            email_preferences_update(
                user=request.user,
                digest_frequency=data["digest_frequency"],
                digest_hour=data["digest_hour"],
                meeting_reminders=data["meeting_reminders"],
                email_notifications=data["email_notifications"],
                muted_community_ids=set(data["muted"]),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Your email preferences are saved.")
            return redirect("notifications:email_preferences")
    return render(
        request,
        "notifications/email_preferences.html",
        {"form": form, "has_memberships": bool(memberships)},
    )
