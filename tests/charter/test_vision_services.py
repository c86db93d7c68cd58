"""The vision round services: one open round at a time, contributions, endorsements, used marks, closing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from charter.kinds import AuditAction, Kind
from charter.models import Charter, Contribution, Endorsement, Prompt
from charter.services import vision as services
from communities.models import AuditEvent, Role
from notifications.models import Notification
from tests.charter.factories import CharterFactory, ContributionFactory
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def charter(community):
    return CharterFactory(community=community)


@pytest.fixture
def open_round(charter, moderator):
    return services.vision_round_open(charter=charter, by=moderator, title="Where next?")


def test_a_moderator_opens_a_round_and_it_is_audited(charter, moderator):
    vision_round = services.vision_round_open(
        charter=charter, by=moderator, title="  Where next?  ", introduction="Tell us."
    )

    assert vision_round.is_open
    assert vision_round.title == "Where next?"
    assert vision_round.opened_by == moderator
    event = AuditEvent.objects.get(community=charter.community, action=AuditAction.ROUND_OPENED)
    assert event.actor == moderator
    assert event.detail["round"] == vision_round.pk


def test_opening_notifies_every_active_member_but_the_opener(charter, moderator, member, core, sponsor, outsider):
    gone = MembershipFactory(community=charter.community, role=Role.MEMBER, is_active=False).user

    vision_round = services.vision_round_open(charter=charter, by=moderator, title="Where next?")

    notified = set(Notification.objects.filter(kind=Kind.VISION_ROUND_OPENED).values_list("recipient", flat=True))
    assert notified == {member.pk, core.pk, sponsor.pk}
    note = Notification.objects.filter(recipient=member).get()
    assert note.url.endswith(f"/charter/vision/{vision_round.pk}/")
    assert "Where next?" in note.message
    assert gone.pk not in notified and outsider.pk not in notified


def test_opening_notifies_a_big_community_in_a_few_queries(charter, moderator, django_assert_max_num_queries):
    for _ in range(120):
        MembershipFactory(community=charter.community, role=Role.MEMBER)

    with django_assert_max_num_queries(10):
        services.vision_round_open(charter=charter, by=moderator, title="Where next?")

    assert Notification.objects.filter(kind=Kind.VISION_ROUND_OPENED).count() == 120


def test_only_one_round_is_open_at_a_time(open_round, charter, moderator):
    with pytest.raises(ValidationError, match="already open"):
        services.vision_round_open(charter=charter, by=moderator, title="Another")


def test_a_new_round_can_open_once_the_last_one_closed(open_round, charter, moderator):
    services.vision_round_close(vision_round=open_round, by=moderator)

    again = services.vision_round_open(charter=charter, by=moderator, title="Round two")

    assert again.is_open


def test_a_round_needs_a_title(charter, moderator):
    with pytest.raises(ValidationError, match="title"):
        services.vision_round_open(charter=charter, by=moderator, title="   ")


def test_a_member_contributes_with_their_role_recorded(open_round, member, sponsor):
    mine = services.contribution_add(vision_round=open_round, author=member, prompt=Prompt.DREAM, text=" Pairing ")
    theirs = services.contribution_add(vision_round=open_round, author=sponsor, prompt=Prompt.DISCOVER, text="Runbooks")

    assert (mine.text, mine.author_role, mine.prompt) == ("Pairing", "member", "dream")
    assert theirs.author_role == "sponsor"


def test_an_interested_non_member_contributes_with_no_role(open_round, outsider):
    contribution = services.contribution_add(vision_round=open_round, author=outsider, prompt=Prompt.DREAM, text="Hi")

    assert contribution.author_role == ""


def test_a_closed_round_refuses_contributions(open_round, moderator, member):
    services.vision_round_close(vision_round=open_round, by=moderator)

    with pytest.raises(ValidationError, match="closed"):
        services.contribution_add(vision_round=open_round, author=member, prompt=Prompt.DREAM, text="Late idea")
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    ("prompt", "text", "message"),
    [("dream", "", "Write your idea"), ("dream", "x" * 1001, "at most 1000"), ("wish", "An idea", "four prompts")],
)
def test_a_contribution_must_be_a_short_text_for_a_real_prompt(open_round, member, prompt, text, message):
    with pytest.raises(ValidationError, match=message):
        services.contribution_add(vision_round=open_round, author=member, prompt=prompt, text=text)


def test_endorsing_toggles_and_keeps_the_count_in_step(open_round, member, core):
    idea = ContributionFactory(vision_round=open_round, author=core)

    idea, endorsed = services.contribution_toggle_endorsement(contribution=idea, user=member)
    assert endorsed and idea.endorsement_count == 1
    idea, endorsed = services.contribution_toggle_endorsement(contribution=idea, user=member)
    assert not endorsed and idea.endorsement_count == 0
    assert not Endorsement.objects.exists()


def test_a_person_endorses_an_idea_only_once(open_round, member, core):
    idea = ContributionFactory(vision_round=open_round, author=core)

    assert services.contribution_endorse(contribution=idea, user=member) is True
    assert services.contribution_endorse(contribution=idea, user=member) is False

    idea.refresh_from_db()
    assert idea.endorsement_count == 1
    assert Endorsement.objects.filter(contribution=idea).count() == 1


def test_the_database_refuses_a_second_endorsement_by_the_same_person(open_round, member, core):
    idea = ContributionFactory(vision_round=open_round, author=core)
    Endorsement.objects.create(contribution=idea, user=member)

    with pytest.raises(IntegrityError):
        Endorsement.objects.create(contribution=idea, user=member)


def test_nobody_endorses_their_own_idea(open_round, member):
    idea = ContributionFactory(vision_round=open_round, author=member)

    with pytest.raises(ValidationError, match="your own"):
        services.contribution_toggle_endorsement(contribution=idea, user=member)
    idea.refresh_from_db()
    assert idea.endorsement_count == 0


def test_endorsements_are_final_once_the_round_closes(open_round, moderator, member, core):
    idea = ContributionFactory(vision_round=open_round, author=core)
    services.vision_round_close(vision_round=open_round, by=moderator)
    idea.refresh_from_db()

    with pytest.raises(ValidationError, match="closed"):
        services.contribution_toggle_endorsement(contribution=idea, user=member)


def test_several_people_endorsing_add_up(open_round, core):
    idea = ContributionFactory(vision_round=open_round, author=core)
    for _ in range(3):
        services.contribution_endorse(contribution=idea, user=UserFactory())

    idea.refresh_from_db()
    assert idea.endorsement_count == 3


def test_a_moderator_marks_and_unmarks_an_idea_as_used(open_round, moderator, member):
    idea = ContributionFactory(vision_round=open_round, author=member)

    services.contribution_mark_used(contribution=idea, by=moderator, used=True)
    idea.refresh_from_db()
    assert idea.used_in_draft and idea.used_marked_by == moderator

    services.contribution_mark_used(contribution=idea, by=moderator, used=False)
    idea.refresh_from_db()
    assert not idea.used_in_draft and idea.used_marked_by is None


def test_ideas_can_be_marked_used_after_the_round_closed(open_round, moderator, member):
    idea = ContributionFactory(vision_round=open_round, author=member)
    services.vision_round_close(vision_round=open_round, by=moderator)

    services.contribution_mark_used(contribution=idea, by=moderator, used=True)

    idea.refresh_from_db()
    assert idea.used_in_draft


def test_closing_records_the_summary_and_the_audit_event(open_round, moderator):
    closed = services.vision_round_close(vision_round=open_round, by=moderator, summary=" Pairing won. ")

    assert not closed.is_open
    assert (closed.summary, closed.closed_by) == ("Pairing won.", moderator)
    event = AuditEvent.objects.get(action=AuditAction.ROUND_CLOSED)
    assert event.actor == moderator and event.detail["round"] == open_round.pk


def test_a_round_closes_only_once(open_round, moderator, core):
    services.vision_round_close(vision_round=open_round, by=moderator, summary="First")

    with pytest.raises(ValidationError, match="already closed"):
        services.vision_round_close(vision_round=open_round, by=core, summary="Second")
    open_round.refresh_from_db()
    assert open_round.summary == "First"
    assert AuditEvent.objects.filter(action=AuditAction.ROUND_CLOSED).count() == 1


def test_an_open_round_elsewhere_does_not_block_this_community(open_round, private_community, moderator):
    other = services.vision_round_open(
        charter=Charter.objects.create(community=private_community), by=moderator, title="Private round"
    )

    assert other.is_open and open_round.is_open
