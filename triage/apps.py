from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        # Imported here: it imports models, which the app registry only allows once ready() runs.
        from triage import checks  # noqa: F401, PLC0415 -- registers the deploy checks
        from triage.config.versions import connect_signals  # noqa: PLC0415

        connect_signals()
