"""The charter page, the draft editor, submission, history, versions and the printable page."""

import json

import pytest
from django.urls import reverse

from charter.models import Charter, CharterVersion
from charter.services import drafts as services
from tests.charter.drafts_support import approved, changes_requested, edit, fresh_charter, in_review
from tests.charter.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


def url(name, community, *args):
    return reverse(f"charter:{name}", args=[community.slug, *args])


def draft_post(charter, **overrides):
    """What the editor form posts for a moderator, starting from the stored draft."""
    base = services.snapshot(charter)
    data = {
        "draft_revision": charter.draft_revision,
        "base": json.dumps(base),
        "vision": charter.vision,
        "strategy": charter.strategy,
        "pitch": charter.pitch,
        "revisit_by": "",
        "objectives-TOTAL_FORMS": 0,
        "objectives-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


# The charter page ---------------------------------------------------------------


def test_anyone_reads_the_approved_charter_of_a_public_community(
    client, community, moderator, sponsor
):
    approved(community, editor=moderator, sponsor=sponsor, pitch="Stuck with a rollout? Ask us.")

    response = client.get(url("detail", community))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Stuck with a rollout? Ask us." in content
    assert "approved by <strong>Sam Sponsor</strong>" in content
    assert "Version 1" in content
    assert "Working draft" not in content, "the draft panel is for those who shape the charter"


def test_readers_see_a_clear_empty_state_before_any_approval(
    client, community, member, moderator, sponsor
):
    in_review(community, by=moderator, purpose="Secret draft purpose")
    client.force_login(member)

    response = client.get(url("detail", community))

    assert "No approved charter yet" in response.content.decode()
    assert "Secret draft purpose" not in response.content.decode()


def test_readers_see_the_approved_version_not_the_newer_draft(
    client, community, member, moderator, sponsor
):
    charter, _ = approved(community, editor=moderator, sponsor=sponsor, vision="Approved vision")
    edit(charter, moderator, vision="Unapproved vision")
    client.force_login(member)

    content = client.get(url("detail", community)).content.decode()

    assert "Approved vision" in content
    assert "Unapproved vision" not in content


def test_the_charter_page_shows_objectives_with_indicator_and_target_date(
    client, community, moderator, sponsor
):
    import datetime

    charter = fresh_charter(community)
    ObjectiveFactory(
        charter=charter,
        title="Halve failed deploys",
        indicator="Change failure rate",
        target_date=datetime.date(2026, 12, 1),
    )
    approved(community, editor=moderator, sponsor=sponsor)

    content = client.get(url("detail", community)).content.decode()

    assert "Halve failed deploys" in content
    assert "Change failure rate" in content
    assert "1 December 2026" in content


@pytest.mark.parametrize("persona", ["core", "moderator", "sponsor", "site_admin"])
def test_people_shaping_the_charter_see_the_draft_status_panel(
    request, client, community, moderator, sponsor, persona
):
    in_review(community, by=moderator)
    client.force_login(request.getfixturevalue(persona))

    content = client.get(url("detail", community)).content.decode()

    assert "Working draft" in content
    assert "Version 1 is waiting for the sponsor" in content
    assert url("history", community) in content


def test_sponsor_gets_a_review_button_on_the_charter_page(client, community, moderator, sponsor):
    in_review(community, by=moderator)
    client.force_login(sponsor)

    content = client.get(url("detail", community)).content.decode()

    assert url("review", community, 1) in content


def test_the_charter_page_links_to_how_the_vision_was_made(client, community):
    content = client.get(url("detail", community)).content.decode()

    assert reverse("charter:vision_rounds", args=[community.slug]) in content


def test_the_sponsors_request_for_changes_shows_on_the_status_panel(
    client, community, moderator, sponsor
):
    changes_requested(community, editor=moderator, sponsor=sponsor)
    client.force_login(moderator)

    content = client.get(url("detail", community)).content.decode()

    assert "Sharpen the objectives" in content
    assert "Submit for review" in content


# The editor ------------------------------------------------------------------------


def test_sponsor_edits_only_the_purpose(client, community, sponsor):
    fresh_charter(community)
    client.force_login(sponsor)

    response = client.get(url("edit", community))

    form = response.context["form"]
    assert "purpose" in form.fields
    assert "vision" not in form.fields
    assert response.context["formset"] is None


def test_moderator_edits_everything_but_the_purpose(client, community, moderator):
    charter = fresh_charter(community)
    ObjectiveFactory(charter=charter, title="Existing objective")
    client.force_login(moderator)

    response = client.get(url("edit", community))

    assert "purpose" not in response.context["form"].fields
    assert {"vision", "strategy", "pitch", "revisit_by"} <= set(response.context["form"].fields)
    assert "Existing objective" in response.content.decode()


def test_opening_the_editor_for_a_community_without_a_charter_shows_an_empty_draft_and_saves_nothing(
    client, community, moderator
):
    client.force_login(moderator)

    response = client.get(url("edit", community))

    assert response.status_code == 200
    assert response.context["form"].initial["draft_revision"] == 0
    assert not Charter.objects.filter(community=community).exists()


def test_sponsor_saves_the_purpose(client, community, sponsor):
    charter = fresh_charter(community)
    client.force_login(sponsor)

    response = client.post(
        url("edit", community),
        {"draft_revision": 0, "base": "{}", "purpose": "Build a capability in safe releases."},
    )

    assert response.status_code == 302
    charter.refresh_from_db()
    assert charter.purpose == "Build a capability in safe releases."


def test_moderator_adds_reorders_and_removes_objectives(client, community, moderator):
    charter = fresh_charter(community)
    first = ObjectiveFactory(charter=charter, title="First", position=0)
    second = ObjectiveFactory(charter=charter, title="Second", position=1)
    client.force_login(moderator)

    response = client.post(
        url("edit", community),
        draft_post(
            charter,
            **{
                "objectives-TOTAL_FORMS": 3,
                "objectives-INITIAL_FORMS": 2,
                "objectives-0-id": first.pk,
                "objectives-0-title": "First",
                "objectives-0-ORDER": 1,
                "objectives-0-DELETE": "on",
                "objectives-1-id": second.pk,
                "objectives-1-title": "Second, renamed",
                "objectives-1-ORDER": 2,
                "objectives-2-title": "Brand new",
                "objectives-2-indicator": "Ten stories a quarter",
                "objectives-2-target_date": "2026-09-30",
                "objectives-2-ORDER": 1,
            },
        ),
    )

    assert response.status_code == 302
    titles = [o["title"] for o in services.snapshot(charter)["objectives"]]
    assert titles == ["Brand new", "Second, renamed"]
    first.refresh_from_db()
    assert first.is_retired


def test_an_objective_row_with_an_indicator_but_no_title_is_refused_and_kept(
    client, community, moderator
):
    charter = fresh_charter(community)
    client.force_login(moderator)

    response = client.post(
        url("edit", community),
        draft_post(
            charter,
            vision="Typed vision",
            **{"objectives-TOTAL_FORMS": 1, "objectives-0-indicator": "Orphan indicator"},
        ),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Give the objective a title" in content
    assert "Orphan indicator" in content
    assert "Typed vision" in content


def test_a_conflicting_save_is_refused_shows_what_changed_and_keeps_the_editors_text(
    client, community, moderator, core
):
    charter = fresh_charter(community, vision="We meet monthly.")
    opened = draft_post(charter)  # the moderator opens the editor...
    edit(charter, core, vision="We meet weekly.")  # ...while the core member saves
    client.force_login(moderator)

    response = client.post(
        url("edit", community), {**opened, "vision": "We meet monthly, in Leeds."}
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else saved the draft" in content
    assert '<del><span class="visually-hidden">[removed: </span>monthly' in content
    assert '<ins><span class="visually-hidden">[added: </span>weekly' in content
    assert "We meet monthly, in Leeds." in content, "the editor's own text stays in the form"
    charter.refresh_from_db()
    assert charter.vision == "We meet weekly."
    assert response.context["form"]["draft_revision"].value() == str(charter.draft_revision)


def test_after_seeing_the_conflict_saving_again_goes_through(client, community, moderator, core):
    charter = fresh_charter(community, vision="We meet monthly.")
    opened = draft_post(charter)
    edit(charter, core, vision="We meet weekly.")
    client.force_login(moderator)
    refused = client.post(url("edit", community), {**opened, "vision": "Weekly, in Leeds."})
    form = refused.context["form"]

    response = client.post(
        url("edit", community),
        {
            **opened,
            "vision": "Weekly, in Leeds.",
            "draft_revision": form["draft_revision"].value(),
            "base": form["base"].value(),
        },
    )

    assert response.status_code == 302
    charter.refresh_from_db()
    assert charter.vision == "Weekly, in Leeds."


def test_editing_a_charter_in_review_is_refused_with_a_clear_message(
    client, community, moderator, sponsor
):
    charter, _ = in_review(community, by=moderator)
    client.force_login(moderator)

    page = client.get(url("edit", community)).content.decode()
    response = client.post(
        url("edit", community), draft_post(charter, vision="Changed during review")
    )

    assert "wait for the sponsor" in page
    assert response.status_code == 200
    assert "wait for the sponsor" in response.content.decode()
    charter.refresh_from_db()
    assert charter.vision != "Changed during review"


def test_a_broken_base_field_does_not_break_the_editor(client, community, moderator):
    charter = fresh_charter(community)
    client.force_login(moderator)

    response = client.post(
        url("edit", community), draft_post(charter, base="{not json", vision="Fine")
    )

    assert response.status_code == 302


# Submitting --------------------------------------------------------------------------


def test_moderator_submits_the_draft_for_review(client, community, moderator, sponsor):
    fresh_charter(community)
    client.force_login(moderator)

    response = client.post(url("submit", community), {"note": "First full draft"}, follow=True)

    assert "Version 1 is with the sponsor for review." in response.content.decode()
    version = CharterVersion.objects.get()
    assert version.note == "First full draft"


def test_a_refused_submission_comes_back_as_a_message(client, community, moderator, sponsor):
    in_review(community, by=moderator)
    client.force_login(moderator)

    response = client.post(url("submit", community), follow=True)

    assert "The charter is already in review." in response.content.decode()
    assert CharterVersion.objects.count() == 1


def test_submitting_without_a_charter_explains_the_purpose_is_missing(
    client, community, moderator, sponsor
):
    client.force_login(moderator)

    response = client.post(url("submit", community), follow=True)

    assert "needs a purpose" in response.content.decode()


# History and versions ----------------------------------------------------------------


def test_history_lists_every_version_with_its_review_newest_first(
    client, community, moderator, sponsor
):
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, vision="Better")
    second = services.charter_submit(charter=charter, by=moderator)
    services.charter_approve(version=second, by=sponsor, comment="Ship it")
    client.force_login(moderator)

    response = client.get(url("history", community))

    content = response.content.decode()
    assert [v.number for v in response.context["versions"]] == [2, 1]
    assert "Sharpen the objectives" in content
    assert "Ship it" in content
    assert "Current charter" in content


def test_history_without_any_version_says_so(client, community, moderator):
    fresh_charter(community)
    client.force_login(moderator)

    assert "No version has been submitted" in client.get(url("history", community)).content.decode()


def test_a_version_page_shows_the_diff_against_the_previous_version(
    client, community, moderator, sponsor
):
    charter, _ = changes_requested(
        community, editor=moderator, sponsor=sponsor, vision="We meet monthly."
    )
    edit(charter, moderator, vision="We meet weekly.")
    services.charter_submit(charter=charter, by=moderator)
    client.force_login(moderator)

    content = client.get(url("version", community, 2)).content.decode()

    assert "[removed: </span>monthly" in content
    assert "[added: </span>weekly" in content


def test_the_first_version_reads_as_plain_text_not_all_added(client, community, moderator, sponsor):
    in_review(community, by=moderator)
    client.force_login(moderator)

    content = client.get(url("version", community, 1)).content.decode()

    assert "[added:" not in content
    assert "The first version" in content


def test_a_missing_version_is_404(client, community, moderator, sponsor):
    in_review(community, by=moderator)
    client.force_login(moderator)

    assert client.get(url("version", community, 99)).status_code == 404
    client.force_login(sponsor)
    assert client.get(url("review", community, 99)).status_code == 404


def test_version_pages_of_a_community_without_a_charter_are_404(client, community, moderator):
    client.force_login(moderator)

    assert client.get(url("version", community, 1)).status_code == 404


# Print --------------------------------------------------------------------------------


def test_the_printable_charter_has_no_site_chrome(client, community, moderator, sponsor):
    approved(community, editor=moderator, sponsor=sponsor, pitch="Print me")

    response = client.get(url("print", community))

    content = response.content.decode()
    assert "Print me" in content
    assert "css/print.css" in content
    assert "site-header" not in content
    assert "approved by Sam Sponsor" in content


def test_the_printable_page_without_an_approved_charter_says_so(client, community):
    content = client.get(url("print", community)).content.decode()

    assert "has no approved charter yet" in content


# The community page --------------------------------------------------------------


def test_the_community_page_shows_the_approved_pitch_and_who_approved_it(
    client, community, moderator, sponsor
):
    approved(community, editor=moderator, sponsor=sponsor, pitch="Fifty people have been there.")

    content = client.get(reverse("communities:detail", args=[community.slug])).content.decode()

    assert "Our charter" in content
    assert "Fifty people have been there." in content
    assert "approved by Sam Sponsor" in content
    assert url("detail", community) in content


def test_the_community_page_tells_the_core_group_there_is_no_approved_charter(
    client, community, core
):
    client.force_login(core)

    content = client.get(reverse("communities:detail", args=[community.slug])).content.decode()

    assert "There is no approved charter yet" in content


def test_the_community_page_shows_members_nothing_until_a_charter_is_approved(
    client, community, member
):
    client.force_login(member)

    content = client.get(reverse("communities:detail", args=[community.slug])).content.decode()

    assert "Our charter" not in content
