"""Factories for help requests and replies.

Replies are tree nodes: `ReplyFactory(help_request=r)` makes a top-level reply,
`ReplyFactory(parent=other_reply)` a reply to it (same thread).
"""

import factory

from discussions.models import Flag, Follow, HelpfulVote, HelpRequest, Reply
from tests.factories import CommunityFactory, UserFactory


class HelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpRequest
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    author_unit = factory.SelfAttribute("author.unit")
    title = factory.Sequence(lambda n: f"How do we roll back deployment {n} safely?")
    body = "We tried `kubectl rollout undo` but the **old pods** never came back."

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


def _create_reply(model_class, *, parent=None, help_request=None, **fields):
    if parent is not None:
        fields.setdefault("in_reply_to", parent)
        return model_class.objects.add_child(parent, {"help_request": parent.help_request, **fields})
    return model_class.objects.add_root({"help_request": help_request or HelpRequestFactory(), **fields})


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    parent = None
    help_request = None
    author = factory.SubFactory(UserFactory)
    author_unit = factory.SelfAttribute("author.unit")
    body = "Check the `revisionHistoryLimit`; with 0 there is nothing to roll back to."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return _create_reply(model_class, **kwargs)


class HelpfulVoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpfulVote

    reply = factory.SubFactory(ReplyFactory)
    user = factory.SubFactory(UserFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    help_request = factory.SubFactory(HelpRequestFactory)
    user = factory.SubFactory(UserFactory)


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    help_request = factory.SubFactory(HelpRequestFactory)
    community = factory.SelfAttribute("help_request.community")
    flagged_by = factory.SubFactory(UserFactory)
    reason = "Shares a patient identifier."
