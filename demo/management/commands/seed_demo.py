"""Seed a realistic demo organisation: `python manage.py seed_demo`.

Each part of the demo lives in its own module of the `demo` app and runs in its
own transaction. Running it again changes nothing.
"""

import logging

from django.core.management.base import BaseCommand
from django.db import transaction

from demo import charter, communities, discussions, health, meetings, vision

# Charters, vision rounds and threads look people and communities up by email and
# slug, and each part may build on those before it.
PARTS = (charter, vision, discussions, meetings, health)


class Command(BaseCommand):
    help = "Create the Meridian Health demo organisation (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        # Every notification queues an email task, which logs a line when it runs eagerly
        # after commit; without this the demo logins would scroll away under them.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        with transaction.atomic():
            created = communities.seed()
        for part in PARTS:
            with transaction.atomic():
                part.seed(stdout=self.stdout)
        if created:
            self.stdout.write(
                self.style.SUCCESS(f"Created {len(created)} communities: {', '.join(created)}.")
            )
        else:
            self.stdout.write("The demo communities already exist; nothing to create.")
        self.stdout.write(communities.logins_text())
