import factory

from charter.models import (
    Beneficiary,
    Charter,
    CharterVersion,
    Contribution,
    Horizon,
    Objective,
    Prompt,
    ValueStory,
    VisionRound,
)
from tests.factories import CommunityFactory, UserFactory


class CharterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charter
        django_get_or_create = ("community",)

    community = factory.SubFactory(CommunityFactory)
    purpose = "Help clinicians and engineers **learn from each other** about safe deployments."
    vision = "Every team ships on a Friday without fear."
    strategy = "Monthly show-and-tell, a shared runbook, pairing across units."
    pitch = "Stuck with a rollout? Fifty people across six units have been there."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    charter = factory.SubFactory(CharterFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Objective {n}")
    indicator = "Median time to first reply under a day"


class CharterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterVersion

    charter = factory.SubFactory(CharterFactory)
    number = factory.Sequence(lambda n: n + 1)
    author = factory.SubFactory(UserFactory)
    purpose = factory.SelfAttribute("charter.purpose")
    vision = factory.SelfAttribute("charter.vision")
    strategy = factory.SelfAttribute("charter.strategy")
    pitch = factory.SelfAttribute("charter.pitch")


class VisionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisionRound

    charter = factory.SubFactory(CharterFactory)
    title = "Where should we be in two years?"
    opened_by = factory.SubFactory(UserFactory)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    vision_round = factory.SubFactory(VisionRoundFactory)
    prompt = Prompt.DREAM
    author = factory.SubFactory(UserFactory)
    author_role = "member"
    text = "A newcomer gets a useful answer within a day."


class ValueStoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValueStory

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = "Rollback runbook saved an outage"
    what_happened = "A member used the shared runbook during an incident."
    who_benefited = "The on-call team in Radiology IT"
    horizon = Horizon.SHORT
    beneficiary = Beneficiary.ORGANISATION
    minutes_saved = 90
