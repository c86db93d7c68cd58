"""Settings for the real Celery workers of `test_reminders_worker.py` (and its sweeps).

The test settings, except that tasks go through Redis to a worker instead of
running eagerly, and each email is written to a file of its own by a slow
backend (`tests.meetings.slow_mail`). Every broker key, the queue included, sits
under a prefix unique to the test run, so a worker of the platform or of another
test run on the same Redis database (CI's database 0) never takes these tasks.
"""

from cop_platform.settings.env import env_required
from cop_platform.settings.test import *  # noqa: F403

_RUN = env_required("REMINDER_TEST_RUN")

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = env_required("REMINDER_TEST_BROKER_URL")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = _RUN
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_RUN}:"}
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_WORKER_SEND_TASK_EVENTS = False

EMAIL_BACKEND = "tests.meetings.slow_mail.EmailBackend"
EMAIL_FILE_PATH = env_required("REMINDER_TEST_MAIL_DIR")
