"""People's profiles, editing one's own, expertise suggestions and the people directory."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import Role
from tests.factories import CommunityFactory, UnitFactory, UserFactory

EDIT = reverse("accounts:profile_edit")
PEOPLE = reverse("accounts:people")
SUGGEST = reverse("accounts:expertise_suggestions")


def profile_url(user) -> str:
    return reverse("accounts:profile", args=[user.pk])


# Profile page ---------------------------------------------------------------


def test_profile_shows_public_communities_and_roles(client, outsider, core):
    client.force_login(outsider)

    response = client.get(profile_url(core))

    assert response.status_code == 200
    assert b"Cora Core" in response.content
    assert [(m.community.name, m.role) for m in response.context["person"].visible_memberships] == [
        ("Kubernetes Practitioners", Role.CORE)
    ]
    assert b"badge-core" in response.content


def test_profile_hides_private_community_from_an_outsider(client, outsider, member):
    client.force_login(outsider)

    response = client.get(profile_url(member))

    assert b"Kubernetes Practitioners" in response.content
    assert b"Incident Reviews" not in response.content


def test_profile_shows_private_community_to_a_fellow_member(client, core, member):
    client.force_login(core)

    response = client.get(profile_url(member))

    assert b"Incident Reviews" in response.content


def test_my_own_profile_shows_my_private_community_and_an_edit_link(client, member):
    client.force_login(member)

    response = client.get(profile_url(member))

    assert b"Incident Reviews" in response.content
    assert b"Edit profile" in response.content


def test_profile_leaves_out_communities_the_person_left(client, outsider, member, community):
    community.memberships.filter(user=member).update(is_active=False)
    client.force_login(outsider)

    response = client.get(profile_url(member))

    assert b"Kubernetes Practitioners" not in response.content
    assert b"No communities to show." in response.content


def test_profile_lists_expertise_with_links_to_the_people_directory(client, outsider):
    person = UserFactory(expertise=["wound care"])
    client.force_login(outsider)

    response = client.get(profile_url(person))

    assert b'href="/people/?expertise=wound%20care"' in response.content


def test_profile_of_a_deactivated_person_is_404(client, outsider):
    gone = UserFactory(is_active=False)
    client.force_login(outsider)

    assert client.get(profile_url(gone)).status_code == 404


# Editing one's profile --------------------------------------------------------


def profile_data(**overrides) -> dict:
    data = {
        "display_name": "Olive Oyl",
        "unit": "",
        "job_title": "Staff nurse",
        "location": "Ward 7",
        "bio": "Night shifts.",
        "expertise": "wound care, triage",
        "timezone": "Europe/Paris",
    }
    return {**data, **overrides}


def test_edit_form_shows_my_values(client, outsider):
    client.force_login(outsider)

    response = client.get(EDIT)

    assert response.status_code == 200
    assert b'value="Olive Outsider"' in response.content
    assert b"Edit your profile" in response.content


def test_welcome_version_after_sign_up(client, outsider):
    client.force_login(outsider)

    response = client.get(EDIT, {"welcome": "1"})

    assert b"Welcome! Tell colleagues who you are" in response.content


def test_saving_the_profile(client, outsider, unit):
    client.force_login(outsider)

    response = client.post(EDIT, profile_data(unit=unit.pk))

    assert response.status_code == 302
    assert response.url == profile_url(outsider)
    outsider.refresh_from_db()
    assert outsider.display_name == "Olive Oyl"
    assert outsider.unit == unit
    assert outsider.timezone == "Europe/Paris"
    assert sorted(outsider.expertise.names()) == ["triage", "wound care"]
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your profile is saved."]


def test_saving_follows_a_next_url_on_the_site(client, outsider):
    client.force_login(outsider)

    response = client.post(f"{EDIT}?next=/communities/", profile_data())

    assert response.url == "/communities/"


def test_saving_ignores_a_next_url_off_the_site(client, outsider):
    client.force_login(outsider)

    response = client.post(f"{EDIT}?next=https://evil.example.com/", profile_data())

    assert response.url == profile_url(outsider)


def test_unknown_time_zone_is_refused_and_typed_values_kept(client, outsider):
    client.force_login(outsider)

    response = client.post(
        EDIT, profile_data(timezone="Mars/Olympus_Mons", job_title="Typed title")
    )

    assert response.status_code == 200
    assert "timezone" in response.context["form"].errors
    assert b"Select a valid choice." in response.content
    assert b'value="Typed title"' in response.content
    assert b'value="Olive Oyl"' in response.content
    outsider.refresh_from_db()
    assert outsider.display_name == "Olive Outsider"
    assert outsider.timezone == "UTC"


def test_name_is_required(client, outsider):
    client.force_login(outsider)

    response = client.post(EDIT, profile_data(display_name=""))

    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == ["This field is required."]


# Expertise suggestions ----------------------------------------------------------


@pytest.fixture
def experts(db):
    UserFactory(expertise=["python", "pytest", "postgres"])
    UserFactory(expertise=["Python packaging", "kubernetes"])


def suggestions(response) -> list[str]:
    return response.context["tags"]


def test_suggests_existing_expertise_starting_with_what_is_typed(client, outsider, experts):
    client.force_login(outsider)

    response = client.get(SUGGEST, {"expertise": "py"})

    assert response.status_code == 200
    # Sorted by the database's collation, which differs between SQLite and PostgreSQL.
    assert sorted(suggestions(response)) == ["Python packaging", "pytest", "python"]
    assert b'data-complete-tag="pytest"' in response.content


def test_suggests_only_after_the_last_comma_and_not_what_is_already_there(
    client, outsider, experts
):
    client.force_login(outsider)

    response = client.get(SUGGEST, {"expertise": "pytest, kubernetes, p"})

    assert "pytest" not in suggestions(response)
    assert "postgres" in suggestions(response)
    assert "kubernetes" not in suggestions(response)


def test_does_not_suggest_community_tags(client, outsider, experts):
    CommunityFactory(tags=["pyramids"])
    client.force_login(outsider)

    response = client.get(SUGGEST, {"expertise": "pyr"})

    assert suggestions(response) == []


def test_suggests_nothing_for_an_empty_term(client, outsider, experts):
    client.force_login(outsider)

    response = client.get(SUGGEST, {"expertise": "python, "})

    assert suggestions(response) == []
    assert response.content.strip() == b""


def test_suggests_at_most_eight(client, outsider):
    UserFactory(expertise=[f"skill {n}" for n in range(12)])
    client.force_login(outsider)

    response = client.get(SUGGEST, {"expertise": "skill"})

    assert len(suggestions(response)) == 8


# People directory ---------------------------------------------------------------


@pytest.fixture
def colleagues(db):
    wards = UnitFactory(name="Wards", slug="wards")
    lab = UnitFactory(name="Laboratory", slug="lab")
    return {
        "ann": UserFactory(
            display_name="Ann Archer", job_title="Nurse", unit=wards, expertise=["wound care"]
        ),
        "bob": UserFactory(
            display_name="Bob Baker", job_title="Analyst", unit=lab, expertise=["python"]
        ),
        "cat": UserFactory(
            display_name="Cat Cole", job_title="Nurse manager", unit=lab, expertise=["Wound Care"]
        ),
        "gone": UserFactory(display_name="Ann Absent", unit=wards, is_active=False),
        "wards": wards,
        "lab": lab,
    }


def people(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_people_lists_active_people_by_name(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(PEOPLE)

    assert people(response) == ["Ann Archer", "Bob Baker", "Cat Cole", "Olive Outsider"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("ann", ["Ann Archer"]), ("NURSE", ["Ann Archer", "Cat Cole"]), ("nobody", [])],
)
def test_people_filters_by_name_or_job_title(client, outsider, colleagues, q, expected):
    client.force_login(outsider)

    assert people(client.get(PEOPLE, {"q": q})) == expected


def test_people_filters_by_unit(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(PEOPLE, {"unit": colleagues["lab"].pk})

    assert people(response) == ["Bob Baker", "Cat Cole"]


def test_people_filters_by_expertise_in_any_case(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(PEOPLE, {"expertise": " wound care "})

    assert people(response) == ["Ann Archer", "Cat Cole"]


def test_people_combines_filters(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(
        PEOPLE, {"q": "nurse", "unit": colleagues["lab"].pk, "expertise": "wound care"}
    )

    assert people(response) == ["Cat Cole"]


def test_people_shows_units_and_expertise(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(PEOPLE)

    assert b"Laboratory" in response.content
    assert b'<span class="tag">python</span>' in response.content


def test_people_htmx_request_gets_only_the_results(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(
        PEOPLE, {"q": "bob"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results"
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="people-results"')
    assert "Bob Baker" in body
    assert "Ann Archer" not in body
    assert "<html" not in body


def test_people_with_an_unknown_unit_lists_everyone(client, outsider, colleagues):
    client.force_login(outsider)

    response = client.get(PEOPLE, {"unit": "999999"})

    assert response.status_code == 200
    assert len(people(response)) == 4
