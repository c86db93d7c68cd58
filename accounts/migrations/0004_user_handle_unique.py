# A migration of its own: PostgreSQL refuses to alter a table with pending trigger events
# left by the data migration in the same transaction.

from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_handle")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="handle",
            field=models.CharField(
                blank=True,
                help_text="How colleagues @mention you: lowercase letters and digits, dots or hyphens between them.",
                max_length=40,
                unique=True,
                validators=[accounts.models.validate_handle],
            ),
        ),
    ]
