"""Query budget of the moderation queue: the same at 3 and at 30 flagged posts."""

import pytest
from django.urls import reverse

from discussions.services import moderation as services
from tests.discussions.factories import FlagFactory, HelpRequestFactory, ReplyFactory
from tests.factories import MembershipFactory, UserFactory
from tests.queries import page_queries

FEW, MANY = 3, 30

# Session, user, the bell's unread count; the community, my membership, my pending request;
# the page count and page of flagged posts, their open flags with flaggers, posts and authors;
# recently removed requests, recently removed replies.
QUEUE_BUDGET = 11


@pytest.mark.django_db
def test_moderation_queue_queries_do_not_grow_with_flags(
    client, moderator, community, django_assert_max_num_queries
):
    """Guards each flagged post's excerpt and author, each flagger's name, each post's thread url
    (its community) and each removed post's remover: none may cost a query per row."""

    def grow(n):
        for i in range(n):
            help_request = HelpRequestFactory(community=community)
            reply = ReplyFactory(help_request=help_request)
            for _ in range(2):
                flagger = UserFactory()
                MembershipFactory(community=community, user=flagger)
                FlagFactory(
                    help_request=help_request, reply=reply if i % 2 else None, flagged_by=flagger
                )
            removed = ReplyFactory(help_request=help_request)
            services.post_remove(post=removed, by=moderator, reason="Spam")

    url = reverse("discussions:moderation_queue", args=[community.slug])
    client.force_login(moderator)
    grow(FEW)
    client.get(url)  # warm the caches
    few = page_queries(client, url)
    grow(MANY - FEW)
    many = page_queries(client, url)

    assert few == many
    with django_assert_max_num_queries(QUEUE_BUDGET):
        client.get(url)
