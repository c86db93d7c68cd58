"""One reply tree per help request instead of one tree of all replies on the platform.

Until now every top-level reply was a root of a single platform-wide tree, numbered after the
last root of any thread, so writers in different communities collided on the unique `path`.
Here each thread's roots are renumbered 1, 2, 3... in their old order (their subtrees move with
them), every reply gets its `descendant_count`, and `path` becomes unique per thread.
"""

from collections import defaultdict

from django.conf import settings
from django.db import migrations, models

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 5


def _step(number):
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = ALPHABET[digit] + digits
    return digits.rjust(STEPLEN, "0")


def renumber_per_thread(apps, schema_editor):
    Reply = apps.get_model("discussions", "Reply")
    thread_ids = Reply.objects.order_by().values_list("help_request_id", flat=True).distinct()
    for thread_id in list(thread_ids):
        replies = list(Reply.objects.filter(help_request_id=thread_id).order_by("path"))
        new_root = {}
        below = defaultdict(int)
        for reply in replies:
            old_root = reply.path[:STEPLEN]
            if old_root not in new_root:
                new_root[old_root] = _step(len(new_root) + 1)
            for end in range(STEPLEN, len(reply.path), STEPLEN):
                below[reply.path[:end]] += 1
        for reply in replies:
            reply.descendant_count = below[reply.path]
            reply.path = new_root[reply.path[:STEPLEN]] + reply.path[STEPLEN:]
        Reply.objects.bulk_update(replies, ["path", "descendant_count"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_email_preferences'),
        ('discussions', '0004_escalation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='reply',
            name='descendant_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='reply',
            name='path',
            field=models.CharField(max_length=255),
        ),
        migrations.RunPython(renumber_per_thread, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name='reply',
            index=models.Index(fields=['help_request', 'path'], name='reply_thread_path_prefix', opclasses=['int8_ops', 'varchar_pattern_ops']),
        ),
        migrations.AddConstraint(
            model_name='reply',
            constraint=models.UniqueConstraint(fields=('help_request', 'path'), name='reply_path_unique_in_thread'),
        ),
    ]
