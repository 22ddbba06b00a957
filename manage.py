#!/usr/bin/env python
"""Django's command-line utility; a bad setting ends it with one readable line."""

import os
import sys

from django.core.management import execute_from_command_line

from triage.env import BadSetting


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "triage.settings")

    try:
        execute_from_command_line(sys.argv)
    except BadSetting as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
