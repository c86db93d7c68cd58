"""The draft editor keeps dates, refuses what is too long or too far off, and explains a broken page;
value stories keep to the length of a post."""

import datetime as dt

import pytest
from django.urls import reverse

from charter.forms.drafts import SECTION_MAX
from charter.forms.stories import STORY_TEXT_MAX
from charter.models import ValueStory
from tests.charter.drafts_support import fresh_charter
from tests.charter.factories import ObjectiveFactory
from tests.charter.test_drafts_views import draft_post

pytestmark = pytest.mark.django_db


def edit_url(community):
    return reverse("charter:edit", args=[community.slug])


def objective_rows(*objectives) -> dict:
    data = {
        "objectives-TOTAL_FORMS": len(objectives),
        "objectives-INITIAL_FORMS": len(objectives),
    }
    for n, o in enumerate(objectives):
        data.update(
            {
                f"objectives-{n}-id": o.pk,
                f"objectives-{n}-title": o.title,
                f"objectives-{n}-indicator": o.indicator,
                f"objectives-{n}-target_date": o.target_date.isoformat() if o.target_date else "",
                f"objectives-{n}-ORDER": n + 1,
            }
        )
    return data


def test_the_editor_shows_target_and_revisit_dates_as_a_date_picker_accepts_them(
    client, community, moderator
):
    charter = fresh_charter(community, revisit_by=dt.date(2027, 9, 1))
    ObjectiveFactory(charter=charter, title="Onboard", target_date=dt.date(2027, 5, 2))
    client.force_login(moderator)

    html = client.get(edit_url(community)).content.decode()

    assert 'value="2027-05-02"' in html
    assert 'value="2027-09-01"' in html
    assert "02/05/2027" not in html


def test_a_vision_longer_than_the_limit_is_refused_kept_and_nothing_saved(
    client, community, moderator
):
    charter = fresh_charter(community, vision="We meet monthly.")
    client.force_login(moderator)
    long_vision = "v" * (SECTION_MAX + 1)

    response = client.post(edit_url(community), draft_post(charter, vision=long_vision))

    assert response.status_code == 200
    assert response.context["form"].errors["vision"] == [
        "Keep this to 20,000 characters or fewer; it has 20001 now."
    ]
    assert long_vision in response.content.decode(), "what was typed stays in the form"
    charter.refresh_from_db()
    assert charter.vision == "We meet monthly."


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_revisit_date_in_an_absurd_year_is_refused_and_nothing_saved(
    client, community, moderator, year
):
    charter = fresh_charter(community, revisit_by=dt.date(2027, 9, 1))
    client.force_login(moderator)

    response = client.post(edit_url(community), draft_post(charter, revisit_by=f"{year}-01-01"))

    assert response.status_code == 200
    assert "Pick a date between the years" in response.context["form"].errors["revisit_by"][0]
    charter.refresh_from_db()
    assert charter.revisit_by == dt.date(2027, 9, 1)


def test_an_objective_target_date_in_year_9999_is_refused_and_nothing_saved(
    client, community, moderator
):
    charter = fresh_charter(community)
    objective = ObjectiveFactory(charter=charter, title="Onboard", target_date=dt.date(2027, 5, 2))
    client.force_login(moderator)
    data = {**draft_post(charter), **objective_rows(objective)}
    data["objectives-0-target_date"] = "9999-12-31"

    response = client.post(edit_url(community), data)

    assert response.status_code == 200
    assert "Pick a date between the years" in response.content.decode()
    objective.refresh_from_db()
    assert objective.target_date == dt.date(2027, 5, 2)


@pytest.mark.parametrize("tampered", ["abc", "-1", ""])
def test_a_tampered_draft_revision_keeps_the_text_and_says_why(
    client, community, moderator, tampered
):
    charter = fresh_charter(community, vision="We meet monthly.")
    client.force_login(moderator)

    response = client.post(
        edit_url(community),
        draft_post(charter, vision="We meet weekly, in Leeds.", draft_revision=tampered),
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Nothing was saved: the page could not tell which version of the draft" in content
    assert "We meet weekly, in Leeds." in content, "the editor's own text stays in the form"
    charter.refresh_from_db()
    assert charter.vision == "We meet monthly."
    assert response.context["form"]["draft_revision"].value() == str(charter.draft_revision)


def test_after_a_tampered_revision_saving_again_goes_through(client, community, moderator):
    charter = fresh_charter(community, vision="We meet monthly.")
    client.force_login(moderator)
    refused = client.post(
        edit_url(community), draft_post(charter, vision="Weekly.", draft_revision="abc")
    )
    form = refused.context["form"]

    response = client.post(
        edit_url(community),
        draft_post(
            charter,
            vision="Weekly.",
            draft_revision=form["draft_revision"].value(),
            base=form["base"].value(),
        ),
    )

    assert response.status_code == 302
    charter.refresh_from_db()
    assert charter.vision == "Weekly."


def test_a_value_story_longer_than_a_post_is_refused_kept_and_not_recorded(client, member):
    client.force_login(member)
    long_text = "w" * (STORY_TEXT_MAX + 1)

    response = client.post(
        reverse("charter:story_new", args=["kubernetes"]),
        {
            "title": "Runbook saved the night",
            "what_happened": long_text,
            "who_benefited": "On-call, Radiology IT",
            "cell": "short:organisation",
        },
    )

    assert response.status_code in (200, 400)
    assert "Keep this to 20,000 characters or fewer; it has 20001 now." in response.text
    assert long_text in response.text, "what was typed stays in the form"
    assert not ValueStory.objects.exists()
