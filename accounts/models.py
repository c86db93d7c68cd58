import re
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify
from taggit.managers import TaggableManager


def time_zone_choices() -> list[tuple[str, str]]:
    # Read at run time, not stored in migrations: the list depends on the machine's tzdata.
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a time zone we know.") from exc


def zone_or_utc(name: str | None) -> zoneinfo.ZoneInfo:
    """The named time zone, or UTC when the name is empty or no longer known (tzdata changes).

    For times written to a person in an email or a notification, where a bad stored
    value must not stop the message.
    """
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


HANDLE_MAX_LENGTH = 40
# Lowercase letters and digits, with single dots, hyphens or underscores between them:
# "aisha.bello" can end a sentence ("thanks @aisha.bello.") without the dot joining the handle.
HANDLE_PATTERN = r"[a-z0-9](?:[._-]?[a-z0-9])*"
RESERVED_HANDLES = {"admin", "all", "everyone", "here", "moderators", "channel"}


def validate_handle(value: str) -> None:
    if not re.fullmatch(HANDLE_PATTERN, value or ""):
        raise ValidationError(
            "Use lowercase letters and digits, joined by single dots, hyphens or underscores "
            "(for example aisha.bello).",
            code="invalid_handle",
        )
    if len(value) < 2:
        raise ValidationError("A handle needs at least two characters.", code="short_handle")
    if value in RESERVED_HANDLES:
        raise ValidationError("This handle is reserved; please choose another.", code="reserved_handle")


def handle_base(name: str) -> str:
    """A handle suggestion from a name: "Dr Sarah O'Connor" -> "dr.sarah.oconnor"."""
    spaced = re.sub(r"[._\s]+", " ", name.replace("'", "").replace("’", ""))
    words = slugify(spaced).replace("_", "-").split("-")
    base = ".".join(w for w in words if w)[: HANDLE_MAX_LENGTH - 4].strip(".")
    if len(base) < 2:
        return "person"
    return f"{base}.team" if base in RESERVED_HANDLES else base


def unique_handle(name: str, *, taken, exclude_pk=None) -> str:
    """The first of base, base2, base3... that `taken(handle, exclude_pk)` says is free."""
    base = handle_base(name)
    handle, n = base, 2
    while taken(handle, exclude_pk):
        handle = f"{base}{n}"
        n += 1
    return handle


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Monday)"
    NEVER = "never", "Never"


class OrganisationalUnit(models.Model):
    """A department, site or business unit; communities are measured by how many they bridge."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def search(self, query: str):
        query = query.strip()
        if not query:
            return self
        return self.filter(
            models.Q(display_name__icontains=query)
            | models.Q(email__icontains=query)
            | models.Q(job_title__icontains=query)
            | models.Q(handle__icontains=query)
        )


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. The email address is the login; the profile lives on the same row."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)

    display_name = models.CharField(max_length=120, blank=True)
    # How others @mention this person; made from the name when left empty.
    handle = models.CharField(
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[validate_handle],
        help_text="How colleagues @mention you: lowercase letters and digits, dots or hyphens between them.",
    )
    unit = models.ForeignKey(
        OrganisationalUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name="organisational unit",
    )
    job_title = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    bio = models.TextField("short bio", max_length=1000, blank=True)
    timezone = models.CharField("time zone", max_length=64, default="UTC", validators=[validate_time_zone])
    email_notifications = models.BooleanField(
        "email me copies of my notifications", default=True
    )
    digest_frequency = models.CharField(
        "email digest", max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    digest_hour = models.PositiveSmallIntegerField(
        "send my digest at (local hour)", default=8, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )
    meeting_reminders = models.BooleanField("email me meeting reminders", default=True)
    # The secret in the address of this person's calendar feed; replaced to revoke it.
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    expertise = TaggableManager(
        "expertise",
        blank=True,
        help_text="What you know well enough to help others with, separated by commas.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["display_name", "email"]
        indexes = [models.Index(Lower("display_name"), name="user_display_name_lower")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.handle:
            self.handle = unique_handle(
                self.display_name or self.email.split("@")[0], taken=_handle_taken, exclude_pk=self.pk
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "handle"}
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace(".", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def profile_complete(self) -> bool:
        return bool(self.display_name and self.unit_id)

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", args=[self.pk])


def _handle_taken(handle: str, exclude_pk) -> bool:
    return User.objects.filter(handle=handle).exclude(pk=exclude_pk).exists()
