"""Give every person an @handle, made from their name, before the column becomes unique."""

from django.db import migrations, models


def fill_handles(apps, schema_editor):
    from accounts.models import unique_handle

    User = apps.get_model("accounts", "User")
    taken = set(User.objects.exclude(handle__isnull=True).exclude(handle="").values_list("handle", flat=True))
    for user in User.objects.filter(models.Q(handle__isnull=True) | models.Q(handle="")).order_by("pk"):
        handle = unique_handle(
            user.display_name or user.email.split("@")[0], taken=lambda h, _pk: h in taken
        )
        taken.add(handle)
        User.objects.filter(pk=user.pk).update(handle=handle)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_site_from_settings")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="handle",
            field=models.CharField(blank=True, max_length=40, null=True),
        ),
        migrations.RunPython(fill_handles, migrations.RunPython.noop),
    ]
