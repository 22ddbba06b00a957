from django.core.management.base import BaseCommand

from triage.demo.load import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = (
        "Load the Ledgerly demo data (knowledge base, teams, users, incoming tickets) into "
        "an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-process",
            action="store_true",
            help="Do not queue the incoming tickets for the pipeline.",
        )

    def handle(self, *args, no_process: bool = False, **options):
        result = load_demo(process=not no_process)
        if not result.loaded:
            self.stdout.write(f"Demo data not loaded: {result.reason}.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(result.tickets or [])} incoming tickets"
                + (" (not queued)." if no_process else " queued for triage.")
            )
        )
        self.stdout.write("Demo logins (username / password):")
        for username, password, role, teams, _skills in DEMO_USERS:
            self.stdout.write(
                f"  {username:<12} / {password:<22} "
                f"{role}{' · ' + ', '.join(teams) if teams else ''}"
            )
