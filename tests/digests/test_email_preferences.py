"""The email preferences page: every kind of email in one form, and muting communities in the digest."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import DigestFrequency
from communities.models import Membership
from digests.services import email_preferences_update
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

PREFERENCES = reverse("notifications:email_preferences")
# Session, user, the bell's unread count, the memberships with their communities.
PREFERENCES_BUDGET = 4


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(**overrides) -> dict:
    data = {
        "digest_frequency": "daily",
        "digest_hour": "7",
        "meeting_reminders": "on",
        "email_notifications": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def muted_slugs(user) -> set[str]:
    return set(
        Membership.objects.filter(user=user, digest_muted=True).values_list(
            "community__slug", flat=True
        )
    )


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(PREFERENCES)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_post_changes_nothing(client, db):
    response = client.post(PREFERENCES, form_data())

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "persona", ["outsider", "member", "core", "moderator", "sponsor", "site_admin"]
)
def test_every_signed_in_person_has_preferences(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(PREFERENCES)

    assert response.status_code == 200
    assert "Email preferences" in text(response)


def test_the_form_shows_my_current_choices_and_time_zone(client, member):
    member.digest_frequency = DigestFrequency.DAILY
    member.digest_hour = 18
    member.meeting_reminders = False
    member.timezone = "Europe/Paris"
    member.save()
    client.force_login(member)

    response = client.get(PREFERENCES)

    form = response.context["form"]
    assert form.initial["digest_frequency"] == "daily"
    assert form.initial["digest_hour"] == 18
    assert form.initial["meeting_reminders"] is False
    page = text(response)
    assert "Europe/Paris" in page
    assert reverse("accounts:profile_edit") in page
    assert '<option value="18" selected>18:00</option>' in page


def test_saving_changes_every_kind_of_email(client, member):
    client.force_login(member)

    response = client.post(
        PREFERENCES,
        form_data(
            digest_frequency="daily",
            digest_hour="6",
            meeting_reminders=None,
            email_notifications=None,
        ),
    )

    assert response.status_code == 302
    assert response.url == PREFERENCES
    member.refresh_from_db()
    assert member.digest_frequency == DigestFrequency.DAILY
    assert member.digest_hour == 6
    assert member.meeting_reminders is False
    assert member.email_notifications is False
    assert "Your email preferences are saved." in text(client.get(response.url))


def test_each_active_membership_can_be_left_out_of_the_digest(
    client, member, community, private_community
):
    client.force_login(member)

    client.post(PREFERENCES, form_data(muted=[str(community.pk)]))

    assert muted_slugs(member) == {"kubernetes"}
    # Unticking it brings it back.
    client.post(PREFERENCES, form_data(muted=[str(private_community.pk)]))
    assert muted_slugs(member) == {"incident-reviews"}


def test_the_page_lists_my_active_communities_with_their_mute_state(
    client, member, community, private_community
):
    Membership.objects.filter(user=member, community=private_community).update(digest_muted=True)
    left = CommunityFactory(name="Left Behind")
    MembershipFactory(community=left, user=member, is_active=False)
    client.force_login(member)

    response = client.get(PREFERENCES)

    form = response.context["form"]
    assert [label for _pk, label in form.fields["muted"].choices] == [
        "Incident Reviews",
        "Kubernetes Practitioners",
    ]
    assert form.initial["muted"] == [private_community.pk]
    assert "Left Behind" not in text(response)


def test_an_outsider_sees_no_communities_to_mute(client, outsider):
    client.force_login(outsider)

    response = client.get(PREFERENCES)

    assert "When you join communities" in text(response)


def test_a_community_i_am_not_in_cannot_be_muted(client, member):
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere)
    client.force_login(member)

    response = client.post(
        PREFERENCES, form_data(muted=[str(elsewhere.pk)], digest_frequency="never")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["muted"]
    member.refresh_from_db()
    assert member.digest_frequency == DigestFrequency.WEEKLY
    assert not Membership.objects.filter(digest_muted=True).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("digest_frequency", "hourly"),
        ("digest_frequency", None),
        ("digest_hour", "24"),
        ("digest_hour", "-1"),
        ("digest_hour", "eight"),
        ("muted", "not-a-number"),
    ],
)
def test_bad_input_is_refused_on_the_form_and_kept(client, member, field, value):
    client.force_login(member)

    response = client.post(PREFERENCES, form_data(**{field: value}, meeting_reminders=None))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field]
    # What I typed elsewhere stays on the form.
    assert form["meeting_reminders"].value() is False
    assert form["digest_hour"].value() == (value if field == "digest_hour" else "7")
    member.refresh_from_db()
    assert member.meeting_reminders is True
    assert member.digest_frequency == DigestFrequency.WEEKLY


def test_preferences_are_only_ever_mine(client, member, moderator, community):
    client.force_login(member)

    client.post(PREFERENCES, form_data(digest_frequency="never", muted=[str(community.pk)]))

    moderator.refresh_from_db()
    assert moderator.digest_frequency == DigestFrequency.WEEKLY
    assert muted_slugs(moderator) == set()


def test_the_account_menu_links_here(client, member):
    client.force_login(member)

    response = client.get(reverse("notifications:list"))

    assert f'href="{PREFERENCES}"' in response.content.decode()


def test_the_page_costs_the_same_queries_for_two_or_forty_communities(
    client, member, django_assert_max_num_queries
):
    """Guards an N+1 over memberships: each checkbox's community name must come with its membership."""
    client.force_login(member)
    client.get(PREFERENCES)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PREFERENCES).status_code == 200
        return len(captured.captured_queries)

    few = count()
    for _ in range(38):
        MembershipFactory(user=member, community=CommunityFactory(), digest_muted=True)
    many = count()

    assert few == many
    with django_assert_max_num_queries(PREFERENCES_BUDGET):
        client.get(PREFERENCES)


# The service ------------------------------------------------------------------


def test_the_service_refuses_an_hour_out_of_range(member):
    with pytest.raises(ValidationError):
        email_preferences_update(
            user=member,
            digest_frequency="daily",
            digest_hour=24,
            meeting_reminders=True,
            email_notifications=True,
        )

    member.refresh_from_db()
    assert member.digest_frequency == DigestFrequency.WEEKLY


def test_the_service_refuses_an_unknown_frequency(member):
    with pytest.raises(ValidationError):
        email_preferences_update(
            user=member,
            digest_frequency="hourly",
            digest_hour=8,
            meeting_reminders=True,
            email_notifications=True,
        )


def test_the_service_does_not_mute_a_membership_i_left(member):
    left = MembershipFactory(user=member, is_active=False)

    with pytest.raises(ValidationError):
        email_preferences_update(
            user=member,
            digest_frequency="daily",
            digest_hour=8,
            meeting_reminders=True,
            email_notifications=True,
            muted_community_ids={left.community_id},
        )

    left.refresh_from_db()
    assert left.digest_muted is False


def test_the_service_leaves_other_peoples_memberships_alone(member, community):
    other = UserFactory()
    theirs = MembershipFactory(user=other, community=community, digest_muted=True)

    email_preferences_update(
        user=member,
        digest_frequency="daily",
        digest_hour=8,
        meeting_reminders=True,
        email_notifications=True,
        muted_community_ids=set(),
    )

    theirs.refresh_from_db()
    assert theirs.digest_muted is True
