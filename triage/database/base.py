"""Django's PostgreSQL backend, plus: start the embedded PostgreSQL on the first connection.

Used when DATABASE_URL is not set. Settings name the data directory (``EMBEDDED_DATA_DIR``);
nothing starts when settings are imported, so a command or a test that needs no database
never starts a server. The first connection (from any thread or process) starts or attaches
to the server and fills in where it listens.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base

from triage.embedded_pg import database_url
from triage.env import database_from_url

_started: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def embedded_connection_settings(data_dir: Path, name: str) -> dict[str, Any]:
    """HOST, PORT, USER and PASSWORD of the embedded server for ``data_dir`` (started once per
    process)."""
    key = f"{data_dir}:{name}"
    with _lock:
        if key not in _started:
            found = database_from_url("DATABASE_URL", database_url(data_dir, name))
            _started[key] = {k: found[k] for k in ("HOST", "PORT", "USER", "PASSWORD")}
    return _started[key]


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        data_dir = self.settings_dict.get("EMBEDDED_DATA_DIR")
        if data_dir and not self.settings_dict.get("HOST"):
            self.settings_dict.update(
                embedded_connection_settings(Path(data_dir), self.settings_dict["NAME"])
            )
        return super().get_connection_params()
