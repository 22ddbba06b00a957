#!/usr/bin/env python
"""Django's command-line utility. A bad setting, a database that cannot be reached and one that is
not migrated yet each end a command with one readable line (exit 2), not a traceback."""

import os
import sys

from django.core.management import execute_from_command_line
from django.db.utils import OperationalError, ProgrammingError

from triage.env import BadSetting


def database_problem(exc: Exception) -> str | None:
    """One line for a database error a user can fix, or None for any other error."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, ProgrammingError) and "does not exist" in first:
        return (
            f"the database is not migrated yet ({first}); run `make run` or "
            "`python manage.py migrate` first"
        )
    if isinstance(exc, OperationalError):
        return (
            f"the database cannot be reached ({first}); check DATABASE_URL, or run `make run` "
            "for the embedded one"
        )
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "triage.settings")

    try:
        execute_from_command_line(sys.argv)
    except BadSetting as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except (OperationalError, ProgrammingError) as exc:
        line = database_problem(exc)
        if line is None:
            raise
        sys.stderr.write(f"error: {line}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
