"""A real HTTP receiver on 127.0.0.1 for webhook tests: records each request, answers as told."""

import http.server
import threading
from dataclasses import dataclass, field


@dataclass
class Receiver:
    url: str = ""
    received: list = field(default_factory=list)
    # Status codes to answer, in order; then 200.
    answers: list = field(default_factory=list)


def start() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            receiver.received.append(
                {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            )
            code = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    return receiver, server
