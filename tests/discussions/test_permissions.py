"""The per-post rules the thread page asks for each reply."""

from communities.policy import access_for
from discussions import permissions
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import UserFactory


def test_a_member_may_vote_on_someone_elses_reply(community, member):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=UserFactory())

    assert permissions.can_vote_on(access_for(member, community), reply)


def test_nobody_votes_on_their_own_reply(community, member):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=member)

    assert not permissions.can_vote_on(access_for(member, community), reply)


def test_nobody_votes_on_a_removed_reply(community, member):
    reply = ReplyFactory(
        help_request=HelpRequestFactory(community=community), author=UserFactory(), is_removed=True
    )

    assert not permissions.can_vote_on(access_for(member, community), reply)


def test_an_outsider_to_the_community_cannot_vote(community, outsider):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=UserFactory())

    assert not permissions.can_vote_on(access_for(outsider, community), reply)


def test_removed_text_stays_readable_to_its_author_and_the_moderators(
    community, member, moderator, core
):
    reply = ReplyFactory(
        help_request=HelpRequestFactory(community=community), author=member, is_removed=True
    )

    assert permissions.can_see_removed_text(access_for(member, community), reply)
    assert permissions.can_see_removed_text(access_for(moderator, community), reply)
    assert not permissions.can_see_removed_text(access_for(core, community), reply)
