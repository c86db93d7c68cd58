"""People: the user manager, names and initials, time zones, search."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import UserTimezoneMiddleware
from accounts.models import User, time_zone_choices, validate_time_zone
from tests.factories import UnitFactory, UserFactory

# The user manager -------------------------------------------------------------


@pytest.mark.django_db
def test_create_user_lower_cases_the_whole_address():
    user = User.objects.create_user("Mia.Member@Example.ORG", password="correct-horse-battery")

    assert user.email == "mia.member@example.org"
    assert user.check_password("correct-horse-battery")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["", None])
def test_create_user_requires_an_email_address(email):
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user(email, password="correct-horse-battery")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_user_without_a_password_cannot_log_in():
    user = User.objects.create_user("mia@example.org")

    assert not user.has_usable_password()


@pytest.mark.django_db
def test_create_superuser_sets_the_staff_and_superuser_flags():
    admin = User.objects.create_superuser("Ada@Example.org", password="correct-horse-battery")

    assert admin.email == "ada@example.org"
    assert admin.is_staff
    assert admin.is_superuser


@pytest.mark.django_db
def test_create_superuser_cannot_be_talked_out_of_its_flags():
    admin = User.objects.create_superuser("ada@example.org", is_staff=False, is_superuser=False)

    assert admin.is_staff
    assert admin.is_superuser


@pytest.mark.django_db
def test_the_email_address_is_unique():
    from django.db import IntegrityError, transaction

    User.objects.create_user("mia@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("MIA@example.org")


# Names and initials ------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "email", "name", "initials"),
    [
        ("Mia Member", "mia@example.org", "Mia Member", "MM"),
        ("Ada King Lovelace", "ada@example.org", "Ada King Lovelace", "AK"),
        ("cher", "cher@example.org", "cher", "C"),
        ("", "mia.member@example.org", "mia.member", "MM"),
        ("", "zed@example.org", "zed", "Z"),
        ("  ", "x@example.org", "  ", "?"),
        ("", "", "", "?"),
    ],
)
def test_name_and_initials_fall_back_sensibly(display_name, email, name, initials):
    user = User(display_name=display_name, email=email)

    assert user.name == name
    assert user.initials == initials


def test_a_user_reads_as_their_name():
    assert str(User(display_name="", email="mia@example.org")) == "mia"


@pytest.mark.django_db
def test_a_profile_is_complete_with_a_name_and_a_unit():
    assert UserFactory(display_name="Mia", unit=UnitFactory()).profile_complete
    assert not UserFactory(display_name="", unit=UnitFactory()).profile_complete
    assert not UserFactory(display_name="Mia", unit=None).profile_complete


@pytest.mark.django_db
def test_a_profile_has_its_own_page():
    user = UserFactory()

    assert user.get_absolute_url().endswith(f"/{user.pk}/")


# Time zones --------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Asia/Kolkata"]
)
def test_known_time_zones_are_valid(zone):
    validate_time_zone(zone)


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus", "Europe/Pariss", "../etc/passwd", "/etc/localtime"]
)
def test_unknown_time_zones_are_refused(zone):
    with pytest.raises(ValidationError, match="not a time zone we know"):
        validate_time_zone(zone)


@pytest.mark.django_db
def test_the_time_zone_field_validates_on_full_clean():
    user = UserFactory.build(timezone="Mars/Olympus", unit=None)

    with pytest.raises(ValidationError) as error:
        user.full_clean(exclude=["password"])

    assert "timezone" in error.value.message_dict


def test_time_zone_choices_are_regions_and_read_without_underscores():
    choices = dict(time_zone_choices())

    assert choices["UTC"] == "UTC"
    assert choices["America/New_York"] == "America/New York"
    assert "EST" not in choices  # legacy abbreviations are left out
    assert list(choices) == sorted(choices)


# Search ------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "mia": UserFactory(display_name="Mia Member", email="mia@example.org", job_title="Nurse"),
        "max": UserFactory(
            display_name="Max Moderator", email="max@ops.example.org", job_title="SRE"
        ),
        "ada": UserFactory(
            display_name="Ada Admin", email="ada@example.org", job_title="Site Reliability Lead"
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mia", {"mia"}),  # display name
        ("MODERATOR", {"max"}),  # any case
        ("ops.example", {"max"}),  # email
        ("reliability", {"ada"}),  # job title
        ("  nurse  ", {"mia"}),  # surrounding spaces ignored
        ("example.org", {"mia", "max", "ada"}),
        ("nobody", set()),
    ],
)
def test_search_looks_in_names_emails_and_job_titles(people, query, expected):
    found = set(User.objects.search(query))

    assert found == {people[key] for key in expected}


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_search_finds_everyone(people, query):
    assert User.objects.search(query).count() == 3


def test_search_chains_with_active(people):
    User.objects.filter(pk=people["max"].pk).update(is_active=False)

    assert set(User.objects.active().search("example")) == {people["mia"], people["ada"]}


# The time zone middleware --------------------------------------------------------


@pytest.fixture
def zone_seen_by_view():
    """Run the middleware and report the zone active while the view runs."""
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())

    def run(user) -> str:
        request = RequestFactory().get("/")
        request.user = user
        UserTimezoneMiddleware(view)(request)
        return seen[-1]

    yield run
    timezone.deactivate()


@pytest.mark.django_db
def test_the_middleware_shows_times_in_the_persons_zone(zone_seen_by_view):
    assert zone_seen_by_view(UserFactory(timezone="Europe/Paris")) == "Europe/Paris"


@pytest.mark.django_db
def test_the_middleware_does_not_carry_one_persons_zone_to_the_next_request(zone_seen_by_view):
    zone_seen_by_view(UserFactory(timezone="Asia/Tokyo"))

    assert zone_seen_by_view(AnonymousUser()) == "UTC"


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["Mars/Olympus", "../etc/passwd", ""])
def test_the_middleware_falls_back_to_utc_for_a_bad_stored_zone(zone_seen_by_view, stored):
    user = UserFactory(timezone="Asia/Tokyo")
    zone_seen_by_view(user)
    user.timezone = stored  # saved around the validator, say by a data migration

    assert zone_seen_by_view(user) == "UTC"


@pytest.mark.django_db
def test_the_site_carries_the_platform_name_not_example_com():
    from django.contrib.sites.models import Site

    site = Site.objects.get_current()
    assert site.name == "Practica"
    assert site.domain == "127.0.0.1:8000"
