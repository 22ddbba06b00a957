"""Test settings: the real PostgreSQL with pgvector, fast hashing, tasks run inline unless a test
starts a worker."""

from triage.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOCAL_CLASSIFIER_REFIT_SECONDS = 0.0
# Tests run in a transaction another thread cannot see: refits happen in place (the background
# refit has its own test).
LOCAL_CLASSIFIER_REFIT_IN_BACKGROUND = False
# Most tests build the same knowledge base; its fit is made once per process (the fit depends on the
# vectors, categories and texts alone, so a test sees the model it would have fitted).
LOCAL_CLASSIFIER_FITS_KEPT = 8
# Tasks run inline, one ticket each: a test's other tickets stay as it made them (worker tests run
# the real settings).
PIPELINE_BATCH_SIZE = 1
PIPELINE_BATCH_WAIT_SECONDS = 0.0
# The tests' own process renews no leases in the background (its rows live in a transaction no
# other connection sees); worker processes the tests start run the real settings, heartbeat on.
LEASE_HEARTBEAT = False
# The test database is thrown away: a commit need not wait for its WAL to reach the disk (the data
# stay consistent; only a crash of the server itself could lose the last commits).
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "options": "-c synchronous_commit=off",
}
