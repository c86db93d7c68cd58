"""Vision round pages: who sees and does what, htmx in place, refusals as messages, forms keep what was typed."""

import pytest
from django.urls import reverse

from charter.kinds import AuditAction
from charter.models import Contribution, Endorsement, VisionRound
from communities.models import AuditEvent
from tests.charter.factories import CharterFactory, ContributionFactory, VisionRoundFactory


@pytest.fixture
def charter(community):
    return CharterFactory(community=community)


@pytest.fixture
def vision_round(charter, moderator):
    return VisionRoundFactory(charter=charter, opened_by=moderator, title="Where should we be in 2028?")


@pytest.fixture
def idea(vision_round, core):
    return ContributionFactory(vision_round=vision_round, author=core, author_role="core", text="Pair across units.")


def round_url(vision_round):
    return reverse("charter:vision_round", args=[vision_round.charter.community.slug, vision_round.pk])


def test_anyone_who_can_see_a_public_community_reads_its_rounds(client, vision_round, idea):
    response = client.get(reverse("charter:vision_rounds", args=["kubernetes"]))

    assert response.status_code == 200
    assert "Where should we be in 2028?" in response.text
    assert "Open a round" not in response.text

    page = client.get(round_url(vision_round))
    assert "Pair across units." in page.text
    assert "Sign in</a> to add your ideas" in page.text
    assert "Endorse</button>" not in page.text


def test_a_moderator_sees_the_open_a_round_form(client, moderator, charter):
    client.force_login(moderator)

    response = client.get(reverse("charter:vision_rounds", args=["kubernetes"]))

    assert "Open the round" in response.text


def test_a_moderator_is_told_a_round_is_already_open(client, moderator, vision_round):
    client.force_login(moderator)

    response = client.get(reverse("charter:vision_rounds", args=["kubernetes"]))

    assert "A round is open" in response.text
    assert "Open the round" not in response.text


def test_a_moderator_opens_a_round_and_lands_on_it(client, moderator, member, charter):
    client.force_login(moderator)

    response = client.post(
        reverse("charter:open_round", args=["kubernetes"]), {"title": "Dream big", "introduction": "Why now"}
    )

    vision_round = VisionRound.objects.get()
    assert response.status_code == 302 and response.url == round_url(vision_round)
    assert member.notifications.filter(kind="vision_round_opened").exists()


def test_opening_a_second_round_is_refused_and_keeps_the_typed_title(client, moderator, vision_round):
    client.force_login(moderator)

    response = client.post(reverse("charter:open_round", args=["kubernetes"]), {"title": "Second try"})

    assert response.status_code == 400
    assert "already open" in response.text
    assert 'value="Second try"' in response.text
    assert VisionRound.objects.count() == 1


def test_a_member_cannot_open_a_round(client, member, charter):
    client.force_login(member)

    response = client.post(reverse("charter:open_round", args=["kubernetes"]), {"title": "Mine"})

    assert response.status_code == 403
    assert not VisionRound.objects.exists()


def test_the_round_lists_ideas_by_prompt_with_role_badges_and_endorsement_order(client, member, vision_round, sponsor, outsider):
    ContributionFactory(vision_round=vision_round, author=sponsor, author_role="sponsor", prompt="dream", text="Low", endorsement_count=1)
    ContributionFactory(vision_round=vision_round, author=outsider, author_role="", prompt="dream", text="High", endorsement_count=4)
    ContributionFactory(vision_round=vision_round, author=sponsor, author_role="sponsor", prompt="discover", text="Works now")
    client.force_login(member)

    response = client.get(round_url(vision_round))

    text = response.text
    assert text.index("High") < text.index("Low")
    assert "Interested</span>" in text and "badge-sponsor" in text
    assert text.index("Discover") < text.index("Works now") < text.index("Dream")
    assert text.count("Your idea for") == 4


def test_a_member_contributes_to_a_prompt(client, member, vision_round):
    client.force_login(member)

    response = client.post(
        reverse("charter:contribute", args=["kubernetes", vision_round.pk]), {"prompt": "design", "text": "Monthly demos"}
    )

    contribution = Contribution.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#contribution-{contribution.pk}")
    assert (contribution.author, contribution.author_role, contribution.prompt) == (member, "member", "design")


def test_an_interested_outsider_contributes_to_a_public_community(client, outsider, vision_round):
    client.force_login(outsider)

    client.post(reverse("charter:contribute", args=["kubernetes", vision_round.pk]), {"prompt": "dream", "text": "Hi"})

    assert Contribution.objects.get().author_role == ""


def test_an_outsider_cannot_find_a_private_communitys_round(client, outsider, private_community, moderator):
    private_round = VisionRoundFactory(charter=CharterFactory(community=private_community), opened_by=moderator)
    client.force_login(outsider)

    assert client.get(round_url(private_round)).status_code == 404
    response = client.post(
        reverse("charter:contribute", args=["incident-reviews", private_round.pk]), {"prompt": "dream", "text": "x"}
    )
    assert response.status_code == 404


def test_a_round_of_another_community_is_not_found_through_this_slug(client, member, private_community, moderator):
    elsewhere = VisionRoundFactory(charter=CharterFactory(community=private_community), opened_by=moderator)
    client.force_login(member)

    response = client.get(reverse("charter:vision_round", args=["kubernetes", elsewhere.pk]))

    assert response.status_code == 404


def test_a_too_long_idea_comes_back_with_the_text_kept(client, member, vision_round):
    client.force_login(member)

    response = client.post(
        reverse("charter:contribute", args=["kubernetes", vision_round.pk]), {"prompt": "dream", "text": "y" * 1200}
    )

    assert response.status_code == 400
    assert "y" * 1200 in response.text
    assert "at most 1000 characters" in response.text
    assert not Contribution.objects.exists()


def test_a_closed_round_refuses_ideas_with_a_message(client, member, vision_round):
    VisionRound.objects.filter(pk=vision_round.pk).update(closed_at=vision_round.opened_at)
    client.force_login(member)

    response = client.post(
        reverse("charter:contribute", args=["kubernetes", vision_round.pk]), {"prompt": "dream", "text": "Late"}, follow=True
    )

    assert "no longer takes contributions" in response.text
    assert "Your idea for" not in response.text
    assert not Contribution.objects.exists()


def test_a_member_endorses_in_place_with_htmx(client, member, idea):
    client.force_login(member)

    response = client.post(reverse("charter:endorse", args=["kubernetes", idea.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text
    assert "1 endorsement" in response.text
    assert 'id="vision-status"' in response.text and "You endorse this idea." in response.text
    assert "<html" not in response.text
    idea.refresh_from_db()
    assert idea.endorsement_count == 1


def test_endorsing_again_withdraws_the_endorsement(client, member, idea):
    client.force_login(member)
    url = reverse("charter:endorse", args=["kubernetes", idea.pk])
    client.post(url, HTTP_HX_REQUEST="true")

    response = client.post(url, HTTP_HX_REQUEST="true")

    assert 'aria-pressed="false"' in response.text and "0 endorsements" in response.text
    assert not Endorsement.objects.exists()


def test_endorsing_without_javascript_redirects_back_to_the_idea(client, member, idea):
    client.force_login(member)

    response = client.post(reverse("charter:endorse", args=["kubernetes", idea.pk]))

    assert response.status_code == 302
    assert response.url == round_url(idea.vision_round) + f"#contribution-{idea.pk}"


def test_the_author_cannot_endorse_their_own_idea(client, core, idea):
    client.force_login(core)

    response = client.post(reverse("charter:endorse", args=["kubernetes", idea.pk]), follow=True)

    assert "cannot endorse your own idea" in response.text
    idea.refresh_from_db()
    assert idea.endorsement_count == 0


def test_the_page_shows_which_ideas_i_endorsed(client, member, idea):
    Endorsement.objects.create(contribution=idea, user=member)
    client.force_login(member)

    response = client.get(round_url(idea.vision_round))

    assert 'aria-pressed="true"' in response.text


def test_a_moderator_marks_an_idea_used_in_place(client, moderator, idea):
    client.force_login(moderator)

    response = client.post(
        reverse("charter:mark_used", args=["kubernetes", idea.pk]), {"used": "1"}, HTTP_HX_REQUEST="true"
    )

    assert "Used in the draft" in response.text and "Unmark" in response.text
    idea.refresh_from_db()
    assert idea.used_in_draft


def test_everyone_sees_the_used_marker_but_only_moderators_the_button(client, member, idea):
    Contribution.objects.filter(pk=idea.pk).update(used_in_draft=True)
    client.force_login(member)

    response = client.get(round_url(idea.vision_round))

    assert "Used in the draft" in response.text
    assert "Mark as used" not in response.text and "Unmark" not in response.text


def test_a_core_member_cannot_mark_ideas_used(client, core, member, vision_round):
    theirs = ContributionFactory(vision_round=vision_round, author=member)
    client.force_login(core)

    response = client.post(reverse("charter:mark_used", args=["kubernetes", theirs.pk]), {"used": "1"})

    assert response.status_code == 403


def test_a_moderator_closes_the_round_and_it_stays_readable(client, moderator, member, idea):
    client.force_login(moderator)

    response = client.post(
        reverse("charter:close_round", args=["kubernetes", idea.vision_round.pk]), {"summary": "We chose pairing."}
    )

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.ROUND_CLOSED).exists()
    client.force_login(member)
    page = client.get(round_url(idea.vision_round))
    assert "This round is closed" in page.text and "We chose pairing." in page.text
    assert "Pair across units." in page.text
    assert "Endorse</button>" not in page.text and "Your idea for" not in page.text


def test_closing_twice_is_refused_with_a_message(client, moderator, vision_round):
    client.force_login(moderator)
    url = reverse("charter:close_round", args=["kubernetes", vision_round.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert "already closed" in response.text


def test_a_sponsor_cannot_close_a_round(client, sponsor, vision_round):
    client.force_login(sponsor)

    response = client.post(reverse("charter:close_round", args=["kubernetes", vision_round.pk]))

    assert response.status_code == 403
    vision_round.refresh_from_db()
    assert vision_round.is_open


def test_a_bad_contribution_id_is_not_found(client, member, vision_round):
    client.force_login(member)

    assert client.post(reverse("charter:endorse", args=["kubernetes", 999999])).status_code == 404
