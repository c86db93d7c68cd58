"""One post per form, and no edit that silently replaces another.

`submission_key` holds the one-time token of the ask and reply forms: unique per
author, so the same form sent twice (a double click, a resend) makes one post.
`version` counts edits; an edit form carries the version it started from and is
refused if the post was edited since. Existing posts get no key and version 0.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_email_preferences'),
        ('communities', '0005_health_visibility'),
        ('discussions', '0005_reply_tree_per_thread'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='helprequest',
            name='submission_key',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='helprequest',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='reply',
            name='submission_key',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='reply',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddConstraint(
            model_name='helprequest',
            constraint=models.UniqueConstraint(fields=('author', 'submission_key'), name='help_request_submitted_once'),
        ),
        migrations.AddConstraint(
            model_name='reply',
            constraint=models.UniqueConstraint(fields=('author', 'submission_key'), name='reply_submitted_once'),
        ),
    ]
