"""Value story pages: the list with its matrix and filters, the form, one story; for every role."""

import pytest
from django.urls import reverse

from charter.models import ValueStory
from tests.charter.factories import CharterFactory, ObjectiveFactory, ValueStoryFactory
from tests.factories import CommunityFactory

NEW = reverse("charter:story_new", args=["kubernetes"])
LIST = reverse("charter:stories", args=["kubernetes"])


def form_data(**changes) -> dict:
    return {
        "title": "Runbook saved the night",
        "what_happened": "We followed the **shared** runbook.",
        "who_benefited": "On-call, Radiology IT",
        "cell": "short:organisation",
        "minutes_saved": "90",
    } | changes


def test_anyone_who_can_see_the_community_reads_its_stories_and_matrix(client, community):
    ValueStoryFactory(community=community, title="Pairing across wards", horizon="long", beneficiary="members")

    response = client.get(LIST)

    assert response.status_code == 200
    assert "Pairing across wards" in response.text
    assert "<caption>" in response.text and 'scope="row"' in response.text
    assert "Add a value story" not in response.text


def test_a_member_sees_the_add_link(client, member):
    client.force_login(member)

    assert "Add a value story" in client.get(LIST).text


@pytest.mark.parametrize("persona", ["outsider", "site_admin"])
def test_non_members_cannot_record_a_story(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data()).status_code == 403
    assert not ValueStory.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in_to_record_a_story(client, community):
    response = client.get(NEW)

    assert response.status_code == 302 and "login" in response.url


def test_an_outsider_cannot_find_a_private_communitys_stories(client, outsider, private_community):
    story = ValueStoryFactory(community=private_community)
    client.force_login(outsider)

    assert client.get(reverse("charter:stories", args=["incident-reviews"])).status_code == 404
    assert client.get(reverse("charter:story", args=["incident-reviews", story.pk])).status_code == 404


def test_a_member_records_a_story_and_sees_it(client, member, community):
    client.force_login(member)

    response = client.post(NEW, form_data())

    story = ValueStory.objects.get()
    assert response.status_code == 302 and response.url == reverse("charter:story", args=["kubernetes", story.pk])
    assert (story.horizon, story.beneficiary, story.minutes_saved, story.author) == ("short", "organisation", 90, member)
    page = client.get(response.url)
    assert "<strong>shared</strong>" in page.text
    assert "Short term value for organisation" in page.text


def test_the_form_explains_the_four_cells_and_offers_current_objectives(client, member, community):
    charter = CharterFactory(community=community)
    ObjectiveFactory(charter=charter, title="Halve repeat incidents")
    ObjectiveFactory(charter=charter, title="Old objective", is_retired=True)
    client.force_login(member)

    response = client.get(NEW)

    assert response.text.count('type="radio"') == 4
    assert "Long term value for members" in response.text and "new skills" in response.text
    assert "Halve repeat incidents" in response.text and "Old objective" not in response.text


def test_the_form_has_no_objective_field_without_objectives(client, member):
    client.force_login(member)

    assert 'name="objective"' not in client.get(NEW).text


def test_a_story_links_to_an_objective(client, member, community):
    objective = ObjectiveFactory(charter=CharterFactory(community=community))
    client.force_login(member)

    client.post(NEW, form_data(objective=str(objective.pk)))

    assert ValueStory.objects.get().objective == objective


def test_another_communitys_objective_is_refused(client, member, community, private_community):
    ObjectiveFactory(charter=CharterFactory(community=community))
    foreign = ObjectiveFactory(charter=CharterFactory(community=private_community))
    client.force_login(member)

    response = client.post(NEW, form_data(objective=str(foreign.pk)))

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not ValueStory.objects.exists()


def test_an_incomplete_story_comes_back_with_what_was_typed(client, member):
    client.force_login(member)

    response = client.post(NEW, form_data(who_benefited="", cell="", minutes_saved="-3"))

    assert response.status_code == 400
    assert "Runbook saved the night" in response.text
    assert "We followed the **shared** runbook." in response.text
    assert response.text.count("This field is required.") == 2
    assert not ValueStory.objects.exists()


def test_an_archived_communitys_members_cannot_record_stories(client, member, community):
    community.is_archived = True
    community.save()
    client.force_login(member)

    assert client.get(NEW).status_code == 403
    assert client.get(LIST).status_code == 200


def test_the_list_filters_by_cell(client, community):
    ValueStoryFactory(community=community, title="Quick fix", horizon="short", beneficiary="organisation")
    ValueStoryFactory(community=community, title="Grew as a lead", horizon="long", beneficiary="members")

    response = client.get(LIST, {"horizon": "long", "beneficiary": "members"})

    assert "Grew as a lead" in response.text
    assert "Quick fix</a>\n      <div" not in response.text
    assert "Long term value for members" in response.text


def test_the_list_filters_by_objective(client, community):
    objective = ObjectiveFactory(charter=CharterFactory(community=community), title="Fewer repeats")
    ValueStoryFactory(community=community, title="Linked one", objective=objective)
    ValueStoryFactory(community=community, title="Unlinked one")

    response = client.get(LIST, {"objective": objective.pk})

    assert response.context["page"].paginator.count == 1
    assert "supporting “Fewer repeats”" in response.text


def test_nonsense_filters_are_ignored_not_errors(client, community):
    ValueStoryFactory(community=community)

    response = client.get(LIST, {"horizon": "forever", "objective": "abc", "page": "zzz"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def test_the_list_is_paginated(client, community):
    ValueStoryFactory.create_batch(25, community=community)

    response = client.get(LIST, {"page": 2})

    assert len(response.context["page"].object_list) == 5


def test_a_story_of_another_community_is_not_found_here(client, member):
    elsewhere = ValueStoryFactory(community=CommunityFactory())
    client.force_login(member)

    assert client.get(reverse("charter:story", args=["kubernetes", elsewhere.pk])).status_code == 404
