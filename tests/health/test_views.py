"""The health page, the members' visibility switch and the sponsor overview, through the client."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from charter.models import CharterState, VersionStatus
from communities.kinds import AuditAction
from communities.models import AuditEvent, Role
from health import overview as overview_module
from health.figures import Figure
from health.overview import OverviewRow
from tests.charter.factories import (
    CharterFactory,
    CharterVersionFactory,
    ObjectiveFactory,
    ValueStoryFactory,
)
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory

SECTIONS = ["Members", "Help", "Cross-silo reach", "Meetings", "Charter &amp; value"]


def health_url(slug="kubernetes", **params) -> str:
    url = reverse("health:community", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def visibility_url(slug="kubernetes") -> str:
    return reverse("health:visibility", args=[slug])


def populate(community, *, now=None):
    """Someone from Radiology IT asks; someone from Platform Engineering answers two hours later."""
    now = now or timezone.now()
    radiology = UnitFactory(name="Radiology IT", slug="radiology-it")
    platform = UnitFactory(name="Platform Engineering", slug="platform-engineering")
    asker = UserFactory(display_name="Rosa Asker", unit=radiology)
    helper = UserFactory(display_name="Hugo Helper", unit=platform)
    for person in (asker, helper):
        MembershipFactory(
            community=community,
            user=person,
            joined_at=now - dt.timedelta(days=200),
            first_joined_at=now - dt.timedelta(days=200),
        )
    asked = now - dt.timedelta(days=3)
    request = HelpRequestFactory(community=community, author=asker, created_at=asked)
    reply = ReplyFactory(
        help_request=request, author=helper, created_at=asked + dt.timedelta(hours=2)
    )
    request.first_reply_at = reply.created_at
    request.reply_count = 1
    request.save(update_fields=["first_reply_at", "reply_count"])
    return request


def approve_charter(community, *, approved_days_ago=40, revisit_by=None, by=None):
    charter = CharterFactory(community=community)
    version = CharterVersionFactory(
        charter=charter,
        number=1,
        status=VersionStatus.APPROVED,
        reviewed_at=timezone.now() - dt.timedelta(days=approved_days_ago),
        revisit_by=revisit_by,
    )
    charter.approved_version = version
    charter.state = CharterState.APPROVED
    charter.save()
    return charter


class Headings(HTMLParser):
    """The page's h1-h3 levels, in order (no level may be skipped)."""

    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4"):
            self.levels.append(int(tag[1]))


# The health page -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["moderator", "sponsor", "site_admin"])
def test_moderators_sponsors_and_site_admins_see_the_health_page(
    client, request, community, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(health_url())

    assert response.status_code == 200
    html = response.content.decode()
    for section in SECTIONS:
        assert f">{section}</h2>" in html


def test_anonymous_is_sent_to_sign_in(client, community):
    response = client.get(health_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_outsider_gets_403_on_a_public_community_and_404_on_a_private_one(
    client, outsider, community, private_community
):
    client.force_login(outsider)

    assert client.get(health_url()).status_code == 403
    assert client.get(health_url("incident-reviews")).status_code == 404


@pytest.mark.parametrize("persona", ["member", "core"])
def test_members_without_a_role_are_refused_while_the_page_is_closed(
    client, request, community, persona
):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(health_url()).status_code == 403


def test_every_figure_shows_its_number_trend_and_definition_next_to_it(
    client, moderator, community
):
    populate(community)
    client.force_login(moderator)

    response = client.get(health_url())

    html = response.content.decode()
    health = response.context["health"]
    assert len(health.figures()) == 18
    for figure in health.figures():
        card = html.split(f'id="figure-{figure.key}"', 1)[1].split("</li>", 1)[0]
        assert f">{figure.label}</h3>" in card
        assert 'class="health-figure-value"' in card
        assert f'<p class="health-definition small">{escape(figure.definition)}</p>' in card
    # One request, answered by someone from another unit two hours later.
    requests = html.split('id="figure-requests_asked"', 1)[1].split("</li>", 1)[0]
    assert ">1</p>" in requests
    assert "up from 0" in requests
    first_reply = html.split('id="figure-median_first_reply_hours"', 1)[1].split("</li>", 1)[0]
    assert ">2 h</p>" in first_reply
    across = html.split('id="figure-cross_unit_answer_share"', 1)[1].split("</li>", 1)[0]
    assert ">100%</p>" in across


def test_charts_come_with_accessible_svg_and_data_tables(client, moderator, community):
    populate(community)
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    assert html.count('role="img"') == 3
    assert html.count('<details class="health-data">') == 3
    assert "<caption>Who helped whom, by unit</caption>" in html
    assert '<th scope="row">Platform Engineering</th>' in html  # the answering unit's row
    assert "To Radiology IT" in html


def test_headings_do_not_skip_levels(client, moderator, community):
    populate(community)
    client.force_login(moderator)
    parser = Headings()

    parser.feed(client.get(health_url()).content.decode())

    assert parser.levels[0] == 1
    for before, after in zip(parser.levels, parser.levels[1:], strict=False):
        assert after <= before + 1


@pytest.mark.parametrize(("asked", "shown"), [("30", 30), ("90", 90), ("365", 365)])
def test_period_picker_marks_the_period_shown(client, moderator, community, asked, shown):
    client.force_login(moderator)

    response = client.get(health_url(days=asked))

    assert response.context["days"] == shown
    assert response.context["health"].period.days == shown
    assert f'href="{health_url()}?days={shown}" aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("asked", ["7", "abc", "", "-30", "30.5", "9" * 30, "%00"])
def test_a_bad_period_shows_thirty_days_rather_than_an_error(client, moderator, community, asked):
    client.force_login(moderator)

    response = client.get(health_url(), {"days": asked})

    assert response.status_code == 200
    assert response.context["days"] == 30


def test_revisit_date_in_the_past_is_called_overdue_in_words(client, moderator, community):
    approve_charter(community, revisit_by=timezone.localdate() - dt.timedelta(days=10))
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    card = html.split('id="figure-revisit_by"', 1)[1].split("</li>", 1)[0]
    assert "Overdue by 10 days" in card


def test_revisit_date_ahead_is_not_overdue(client, moderator, community):
    approve_charter(community, revisit_by=timezone.localdate() + dt.timedelta(days=60))
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    card = html.split('id="figure-revisit_by"', 1)[1].split("</li>", 1)[0]
    assert "Overdue" not in card
    assert "from today" in card
    days = html.split('id="figure-days_since_approval"', 1)[1].split("</li>", 1)[0]
    assert ">40 days</p>" in days


def test_objectives_show_their_number_of_value_stories_and_the_value_matrix(
    client, moderator, community
):
    charter = approve_charter(community)
    backed = ObjectiveFactory(charter=charter, title="Answer newcomers within a day")
    ObjectiveFactory(charter=charter, title="Share one runbook a month")
    ValueStoryFactory.create_batch(2, community=community, objective=backed)
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    objectives = html.split("Objectives and their value stories", 1)[1].split("</table>", 1)[0]
    assert "Answer newcomers within a day</th>" in objectives
    assert '<span class="health-count">2</span>' in objectives
    assert (
        '<span class="health-count">0</span> <span class="muted small">none yet</span>'
        in objectives
    )
    assert "Value created: 2 stories" in html


def test_unit_objective_and_community_names_are_escaped_on_the_page_and_in_its_charts(
    client, moderator, community
):
    request = populate(community)
    request.author_unit = UnitFactory(name='<script>alert("unit")</script>', slug="evil-unit")
    request.save(update_fields=["author_unit"])
    ObjectiveFactory(charter=approve_charter(community), title="<img src=x onerror=alert(1)>")
    community.name = "<b>Kube</b>"
    community.save(update_fields=["name"])
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    for raw in ('<script>alert("unit")</script>', "<img src=x onerror=alert(1)>", "<b>Kube</b>"):
        assert raw not in html
        assert escape(raw) in html


def test_a_community_with_nothing_recorded_renders(client, site_admin):
    empty = CommunityFactory(name="Brand New", slug="brand-new")
    client.force_login(site_admin)

    response = client.get(health_url("brand-new"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "No data for this period" in html
    assert "The charter has no objectives yet." in html
    assert "No approved charter sets one" in html
    days = html.split('id="figure-days_since_approval"', 1)[1].split("</li>", 1)[0]
    assert ">none approved</p>" in days
    assert empty.name in html


def test_download_link_keeps_the_period(client, sponsor, community):
    client.force_login(sponsor)

    html = client.get(health_url(days=90)).content.decode()

    assert f'href="{reverse("health:community_csv", args=["kubernetes"])}?days=90"' in html
    assert "Download CSV" in html


# Who sees it: the members' switch ---------------------------------------------------


def test_member_is_allowed_once_a_moderator_opens_the_page_to_members(
    client, member, moderator, community
):
    client.force_login(member)
    assert client.get(health_url()).status_code == 403

    client.force_login(moderator)
    response = client.post(visibility_url(), {"visible": "1"})
    assert response.status_code == 302
    assert response.url == health_url(days=30)

    client.force_login(member)
    response = client.get(health_url())
    assert response.status_code == 200
    assert "every member of Kubernetes Practitioners." in response.content.decode()
    # Members see who can see it, not the switch.
    assert "Keep it for moderators and sponsors" not in response.content.decode()


def test_closing_the_page_again_refuses_members(client, member, moderator, community):
    community.health_visible_to_members = True
    community.save(update_fields=["health_visible_to_members"])
    client.force_login(moderator)

    client.post(visibility_url(), {"visible": "0"})

    community.refresh_from_db()
    assert community.health_visible_to_members is False
    client.force_login(member)
    assert client.get(health_url()).status_code == 403


def test_switching_is_audited_once_per_change(client, moderator, community):
    client.force_login(moderator)

    client.post(visibility_url(), {"visible": "1"})
    client.post(visibility_url(), {"visible": "1"})  # already open: nothing to record

    events = AuditEvent.objects.filter(community=community, action=AuditAction.SETTINGS_CHANGED)
    assert events.count() == 1
    event = events.get()
    assert event.actor == moderator
    assert event.detail == {"fields": ["health_visible_to_members"], "visible": True}


@pytest.mark.parametrize("persona", ["member", "core", "sponsor", "outsider"])
def test_only_moderators_can_switch(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(visibility_url(), {"visible": "1"})

    assert response.status_code == 403
    community.refresh_from_db()
    assert community.health_visible_to_members is False


def test_site_admin_can_switch(client, site_admin, community):
    client.force_login(site_admin)

    client.post(visibility_url(), {"visible": "1"})

    community.refresh_from_db()
    assert community.health_visible_to_members is True


def test_switch_takes_post_only(client, moderator, community):
    client.force_login(moderator)

    assert client.get(visibility_url()).status_code == 405
    community.refresh_from_db()
    assert community.health_visible_to_members is False


@pytest.mark.parametrize("value", ["", "yes", "2", "true"])
def test_a_bad_choice_changes_nothing_and_says_why(client, moderator, community, value):
    client.force_login(moderator)

    response = client.post(visibility_url(), {"visible": value}, follow=True)

    assert response.status_code == 200
    assert "Choose whether members may see the health page." in response.content.decode()
    community.refresh_from_db()
    assert community.health_visible_to_members is False
    assert not AuditEvent.objects.filter(action=AuditAction.SETTINGS_CHANGED).exists()


def test_switch_by_htmx_answers_with_the_block_and_a_status_for_screen_readers(
    client, moderator, community
):
    client.force_login(moderator)

    response = client.post(
        visibility_url() + "?days=90", {"visible": "1"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="health-visibility"' in html
    assert "Keep it for moderators and sponsors" in html
    # Only the live region's text is swapped, not the element: screen readers announce a change
    # inside a live region they already know, not a new element put in its place.
    assert '<p id="health-visibility-status" hx-swap-oob="innerHTML">' in html
    assert "Every member can now see the health page." in html
    assert "?days=90" in html  # the next switch keeps the period


def test_the_page_of_a_moderator_has_the_switch_and_a_status_line(client, moderator, community):
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    assert "Show it to all members" in html
    assert 'id="health-visibility-status"' in html


# The Health tab and the account menu ---------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("member", False),
        ("core", False),
        ("moderator", True),
        ("sponsor", True),
        ("site_admin", True),
    ],
)
def test_health_tab_shows_to_those_who_may_see_the_page(client, request, community, persona, shown):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse("communities:detail", args=["kubernetes"])).content.decode()

    assert (f'href="{health_url()}"' in html) is shown


def test_health_tab_shows_to_members_once_the_page_is_open_to_them(client, member, community):
    community.health_visible_to_members = True
    community.save(update_fields=["health_visible_to_members"])
    client.force_login(member)

    html = client.get(reverse("communities:detail", args=["kubernetes"])).content.decode()

    assert f'href="{health_url()}"' in html


def test_health_tab_is_marked_current_on_the_health_page(client, moderator, community):
    client.force_login(moderator)

    html = client.get(health_url()).content.decode()

    assert f'href="{health_url()}" aria-current="page">Health</a>' in html


def menu(client) -> str:
    return client.get(
        reverse("charter:awaiting_review"),
        headers={"HX-Request": "true", "HX-Target": "review-menu-link"},
    ).content.decode()


def test_account_menu_offers_the_sponsor_overview_to_sponsors(client, sponsor):
    client.force_login(sponsor)

    assert f'href="{reverse("health:overview")}"' in menu(client)


def test_account_menu_leaves_it_out_for_people_who_sponsor_nothing(client, member, moderator):
    for person in (member, moderator):
        client.force_login(person)
        assert reverse("health:overview") not in menu(client)


def test_account_menu_offers_it_to_site_admins(client, site_admin):
    client.force_login(site_admin)

    assert f'href="{reverse("health:overview")}"' in menu(client)


# The sponsor overview -------------------------------------------------------------------


def overview(client, user, **params):
    client.force_login(user)
    return client.get(reverse("health:overview"), params)


def test_overview_needs_signing_in(client, db):
    response = client.get(reverse("health:overview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_sponsor_sees_one_row_per_community_they_sponsor(
    client, sponsor, community, private_community
):
    CommunityFactory(name="Not Mine", slug="not-mine")

    response = overview(client, sponsor)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert {r.community.slug for r in rows} == {"kubernetes", "incident-reviews"}
    html = response.content.decode()
    assert "Not Mine" not in html
    for row in rows:
        assert f'href="{health_url(row.community.slug)}?days=30"' in html
        for reason in row.reasons:
            assert reason in html
        assert f"health-verdict-{row.verdict.replace(' ', '-')}" in html


def test_site_admin_sees_every_live_community(client, site_admin, community, private_community):
    CommunityFactory(name="Another One", slug="another-one")

    rows = overview(client, site_admin).context["rows"]

    assert {"kubernetes", "incident-reviews", "another-one"} <= {r.community.slug for r in rows}


@pytest.mark.parametrize("persona", ["outsider", "member", "moderator"])
def test_someone_who_sponsors_nothing_gets_a_helpful_empty_state(client, request, persona):
    response = overview(client, request.getfixturevalue(persona))

    assert response.status_code == 200
    html = response.content.decode()
    assert "You don't sponsor a community yet" in html
    assert reverse("communities:directory") in html


def _row(community, verdict, reasons):
    figure = Figure("requests_asked", "Help requests asked", "Requests asked in the period.", 3, 5)
    return OverviewRow(
        community=community,
        figures={"requests_asked": figure},
        verdict=verdict,
        reasons=reasons,
        charter_awaiting_review=None,
    )


def test_communities_that_need_help_come_first_with_their_reasons(client, sponsor, monkeypatch):
    a = CommunityFactory(name="Alpha Thriving", slug="alpha")
    b = CommunityFactory(name="Beta Steady", slug="beta")
    c = CommunityFactory(name="Zeta Struggling", slug="zeta")
    rows = [
        _row(a, "thriving", ["most answers crossed units"]),
        _row(b, "steady", []),
        _row(c, "needs help", ["3 requests unanswered for over 48 hours"]),
    ]
    monkeypatch.setattr(overview_module, "sponsor_overview", lambda user, period, now=None: rows)

    html = overview(client, sponsor).content.decode()

    assert html.index("Zeta Struggling") < html.index("Beta Steady") < html.index("Alpha Thriving")
    assert "Why it needs help" in html
    assert "3 requests unanswered for over 48 hours" in html
    assert "Nothing stands out either way in this period." in html
    assert "down 2 from 5" in html  # each key figure's trend, in words


def test_overview_links_the_charter_awaiting_review(client, sponsor, community):
    charter = approve_charter(community)
    CharterVersionFactory(charter=charter, number=2)
    charter.state = CharterState.IN_REVIEW
    charter.save()

    html = overview(client, sponsor).content.decode()

    assert reverse("charter:review", args=["kubernetes", 2]) in html
    assert "Charter version 2 is waiting for your review." in html


def test_site_admin_is_not_asked_to_review_a_charter_they_do_not_sponsor(
    client, site_admin, community, private_community
):
    # Only a sponsor decides on a charter: the review page refuses a site admin (403).
    for place in (community, private_community):
        charter = approve_charter(place)
        CharterVersionFactory(charter=charter, number=2)
        charter.state = CharterState.IN_REVIEW
        charter.save()
    MembershipFactory(community=private_community, user=site_admin, role=Role.SPONSOR)

    html = overview(client, site_admin).content.decode()

    assert reverse("charter:review", args=["kubernetes", 2]) not in html
    assert "Charter version 2 is waiting for its sponsor's review." in html
    version_url = reverse("charter:version", args=["kubernetes", 2])
    assert version_url in html
    assert client.get(version_url).status_code == 200
    # Where the site admin is also the sponsor, the review is theirs.
    assert reverse("charter:review", args=["incident-reviews", 2]) in html
    assert html.count("waiting for your review") == 1


def test_overview_explains_each_figure_it_shows(client, sponsor, community):
    response = overview(client, sponsor)

    html = response.content.decode()
    for figure in response.context["rows"][0].figures.values():
        assert f'id="definition-{figure.key}"' in html
        assert f'href="#definition-{figure.key}"' in html


@pytest.mark.parametrize(("asked", "shown"), [("90", 90), ("nonsense", 30)])
def test_overview_period_picker(client, sponsor, community, asked, shown):
    response = overview(client, sponsor, days=asked)

    assert response.status_code == 200
    assert response.context["days"] == shown


def test_overview_does_not_list_a_community_the_sponsor_left(
    client, sponsor, community, private_community
):
    membership = sponsor.memberships.get(community=private_community)
    membership.is_active = False
    membership.save(update_fields=["is_active"])

    rows = overview(client, sponsor).context["rows"]

    assert [r.community.slug for r in rows] == ["kubernetes"]


def test_overview_of_a_sponsor_of_a_busy_community_renders(client, sponsor, community):
    populate(community)
    MembershipFactory(community=CommunityFactory(slug="second"), user=sponsor, role=Role.SPONSOR)

    response = overview(client, sponsor)

    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
