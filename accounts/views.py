from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from taggit.models import Tag

from core.http import safe_next

from .forms import PeopleFilterForm, ProfileForm
from .models import User


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect(safe_next(request, request.user.get_absolute_url()))
    welcome = request.GET.get("welcome") == "1"
    if welcome and not form.is_bound and request.user.timezone == "UTC":
        # UTC is only the default nobody chose: static/js/timezone.js offers the browser's zone
        # on the welcome step. Never on the ordinary edit form, where UTC may be a choice and
        # the page must submit back exactly what it showed.
        form.fields["timezone"].widget.attrs["data-browser-zone"] = "offer"
    return render(request, "accounts/profile_edit.html", {"form": form, "welcome": welcome})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    people = User.objects.active().select_related("unit").prefetch_related("expertise")
    if form.is_valid():
        people = people.search(form.cleaned_data["q"])
        if form.cleaned_data["unit"]:
            people = people.filter(unit=form.cleaned_data["unit"])
        if form.cleaned_data["expertise"]:
            tagged = User.objects.filter(expertise__name__iexact=form.cleaned_data["expertise"].strip())
            people = people.filter(pk__in=tagged.values("pk"))
    page = Paginator(people.order_by("display_name", "email"), 30).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    if request.htmx and request.htmx.target == "people-results":
        return render(request, "accounts/people.html#results", context)
    return render(request, "accounts/people.html", context)


@login_required
def expertise_suggestions(request: HttpRequest) -> HttpResponse:
    """Existing expertise tags that start with what the person is typing (after the last comma)."""
    typed = request.GET.get("expertise", "")
    term = typed.split(",")[-1].strip()
    already = {t.strip().lower() for t in typed.split(",")[:-1]}
    tags = []
    if term:
        tags = [
            name
            for name in Tag.objects.filter(
                name__istartswith=term, taggit_taggeditem_items__content_type__model="user"
            )
            .values_list("name", flat=True)
            .distinct()
            .order_by("name")[:8]
            if name.lower() not in already
        ]
    return render(request, "accounts/includes/_expertise_suggestions.html", {"tags": tags, "term": term})
