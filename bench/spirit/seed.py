"""Seed Spirit for the page benchmark and print what to request, as JSON on the last line.

Run by bench/pages_load.py with Spirit's own virtualenv, in the project directory, with
DJANGO_SETTINGS_MODULE=spiritbench.settings.bench. A category, a topic of 10 comments and
one of 1,000 (the same sentences Practica's replies carry), a reader signed in.
Reused when an earlier run made them.
"""

import json
import os
import sys

sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.html import escape  # noqa: E402
from spirit.category.models import Category  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402

User = get_user_model()
BODY = sys.argv[1] if len(sys.argv) > 1 else "We saw this too: check the readiness probe first."
TOPICS = {"Spirit topic of 10 comments": 10, "Spirit topic of 1000 comments": 1000}


def topic_of(title: str, size: int, category, people) -> Topic:
    topic = Topic.objects.filter(title=title).first()
    if topic and topic.comment_count == size:
        return topic
    with transaction.atomic():
        Topic.objects.filter(title=title).delete()
        topic = Topic.objects.create(user=people[0], category=category, title=title, comment_count=size)
        Comment.objects.bulk_create(
            Comment(
                user=people[i % len(people)],
                topic=topic,
                comment=f"{BODY} ({i})",
                comment_html=f"<p>{escape(BODY)} ({i})</p>",
            )
            for i in range(size)
        )
    return topic


people = []
for n in range(10):
    user = User.objects.filter(username=f"bench{n}").first()
    if user is None:
        user = User.objects.create_user(username=f"bench{n}", email=f"bench{n}@example.org")
    people.append(user)
# Spirit only lets people with a verified email in; its profile is made by a signal.
for user in people:
    user.st.is_verified = True
    user.st.save(update_fields=["is_verified"])
category = Category.objects.filter(title="Bench").first() or Category.objects.create(title="Bench")
urls = {title: topic_of(title, size, category, people).get_absolute_url() for title, size in TOPICS.items()}
client = Client()
client.force_login(people[-1])
print(json.dumps({"topics": urls, "session": client.session.session_key}))
