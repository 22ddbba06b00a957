"""Sending e-mail so that a reply is never delivered twice.

A mail server takes responsibility for a message when it receives the final ``.`` of its DATA;
before that, a broken connection leaves it nothing. ``SmtpEmailBackend`` (the production default)
tells the outbox the moment it is about to send that final ``.``: from then on the reply counts as
handed over and is never sent again, whatever happens to the worker. Other backends (the console,
files, the tests' memory) are treated as handed over once they return.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend

_on_handing: ContextVar[Callable[[], None] | None] = ContextVar("on_handing", default=None)
_handed: ContextVar[bool] = ContextVar("handed", default=False)


def _hand_over() -> None:
    callback = _on_handing.get()
    if callback is not None and not _handed.get():
        _handed.set(True)
        callback()


class _HandingOver:
    """smtplib's DATA, with the end of the message sent only after the outbox has recorded that
    it is about to be handed over."""

    def data(self, msg):  # the signature of smtplib.SMTP.data
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        quoted = smtplib._quote_periods(msg)
        if quoted[-2:] != smtplib.bCRLF:
            quoted += smtplib.bCRLF
        self.send(quoted)
        _hand_over()
        self.send(b"." + smtplib.bCRLF)
        return self.getreply()


class _SMTP(_HandingOver, smtplib.SMTP):
    pass


class _SMTP_SSL(_HandingOver, smtplib.SMTP_SSL):  # noqa: N801 -- smtplib's name
    pass


class SmtpEmailBackend(DjangoSmtpBackend):
    """Django's SMTP backend, telling the outbox when a message is handed to the server."""

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP


@contextmanager
def handing(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` once, when the message is handed to the server (or, with a backend that
    cannot tell, once it returns)."""
    token, flag = _on_handing.set(callback), _handed.set(False)
    try:
        yield
        _hand_over()  # a backend without the hook: handed over once it returned
    finally:
        _on_handing.reset(token)
        _handed.reset(flag)


def send_handing_over(message: EmailMessage, callback: Callable[[], None]) -> None:
    with handing(callback):
        message.send(fail_silently=False)
