"""Manage API clients: create one (its token is printed once), rotate or revoke its token, list
them."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from triage.ingest import clients
from triage.models import ApiClient


class Command(BaseCommand):
    help = (
        "API clients and their tokens: create NAME | rotate NAME [--grace-hours H] | "
        "revoke NAME | list"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "rotate", "revoke", "list"])
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="With rotate: how long the old token keeps working (0: not at all).",
        )

    def handle(self, *args, action: str, name: str, grace_hours: float, **options):
        if action == "list":
            for client in ApiClient.objects.all():
                state = "active" if client.active else "revoked"
                used = client.last_used_at.isoformat() if client.last_used_at else "never"
                self.stdout.write(
                    f"{client.name}\t{client.token_prefix}…\t{state}\tlast used {used}"
                )
            return
        if not name:
            raise CommandError(f"{action} needs the client's name")
        if action == "create":
            try:
                _client, token = clients.create_client(name=name)
            except clients.ClientError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"API client {name!r} created. Its token (shown only now):")
            self.stdout.write(token)
            return
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"there is no API client named {name!r}")
        if action == "revoke":
            clients.revoke(client=client)
            self.stdout.write(f"API client {name!r} revoked: its tokens are refused from now on.")
            return
        if grace_hours < 0 or grace_hours > 24 * 30:
            raise CommandError("--grace-hours must lie between 0 and 720")
        token = clients.rotate_token(client=client, grace=timedelta(hours=grace_hours))
        self.stdout.write(
            f"New token for {name!r} (shown only now); the old one works for {grace_hours:g} more "
            f"hour(s):"
        )
        self.stdout.write(token)
