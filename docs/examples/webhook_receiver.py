"""A small webhook receiver for Modelyard: verifies each delivery with `standardwebhooks`, then
prints it. Standard library and `standardwebhooks` only (`pip install standardwebhooks`).

    WEBHOOK_SECRET=whsec_... python webhook_receiver.py 8080

Answer 2xx quickly (Modelyard waits at most 10 s, then retries); do slow work after answering.
The same `webhook-id` may arrive twice (at least once delivery): use it to skip duplicates.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

WEBHOOK = Webhook(os.environ["WEBHOOK_SECRET"])
seen: set[str] = set()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            payload = WEBHOOK.verify(body, dict(self.headers))
        except WebhookVerificationError as error:
            self.send_response(400)  # not from Modelyard (or too old): refuse it
            self.end_headers()
            print(f"refused: {error}", file=sys.stderr)
            return
        self.send_response(204)
        self.end_headers()
        delivery = self.headers["webhook-id"]
        if delivery in seen:
            return  # a retry of what we already handled
        seen.add(delivery)
        event = payload["data"]
        print(json.dumps({"type": payload["type"], "model": event.get("model_id"), "id": delivery}))


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    HTTPServer(("0.0.0.0", port), Receiver).serve_forever()
