"""The community charter: a working draft, immutable versions under sponsor review,
the vision rounds that co-create it, and the value stories that show what it is worth.

The draft is the only thing people edit. Submitting it freezes a `CharterVersion`
(every section copied, objectives as a list), which a sponsor approves or sends
back. The approved version, never the draft, is what readers see.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class CharterState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Charter(models.Model):
    """One per community: the working draft and where it stands in review."""

    community = models.OneToOneField(
        "communities.Community", on_delete=models.CASCADE, related_name="charter"
    )
    purpose = models.TextField(blank=True, help_text="Why the community exists. Written by the sponsor.")
    vision = models.TextField(blank=True, help_text="What the community hopes to become. Co-created.")
    strategy = models.TextField(blank=True, help_text="How the community will get there.")
    pitch = models.TextField(
        blank=True, help_text="The value proposition: a short pitch for people deciding whether to join."
    )
    revisit_by = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=CharterState.choices, default=CharterState.DRAFT)
    # Bumped on every save of the draft; an editor whose form carries an older number
    # opened a draft someone else has since changed (see charter_draft_update).
    draft_revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The version readers see; null until a sponsor first approves one.
    approved_version = models.OneToOneField(
        "CharterVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Charter of {self.community}"


class Objective(models.Model):
    """An objective of the working draft. Versions keep their own copy; value stories point here."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    indicator = models.CharField(max_length=200, blank=True, help_text="How we will know it is met.")
    target_date = models.DateField(null=True, blank=True)
    # Removed from the draft, kept so that stories linked to it stay linked.
    is_retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


FROZEN_FIELDS = ("charter_id", "number", "author_id", "created_at", "purpose", "vision",
                 "objectives", "strategy", "pitch", "revisit_by")


class CharterVersion(models.Model):
    """A frozen copy of the draft as submitted. Its content never changes; only the review is recorded."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    purpose = models.TextField(blank=True)
    vision = models.TextField(blank=True)
    # [{"id": objective pk, "title": ..., "indicator": ..., "target_date": "YYYY-MM-DD" or null}, ...]
    objectives = models.JSONField(default=list, blank=True)
    strategy = models.TextField(blank=True)
    pitch = models.TextField(blank=True)
    revisit_by = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="What changed, from the person submitting.")
    status = models.CharField(max_length=20, choices=VersionStatus.choices, default=VersionStatus.IN_REVIEW)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="charter_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.charter} v{self.number}"

    def save(self, *args, **kwargs):
        # Freezing is the point of a version: once saved, only the review fields may change.
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()
            if stored is not None and any(stored[f] != getattr(self, f) for f in FROZEN_FIELDS):
                raise ValidationError("A charter version is frozen; its content cannot change.")
        super().save(*args, **kwargs)


class VisionRound(models.Model):
    """An appreciative-inquiry round: four prompts collecting contributions for the vision."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="vision_rounds")
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="What the round led to, written when it closes.")

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Prompt(models.TextChoices):
    DISCOVER = "discover", "Discover: what already works for us"
    DREAM = "dream", "Dream: what could be"
    DESIGN = "design", "Design: how we would get there"
    DELIVER = "deliver", "Deliver: what we commit to"


class Contribution(models.Model):
    vision_round = models.ForeignKey(VisionRound, on_delete=models.CASCADE, related_name="contributions")
    prompt = models.CharField(max_length=10, choices=Prompt.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The author's role when they wrote it ("sponsor", "member", ..., or "" for an interested non-member).
    author_role = models.CharField(max_length=20, blank=True)
    text = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    endorsement_count = models.PositiveIntegerField(default=0)
    used_in_draft = models.BooleanField(default=False)
    used_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-endorsement_count", "created_at", "id"]
        indexes = [models.Index(fields=["vision_round", "prompt", "-endorsement_count"])]

    def __str__(self) -> str:
        return self.text[:60]


class Endorsement(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="endorsement_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} endorses {self.contribution_id}"


class Horizon(models.TextChoices):
    SHORT = "short", "Short term"
    LONG = "long", "Long term"


class Beneficiary(models.TextChoices):
    MEMBERS = "members", "Members"
    ORGANISATION = "organisation", "Organisation"


class ValueStory(models.Model):
    """What happened, who benefited, and which cell of the value table it belongs to."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="value_stories"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="value_stories"
    )
    title = models.CharField(max_length=200)
    what_happened = models.TextField()
    who_benefited = models.CharField(max_length=300)
    horizon = models.CharField(max_length=5, choices=Horizon.choices)
    beneficiary = models.CharField(max_length=12, choices=Beneficiary.choices)
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    minutes_saved = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "horizon", "beneficiary", "-created_at"])]
        verbose_name_plural = "value stories"

    def __str__(self) -> str:
        return self.title
