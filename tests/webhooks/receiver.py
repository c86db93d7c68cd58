"""A real HTTP receiver on 127.0.0.1 for webhook tests: records each request, answers as told."""

import contextlib
import http.server
import threading
from dataclasses import dataclass, field

HOLD_SECONDS = 120


@dataclass
class Receiver:
    url: str = ""
    received: list = field(default_factory=list)
    # Status codes to answer, in order; then 200.
    answers: list = field(default_factory=list)
    # Once this many requests have been answered, every further one is recorded and then
    # left unanswered (a receiver that stopped answering) until `release` is set; 0: never.
    hold_after: int = 0
    held: list = field(default_factory=list)
    answered: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def start() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            request = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            with receiver.lock:
                receiver.received.append(request)
                hold = bool(receiver.hold_after) and receiver.answered >= receiver.hold_after
                if hold:
                    receiver.held.append(request)
            if hold:
                receiver.release.wait(HOLD_SECONDS)
            code = receiver.answers.pop(0) if receiver.answers else 200
            # The sender may be gone (killed while held): its answer goes nowhere.
            with contextlib.suppress(OSError):
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.lock:
                    receiver.answered += 1

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    return receiver, server
