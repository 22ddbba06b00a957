"""The embedded broker: kombu's filesystem transport, made safe against its own faults.

kombu writes a message file under its final name and a worker may take it before the write is
done (or after a SIGKILL left it empty), then dies on ``JSONDecodeError`` and every later worker
with it. Here a message is written to a temporary name and renamed into place (atomic on POSIX),
and a file that cannot be read is moved to ``bad/`` beside the queue and logged; the worker goes on.
Nothing is lost by skipping: the database says what work is left (``triage.recovery``).

Installed as the ``filesystem://`` transport by ``triage.celery``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".partial"  # not "<queue>.msg": no reader takes it
        with open(partial, "wb") as handle:
            handle.write(str_to_bytes(dumps(payload)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            source = os.path.join(self.data_folder_in, name)
            taken = os.path.join(self.data_folder_in, f".taken-{uuid.uuid4().hex}-{name}")
            try:
                os.rename(source, taken)  # one reader wins; the others see it gone
            except OSError:
                continue
            try:
                payload = Path(taken).read_bytes()
                message = loads(bytes_to_str(payload))
            except (OSError, ValueError, json.JSONDecodeError) as exc:
                self._set_aside(taken, name, exc)
                continue
            if self.store_processed:
                shutil.move(taken, os.path.join(self.processed_folder, name))
            else:
                os.remove(taken)
            return message
        raise Empty()

    def _set_aside(self, path: str, name: str, exc: Exception) -> None:
        bad = Path(self.data_folder_in).parent / "bad"
        bad.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(path, bad / name)
        except OSError:
            pass
        logger.error(
            "skipped unreadable broker message %s (%s: %s); moved to %s. The work it carried is "
            "found again by the recovery sweep.",
            name,
            type(exc).__name__,
            exc,
            bad,
        )


class Transport(filesystem.Transport):
    Channel = Channel
