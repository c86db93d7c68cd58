"""Every write two people (or one person's two clicks) can make to a thread at once, in real
concurrent transactions on PostgreSQL: votes, follows, flags, acceptances, counters, the same
form sent twice, and two edits of one post.

`at_once` releases its writers together; `while_open` keeps the first writer's transaction
open while the second one runs, so the second meets its locks and must see its result.
"""

import uuid

import pytest
from django.core.exceptions import ValidationError

from discussions.models import Flag, FlagStatus, Follow, HelpfulVote, HelpRequest, Reply, Revision
from discussions.services import moderation, posting
from tests.concurrency import at_once, errors, needs_row_locks, while_open
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = [needs_row_locks, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.DISCUSSIONS_RATE_LIMITS = {"request": (1000, 600), "reply": (1000, 600)}


def people(community, n: int) -> list:
    crowd = [UserFactory() for _ in range(n)]
    for person in crowd:
        MembershipFactory(community=community, user=person)
    return crowd


def fresh_request(pk: int) -> HelpRequest:
    return HelpRequest.objects.select_related("community").get(pk=pk)


def fresh_reply(pk: int) -> Reply:
    return Reply.objects.select_related("help_request__community").get(pk=pk)


# Helpful votes and follows ---------------------------------------------------


def test_many_people_marking_one_reply_helpful_at_once_are_each_counted(community, member):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=member)
    voters = people(community, 8)

    outcomes = at_once(
        *[lambda v=v: posting.vote_toggle(reply=fresh_reply(reply.pk), by=v) for v in voters]
    )

    assert errors(outcomes) == []
    reply.refresh_from_db()
    assert reply.helpful_count == HelpfulVote.objects.filter(reply=reply).count() == 8


def test_a_double_click_on_helpful_keeps_the_count_equal_to_the_votes(community, member, core):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=member)

    outcomes = at_once(*[lambda: posting.vote_toggle(reply=fresh_reply(reply.pk), by=core)] * 2)

    assert errors(outcomes) == []
    reply.refresh_from_db()
    assert reply.helpful_count == HelpfulVote.objects.filter(reply=reply).count()
    assert reply.helpful_count <= 1


def test_a_double_click_on_follow_leaves_at_most_one_follow(community, member):
    help_request = HelpRequestFactory(community=community)

    outcomes = at_once(
        *[lambda: posting.follow_toggle(help_request=fresh_request(help_request.pk), by=member)] * 2
    )

    assert errors(outcomes) == []
    assert Follow.objects.filter(help_request=help_request, user=member).count() <= 1


# Flags -------------------------------------------------------------------------


def test_one_person_flagging_a_post_twice_at_once_makes_one_open_flag(community, member):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community))

    outcomes = at_once(
        *[lambda: moderation.flag_create(post=fresh_reply(reply.pk), by=member, reason="Spam")] * 2
    )

    refusals = errors(outcomes)
    assert len(refusals) == 1
    assert "already flagged" in str(refusals[0])
    assert Flag.objects.filter(reply=reply, flagged_by=member, status=FlagStatus.OPEN).count() == 1


# Accepting -----------------------------------------------------------------------


def test_a_reply_removed_while_it_is_being_accepted_is_not_accepted(community, member, moderator):
    help_request = HelpRequestFactory(community=community, author=member)
    answer = ReplyFactory(help_request=help_request)
    stale_request, stale_answer = fresh_request(help_request.pk), fresh_reply(answer.pk)

    _, error = while_open(
        lambda: moderation.post_remove(post=fresh_reply(answer.pk), by=moderator, reason="Spam"),
        lambda: posting.answer_accept(help_request=stale_request, reply=stale_answer, by=member),
    )

    assert isinstance(error, ValidationError)
    assert "removed reply cannot be the accepted answer" in str(error)
    help_request.refresh_from_db()
    assert help_request.accepted_reply_id is None


def test_accepting_again_just_after_a_withdrawal_is_not_lost(community, member):
    help_request = HelpRequestFactory(community=community, author=member)
    answer = ReplyFactory(help_request=help_request)
    posting.answer_accept(help_request=fresh_request(help_request.pk), reply=answer, by=member)
    # The page the second click came from still showed the answer as accepted.
    stale_request, stale_answer = fresh_request(help_request.pk), fresh_reply(answer.pk)

    _, error = while_open(
        lambda: posting.answer_unaccept(help_request=fresh_request(help_request.pk), by=member),
        lambda: posting.answer_accept(help_request=stale_request, reply=stale_answer, by=member),
    )

    assert error is None
    help_request.refresh_from_db()
    assert help_request.accepted_reply_id == answer.pk
    assert help_request.status == "solved"


# Counters ------------------------------------------------------------------------


def test_reply_count_stays_the_number_of_visible_replies_when_replies_and_removals_race(
    community, moderator
):
    help_request = HelpRequestFactory(community=community)
    doomed = [ReplyFactory(help_request=help_request) for _ in range(3)]
    HelpRequest.objects.filter(pk=help_request.pk).update(reply_count=3)
    writers = people(community, 6)

    outcomes = at_once(
        *[
            lambda w=w: posting.reply_create(
                help_request=fresh_request(help_request.pk), by=w, body="Same here."
            )
            for w in writers
        ],
        *[
            lambda r=r: moderation.post_remove(
                post=fresh_reply(r.pk), by=moderator, reason="Off topic"
            )
            for r in doomed
        ],
    )

    assert errors(outcomes) == []
    help_request.refresh_from_db()
    visible = Reply.objects.filter(help_request=help_request, is_removed=False).count()
    assert help_request.reply_count == visible == 6


def test_editing_a_reply_while_others_answer_it_neither_deadlocks_nor_loses_a_reply(
    community, member
):
    help_request = HelpRequestFactory(community=community)
    answered = ReplyFactory(help_request=help_request, author=member)
    writers = people(community, 4)

    outcomes = at_once(
        *[
            lambda w=w: posting.reply_create(
                help_request=fresh_request(help_request.pk),
                by=w,
                body="A reply to it.",
                parent=fresh_reply(answered.pk),
            )
            for w in writers
        ],
        *[
            lambda n=n: posting.reply_edit(
                reply=fresh_reply(answered.pk), by=member, body=f"Edit {n}"
            )
            for n in range(4)
        ],
    )

    assert errors(outcomes) == []
    answered.refresh_from_db()
    assert answered.numchild == answered.descendant_count == 4
    assert answered.version == Revision.objects.filter(reply=answered).count() == 4


# The same form sent twice ---------------------------------------------------------


def test_one_ask_form_sent_twice_at_once_makes_one_request(community, member):
    key = uuid.uuid4()

    def send():
        return posting.help_request_create(
            community=community, by=member, title="Pods pending", body="Why?", submission_key=key
        ).pk

    outcomes = at_once(send, send)

    assert errors(outcomes) == []
    assert HelpRequest.objects.filter(author=member).count() == 1
    assert outcomes[0][0] == outcomes[1][0]


def test_one_reply_form_sent_twice_at_once_makes_one_reply(community, member):
    help_request = HelpRequestFactory(community=community)
    key = uuid.uuid4()

    def send():
        return posting.reply_create(
            help_request=fresh_request(help_request.pk),
            by=member,
            body="Try a PDB.",
            submission_key=key,
        ).pk

    outcomes = at_once(send, send, send)

    assert errors(outcomes) == []
    assert Reply.objects.filter(help_request=help_request).count() == 1
    assert len({pk for pk, _ in outcomes}) == 1
    help_request.refresh_from_db()
    assert help_request.reply_count == 1


# Two edits of one post ------------------------------------------------------------


def test_two_editors_saving_from_the_same_version_at_once_save_one_and_refuse_the_other(
    community, member, moderator
):
    help_request = HelpRequestFactory(
        community=community, author=member, title="Old", body="Old body"
    )

    def edit(by, body):
        return lambda: posting.help_request_edit(
            help_request=fresh_request(help_request.pk),
            by=by,
            title="Old",
            body=body,
            base_version=0,
        )

    outcomes = at_once(edit(member, "The author's words"), edit(moderator, "The moderator's words"))

    refusals = errors(outcomes)
    assert len(refusals) == 1
    assert isinstance(refusals[0], posting.EditConflict)
    help_request.refresh_from_db()
    assert help_request.body in ("The author's words", "The moderator's words")
    assert refusals[0].current.body == help_request.body  # the refused one is shown what won
    assert help_request.version == 1
    assert Revision.objects.filter(help_request=help_request).count() == 1


def test_two_edits_of_one_reply_from_the_same_version_keep_the_first_and_refuse_the_second(
    community, member
):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=member)

    outcomes = at_once(
        *[
            lambda n=n: posting.reply_edit(
                reply=fresh_reply(reply.pk), by=member, body=f"Version {n}", base_version=0
            )
            for n in range(3)
        ]
    )

    assert len(errors(outcomes)) == 2
    assert all(isinstance(e, posting.EditConflict) for e in errors(outcomes))
    reply.refresh_from_db()
    assert reply.version == 1
    assert Revision.objects.filter(reply=reply).count() == 1
