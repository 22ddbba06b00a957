"""Local servers standing in for what the tests cannot reach: a mail server (SMTP), a Zendesk
API and an API client's reply webhook, each recording what it was given, each able to be slow at
the moment that matters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: SmtpStub = self.server.stub
        self._reply("220 stub.example ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 stub.example")
            elif command.startswith("MAIL FROM"):
                self._reply("250 OK")
            elif command.startswith("RCPT TO"):
                time.sleep(server.hold_before_data)
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if not data:
                        return  # the client went away before the end: nothing was accepted
                    if data in (b".\r\n", b".\n"):
                        break
                    lines.append(data)
                # Like a real server, it has the message once the final dot arrives.
                with server.lock:
                    server.messages.append(b"".join(lines))
                time.sleep(server.hold_after_data)
                self._reply(server.answer_after_data)
            elif command == "QUIT":
                self._reply("221 Bye")
                return
            elif command in ("RSET", "NOOP"):
                self._reply("250 OK")
            else:
                self._reply("502 not implemented")


class _ThreadingTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpStub:
    """A mail server on 127.0.0.1 that keeps every message whose final dot it received."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        self.hold_before_data = 0.0
        self.hold_after_data = 0.0
        self.answer_after_data = "250 OK queued"
        self._server = _ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.stub = self
        self.port = self._server.server_address[1]

    def __enter__(self) -> SmtpStub:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, text: str) -> int:
        with self.lock:
            return sum(text.encode() in m for m in self.messages)


class _ZendeskHandler(BaseHTTPRequestHandler):
    def _json(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):  # noqa: N802 -- the stdlib's name
        stub: ZendeskStub = self.server.stub
        match = re.fullmatch(r"/api/v2/tickets/(\w+)\.json", self.path)
        data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if match is None:
            return self._json(404, {"error": "RecordNotFound"})
        if stub.refuse:
            return self._json(422, {"error": "RecordInvalid"})
        comment = data["ticket"]["comment"]
        with stub.lock:
            stub.comments.setdefault(match.group(1), []).append(
                {
                    "body": comment["body"],
                    "plain_body": comment["body"],
                    "public": comment.get("public", True),
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                }
            )
        time.sleep(stub.delay_after_apply)
        if stub.fail_after_apply:
            return self._json(500, {"error": "InternalError"})
        return self._json(200, {"ticket": {"id": match.group(1)}})

    def do_GET(self):  # noqa: N802
        stub: ZendeskStub = self.server.stub
        match = re.fullmatch(r"/api/v2/tickets/(\w+)/comments\.json", self.path)
        if match is None:
            return self._json(404, {"error": "RecordNotFound"})
        with stub.lock:
            comments = list(stub.comments.get(match.group(1), []))
        return self._json(200, {"comments": comments, "next_page": None})

    def log_message(self, *args) -> None:
        pass


class ZendeskStub:
    """Zendesk's ticket API on 127.0.0.1: a PUT adds a public comment (then, if asked, answers
    slowly or with a 500), a GET lists the comments."""

    def __init__(self) -> None:
        self.comments: dict[str, list[dict]] = {}
        self.lock = threading.Lock()
        self.delay_after_apply = 0.0
        self.fail_after_apply = False
        self.refuse = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _ZendeskHandler)
        self._server.daemon_threads = True
        self._server.stub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ZendeskStub:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, ticket_id: str, text: str) -> int:
        with self.lock:
            return sum(text in c["body"] for c in self.comments.get(ticket_id, []))


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 -- the stdlib's name
        stub: WebhookReceiver = self.server.stub
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with stub.lock:
            status = stub.statuses.pop(0) if stub.statuses else 200
            stub.deliveries.append({"headers": dict(self.headers), "body": body})
            verified = stub.verify(self.headers, body)
            if verified and status < 300:
                event = json.loads(body)
                if event["id"] not in stub.processed:  # a client keeps the ids it has seen
                    stub.processed[event["id"]] = event
        time.sleep(stub.delay)
        self.send_response(status if verified else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class WebhookReceiver:
    """An API client's reply webhook on 127.0.0.1, as a client would write it: it checks the
    signature (HMAC-SHA256 over timestamp + body, base64) with the client's secret, refuses a bad
    one with 401, answers each delivery with the next of ``statuses`` (then 200), optionally
    slowly, and processes each event id once."""

    def __init__(self, secret: str = "", statuses: list[int] | None = None) -> None:
        self.secret = secret
        self.statuses = list(statuses or [])
        self.delay = 0.0
        self.deliveries: list[dict] = []
        self.processed: dict[str, dict] = {}
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookHandler)
        self._server.daemon_threads = True
        self._server.stub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/replies"

    def verify(self, headers, body: bytes) -> bool:
        timestamp = headers.get("X-Deskpilot-Signature-Timestamp", "")
        given = headers.get("X-Deskpilot-Signature", "")
        digest = hmac.new(self.secret.encode(), timestamp.encode() + body, hashlib.sha256)
        return bool(given) and hmac.compare_digest(
            base64.b64encode(digest.digest()).decode(), given
        )

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
