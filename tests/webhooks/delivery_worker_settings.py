"""Settings for the real Celery workers of `test_delivery_worker.py` (and its sweeps).

The test settings, except that tasks go through Redis to a worker instead of running
eagerly. Every broker key, the queue included, sits under a prefix unique to the test
run, so a worker of the platform or of another test run on the same Redis database
never takes these tasks. The lease (`WEBHOOKS_LEASE_SECONDS`) and the send timeout
(`WEBHOOKS_TIMEOUT_SECONDS`) come from the environment the test gives the processes.
"""

from cop_platform.settings.env import env_required
from cop_platform.settings.test import *  # noqa: F403

_RUN = env_required("WEBHOOK_TEST_RUN")

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = env_required("WEBHOOK_TEST_BROKER_URL")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = _RUN
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_RUN}:"}
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_WORKER_SEND_TASK_EVENTS = False
