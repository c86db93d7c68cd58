import factory
from django.utils import timezone

from accounts.models import OrganisationalUnit, User
from communities.kinds import Kind
from communities.models import (
    Community,
    Invitation,
    JoinPolicy,
    JoinRequest,
    Membership,
    Role,
    Visibility,
)
from notifications.models import Notification

PASSWORD = "correct-horse-battery"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationalUnit
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Unit {n}")
    slug = factory.Sequence(lambda n: f"unit-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    unit = factory.SubFactory(UnitFactory)
    job_title = "Engineer"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def expertise(self, create, extracted, **kwargs):
        if create and extracted:
            self.expertise.set(extracted)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the person a verified allauth email address, as after sign-up."""
        self.save()
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    tagline = "Practitioners helping each other"
    description = "We share **what works**."
    visibility = Visibility.PUBLIC
    join_policy = JoinPolicy.OPEN

    class Params:
        private = factory.Trait(visibility=Visibility.PRIVATE, join_policy=JoinPolicy.INVITATION)
        listed = factory.Trait(visibility=Visibility.LISTED, join_policy=JoinPolicy.REQUEST)
        by_request = factory.Trait(join_policy=JoinPolicy.REQUEST)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    community = factory.SubFactory(CommunityFactory, by_request=True)
    user = factory.SubFactory(UserFactory)
    message = "I work on this every day."


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    community = factory.SubFactory(CommunityFactory, private=True)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Kind.ROLE_CHANGED
    message = "Something happened."
    url = "/"
