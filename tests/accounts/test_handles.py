"""@handles: made from the name, unique, editable on the profile form, filled for existing people."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User, handle_base, validate_handle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("accounts:profile_edit")


def test_a_new_person_gets_a_handle_made_from_their_name():
    user = UserFactory(display_name="Aisha Bello")

    assert user.handle == "aisha.bello"


def test_a_second_person_with_the_same_name_gets_a_numbered_handle():
    UserFactory(display_name="Aisha Bello")

    twin = UserFactory(display_name="Aisha Bello")

    assert twin.handle == "aisha.bello2"


def test_handles_drop_accents_and_apostrophes():
    assert handle_base("Diego Ramírez") == "diego.ramirez"
    assert handle_base("James O'Connor") == "james.oconnor"


def test_a_person_without_a_name_gets_a_handle_from_their_email():
    user = User.objects.create_user("kim.lee@example.org", "pw")

    assert user.handle == "kim.lee"


def test_a_reserved_or_unusable_name_still_gives_a_valid_handle():
    for name in ("Admin", "!!", "Everyone"):
        validate_handle(handle_base(name))


@pytest.mark.parametrize("bad", ["Aisha", "a..b", ".ab", "ab.", "a b", "a", "everyone", "ab!"])
def test_malformed_handles_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_handle(bad)


def test_saving_with_update_fields_also_saves_a_generated_handle():
    user = UserFactory(display_name="Ravi Menon")
    User.objects.filter(pk=user.pk).update(handle="")
    user.refresh_from_db()

    user.display_name = "Ravi K Menon"
    user.save(update_fields=["display_name"])

    user.refresh_from_db()
    assert user.handle == "ravi.k.menon"


def test_i_can_change_my_handle_on_the_profile_form(client):
    user = UserFactory(display_name="Tom Becker")
    client.force_login(user)

    response = client.post(
        EDIT, {"display_name": "Tom Becker", "handle": "@Tom-B", "timezone": "UTC"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.handle == "tom-b"


def test_someone_elses_handle_is_refused_and_what_i_typed_is_kept(client):
    UserFactory(display_name="Aisha Bello")
    user = UserFactory(display_name="Tom Becker")
    client.force_login(user)

    response = client.post(
        EDIT, {"display_name": "Tom Becker", "handle": "aisha.bello", "timezone": "UTC"}
    )

    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    assert b'value="aisha.bello"' in response.content
    user.refresh_from_db()
    assert user.handle == "tom.becker"


def test_an_invalid_handle_is_refused_with_a_clear_message(client):
    user = UserFactory(display_name="Tom Becker")
    client.force_login(user)

    response = client.post(
        EDIT, {"display_name": "Tom Becker", "handle": "tom..b", "timezone": "UTC"}
    )

    assert b"lowercase letters and digits" in response.content


def test_an_emptied_handle_is_made_again_from_the_name(client):
    user = UserFactory(display_name="Tom Becker", handle="tommy")
    client.force_login(user)

    client.post(EDIT, {"display_name": "Tom Becker", "handle": "", "timezone": "UTC"})

    user.refresh_from_db()
    assert user.handle == "tom.becker"


def test_the_profile_shows_the_handle(client):
    user = UserFactory(display_name="Tom Becker")
    client.force_login(user)

    response = client.get(reverse("accounts:profile", args=[user.pk]))

    assert b"@tom.becker" in response.content


def test_the_migration_fills_handles_for_existing_people_without_clashes():
    first = UserFactory(display_name="Sam Lee")
    second = UserFactory(display_name="Sam Lee", handle="someone")
    # Before the migration nobody had a handle; here one person has the natural one already.
    User.objects.filter(pk=second.pk).update(handle="")
    migration = importlib.import_module("accounts.migrations.0003_user_handle")

    migration.fill_handles(global_apps, None)

    second.refresh_from_db()
    assert (first.handle, second.handle) == ("sam.lee", "sam.lee2")
