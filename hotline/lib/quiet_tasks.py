"""Keep the terminal readable: the 10-second housekeeping tasks say nothing when all is well.

Celery logs every task it receives and finishes at INFO. The sweeps that re-send failed queueing
run every 10 seconds and almost always find nothing; six lines a run would bury the lines people
watch (tickets classified and dispatched). Their INFO lines are dropped; warnings and errors,
and every other task's lines, pass.
"""

import logging

from django.conf import settings


class QuietHousekeeping(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or not record.name.startswith("celery"):
            return True
        message = record.getMessage()
        return not any(task in message for task in settings.QUIET_TASKS)
