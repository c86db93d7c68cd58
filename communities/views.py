from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.adapter import INVITATION_SESSION_KEY
from core.http import safe_next

from . import cards, nav, selectors, services
from .forms import (
    CommunityForm,
    DeclineForm,
    DirectoryFilterForm,
    InvitationForm,
    JoinRequestForm,
    RoleForm,
)
from .models import (
    AuditEvent,
    Community,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Membership,
    RequestStatus,
)
from .policy import access_for, can_propose_community, community_access_or_404


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    communities = selectors.directory(
        user=request.user,
        q=filters.get("q", ""),
        tag=filters.get("tag", ""),
        mine=filters.get("mine", False),
        archived=filters.get("archived", False),
        sort=filters.get("sort") or "activity",
    )
    page = Paginator(communities, 24).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filters": filters}
    if request.htmx and request.htmx.target == "community-results":
        return render(request, "communities/directory.html#results", context)
    return render(request, "communities/directory.html", context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not can_propose_community(request.user):
        raise PermissionDenied
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            community = services.community_create(by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if community.is_live:
                messages.success(request, f"{community.name} is live. You are its first moderator.")
            else:
                messages.info(request, "Thank you! A site admin will review your proposal soon.")
            return redirect(community)
    return render(request, "communities/form.html", {"form": form, "creating": True})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    community = access.community
    # The features' cards (communities/cards.py): the cached part is the same for every viewer;
    # whether this viewer sees a card is its `visible`, what differs by viewer its template.
    shown = cards.visible_cards(access)
    built = cards.community_cards(community, wanted=[card.name for card in shown])
    context = {
        "access": access,
        "community": community,
        "counts": selectors.community_counts(community),
        "stewards": selectors.stewards(community),
        "tags": community.tags.all(),
        "cards": [{"template": card.template, "built": built[card.name]} for card in shown],
    }
    if access.can_moderate:
        context["pending_requests"] = community.join_requests.filter(status=RequestStatus.PENDING).count()
        context.update(nav.moderator_counts(community))
    return render(request, "communities/detail.html", context)


def _membership_response(request: HttpRequest, slug: str) -> HttpResponse:
    """After join/leave: the refreshed actions box for htmx, a redirect otherwise."""
    if request.htmx:
        access = community_access_or_404(request, slug)
        # The actions box, plus the counts card swapped out-of-band so the numbers stay true.
        response = render(
            request,
            "communities/includes/_membership_changed.html",
            {
                "access": access,
                "community": access.community,
                "counts": selectors.community_counts(access.community),
            },
        )
        return response
    return redirect("communities:detail", slug=slug)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    try:
        services.membership_join(community=access.community, user=request.user)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, f"Welcome to {access.community.name}!")
    return _membership_response(request, slug)


@login_required
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    if request.method == "POST":
        try:
            services.membership_leave(community=access.community, user=request.user)
        except ValidationError as error:
            _refusal(request, error)
            return _membership_response(request, slug)  # still a member: stay on the community
        else:
            messages.success(request, f"You have left {access.community.name}. You can rejoin any time.")
        if access.community.visibility == "private" and not request.htmx:
            return redirect("communities:directory")
        if access.community.visibility == "private":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("communities:directory")
            return response
        return _membership_response(request, slug)
    if not access.can_leave:
        messages.info(request, "You are not a member of this community.")
        return redirect(access.community)
    return render(request, "communities/leave.html", {"access": access, "community": access.community})


@login_required
def request_to_join(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    community = access.community
    if access.is_member:
        messages.info(request, "You are already a member.")
        return redirect(community)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.join_request_create(community=community, user=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your request is on its way to the moderators. You will be notified.")
            return redirect(community)
    pending = community.join_requests.filter(user=request.user, status=RequestStatus.PENDING).first()
    return render(
        request, "communities/request_to_join.html", {"access": access, "community": community, "form": form, "pending": pending}
    )


@login_required
@require_POST
def withdraw_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    join_request = get_object_or_404(JoinRequest, pk=pk, community=access.community, user=request.user)
    try:
        services.join_request_withdraw(join_request=join_request, by=request.user)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, "Your request is withdrawn.")
    return redirect(access.community)


def _moderated(request: HttpRequest, slug: str):
    access = community_access_or_404(request, slug)
    access.require(access.can_moderate)
    return access


@login_required
def join_requests(request: HttpRequest, slug: str) -> HttpResponse:
    access = _moderated(request, slug)
    community = access.community
    pending = community.join_requests.filter(status=RequestStatus.PENDING).select_related("user", "user__unit")
    decided = (
        community.join_requests.exclude(status=RequestStatus.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "communities/join_requests.html",
        {"access": access, "community": community, "pending": pending, "decided": decided, "decline_form": DeclineForm()},
    )


@login_required
@require_POST
def decide_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    join_request = get_object_or_404(JoinRequest.objects.select_related("user"), pk=pk, community=access.community)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            services.join_request_approve(join_request=join_request, by=request.user)
            messages.success(request, f"{join_request.user.name} is now a member.")
        elif decision == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "communities/decline.html",
                    {"access": access, "community": access.community, "join_request": join_request, "form": form},
                    status=400,
                )
            services.join_request_decline(join_request=join_request, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, f"You declined {join_request.user.name}'s request.")
        else:
            messages.error(request, "Choose to approve or decline.")
    except ValidationError as error:
        _refusal(request, error)
    return redirect("communities:join_requests", slug=slug)


@login_required
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    access = _moderated(request, slug)
    community = access.community
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        access.require(access.can_invite)
        if form.is_valid():
            try:
                invitation = services.invitation_create(community=community, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("communities:invitations", slug=slug)
    sent = community.invitations.select_related("invited_by", "accepted_by").order_by("-created_at")
    page = Paginator(sent, 30).get_page(request.GET.get("page"))
    return render(
        request, "communities/invitations.html", {"access": access, "community": community, "form": form, "page": page}
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, community=access.community)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return redirect("communities:invitations", slug=slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: anyone holding it sees the invitation; only its addressee can answer it."""
    invitation = get_object_or_404(Invitation.objects.select_related("community", "invited_by"), token=token)
    community = invitation.community
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={invitation.get_absolute_url()}")
        try:
            if request.POST.get("decision") == "accept":
                services.invitation_accept(invitation=invitation, user=request.user)
                request.session.pop(INVITATION_SESSION_KEY, None)
                messages.success(request, f"Welcome to {community.name}!")
                return redirect(community)
            services.invitation_decline(invitation=invitation, user=request.user)
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.info(request, "You declined the invitation.")
            return redirect("home")
        except ValidationError as error:
            _refusal(request, error)
            return redirect(invitation)
    if not request.user.is_authenticated and invitation.is_open:
        from allauth.account.adapter import get_adapter

        # Signing up through the link proves the address, and lets people in when sign-up is closed.
        request.session[INVITATION_SESSION_KEY] = invitation.token
        get_adapter(request).stash_verified_email(request, invitation.email)
    access = access_for(request.user, community) if request.user.is_authenticated else None
    return render(
        request,
        "communities/invitation.html",
        {"invitation": invitation, "community": community, "access": access, "InvitationStatus": InvitationStatus},
    )


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(access.can_read)
    community = access.community
    role = request.GET.get("role", "")
    page = Paginator(selectors.members(community, role=role), 50).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "community": community,
        "page": page,
        "role": role,
        "counts": selectors.community_counts(community),
        "units": selectors.units_represented(community),
        "role_form": RoleForm(),
    }
    return render(request, "communities/members.html", context)


@login_required
@require_POST
def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, community=access.community)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
    else:
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
        except ValidationError as error:
            _refusal(request, error)
        else:
            messages.success(request, f"{membership.user.name}'s role is updated.")
    return redirect(safe_next(request, reverse("communities:members", args=[slug])))


@login_required
def settings_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = _moderated(request, slug)
    community = access.community
    # The form edits its own copy: an invalid submission must not change the page around it.
    form = CommunityForm(
        request.POST or None,
        instance=Community.objects.get(pk=community.pk),
        initial={"tags": community.tags.all()},
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "archive":
                services.community_archive(community=community, by=request.user)
                messages.success(request, "The community is archived: its history stays readable.")
                return redirect(community)
            if action == "unarchive":
                services.community_unarchive(community=community, by=request.user)
                messages.success(request, "The community is active again.")
                return redirect(community)
            if form.is_valid():
                data = dict(form.cleaned_data)
                tags = data.pop("tags")
                services.community_update(community=community, by=request.user, tags=tags, **data)
                messages.success(request, "Settings saved.")
                return redirect("communities:settings", slug=community.slug)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "communities/settings.html", {"access": access, "community": community, "form": form})


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(access.can_view_audit_log)
    events = AuditEvent.objects.filter(community=access.community).select_related("actor", "subject")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "communities/audit_log.html", {"access": access, "community": access.community, "page": page})


def home(request: HttpRequest) -> HttpResponse:
    from notifications.models import Notification

    if not request.user.is_authenticated:
        featured = selectors.directory(user=request.user, sort="activity")[:6]
        return render(request, "home.html", {"featured": featured})
    user = request.user
    mine = selectors.my_communities(user)
    open_invitations = Invitation.objects.open().filter(email__iexact=user.email).select_related("community")
    pending = JoinRequest.objects.filter(user=user, status=RequestStatus.PENDING).select_related("community")
    recent = Notification.objects.for_user(user).select_related("actor")[:5]
    suggestions = (
        selectors.directory(user=user, sort="size").exclude(pk__in=selectors.my_community_ids(user))[:4]
    )
    return render(
        request,
        "dashboard.html",
        {"mine": mine, "open_invitations": open_invitations, "pending": pending, "recent": recent, "suggestions": suggestions},
    )
