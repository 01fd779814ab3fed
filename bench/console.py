"""The console's pages under a real `modelyard serve`, timed server-side (its access log).

    .venv/bin/python bench/console.py [--models 1000 10000] [--rounds 5] [--requests 100]

For each store size (SQLite; the admin workspace holds `--models` fine-tuned models, 50 of them
labelled `team=x`, bulk-loaded as bench/record.py does), one of the models gets 100 audit
events (`model.updated`, with before/after cards that change its name and labels). Signed in
through the console's own form, each page is requested `--requests` times in each of
`--rounds` rounds, one request at a time, and each request's time is read from the server's
access log (the time from the request's arrival to its last byte, measured inside the
server: no client or network in it). Printed: per page, the median of the rounds' p50s with
their spread (min-max), the p90 of all requests, and the page's weight.

Targets (issue 13): the models page with 1,000 models p50 <= 50 ms and <= 200 KB; a model's
page with 100 audit events p50 <= 30 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import re
import statistics
import sys
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import seed
from bench.run import KEY, OUT, modelyard
from modelyard.registry import cards
from modelyard.store.engine import Store
from modelyard.store.tables import audit_events, organizations, workspaces

EVENTS = 100
MODEL = "ft:mistral-small-2603:bench000:20261201:00000000"
PAGES = (
    ("models page", "/console/"),
    ("models page, q=m99", "/console/?q=m99"),
    ("models page, label=team=x", "/console/?label=team%3Dx"),
    ("models page, fine-tuned, page 3", None),  # the third page, by its `after` link
    (f"a model's page ({EVENTS} events)", f"/console/models/{MODEL}"),
)
_LOG = re.compile(r'"GET (\S+)" (\d{3}) ([\d.]+)ms request_id=(\S+)')


def add_history(database_url: str) -> None:
    """100 audit events of one model, as its changes would have written them."""
    store = Store.from_url(database_url)
    try:
        with store.read() as tx:
            organization = tx.conn.scalar(sa.select(organizations.c.id))
            workspace = tx.conn.scalar(sa.select(workspaces.c.id))
            model = tx.models.visible(workspace, MODEL)
        assert model is not None
        rows = []
        for index in range(EVENTS):
            before = dataclasses.replace(model, name=f"m{index}", labels={"round": str(index)})
            after = dataclasses.replace(
                model, name=f"m{index + 1}", labels={"round": str(index + 1), "team": "x"}
            )
            rows.append(
                {
                    "created": 1764000000 + index,
                    "organization_id": organization,
                    "workspace_id": workspace,
                    "action": "model.updated",
                    "actor_key_id": None,
                    "model_id": MODEL,
                    "before": cards.fine_tuned_card(before, organization),
                    "after": cards.fine_tuned_card(after, organization),
                    "request_id": uuid.uuid4().hex,
                }
            )
        with store.engine.begin() as conn:
            conn.execute(sa.insert(audit_events), rows)
    finally:
        store.dispose()


def signed_in(url: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=30)
    form = http.get("/console/sign-in").text
    token = re.search(r'name="token" value="([^"]+)"', form)
    assert token, form
    answer = http.post(
        "/console/sign-in",
        data={"token": token.group(1), "key": KEY},
        headers={"Origin": url},
    )
    assert answer.status_code == 303, answer.status_code
    return http


def third_page(http: httpx.Client) -> str:
    path = "/console/?type=fine-tuned"
    for _ in range(2):
        found = re.search(r'href="([^"]+)" rel="next"', http.get(path).text)
        assert found
        path = found.group(1).replace("&amp;", "&")
    return path


def measure(models: int, rounds: int, requests: int) -> None:
    database = OUT / f"console-{models}-{uuid.uuid4().hex[:6]}.db"
    database_url = f"sqlite:///{database}"
    seed(database_url, models)
    add_history(database_url)
    sizes: dict[str, int] = {}
    asked: dict[str, tuple[str, int]] = {}  # request id -> (page, round)
    with modelyard(database_url) as server, contextlib.closing(signed_in(server.url)) as http:
        port = server.url.rsplit(":", 1)[1]
        paths = {name: path or third_page(http) for name, path in PAGES}
        for round_ in range(rounds):
            for name, path in paths.items():
                for _ in range(requests):
                    request_id = uuid.uuid4().hex
                    answer = http.get(path, headers={"x-request-id": request_id})
                    assert answer.status_code == 200, (path, answer.status_code)
                    sizes[name] = len(answer.content)
                    asked[request_id] = (name, round_)
    # The server has stopped: its access log is flushed.
    times: dict[str, list[list[float]]] = {name: [[] for _ in range(rounds)] for name in paths}
    for match in _LOG.finditer((OUT / f"server-{port}.log").read_text()):
        found = asked.get(match.group(4))
        if found:
            times[found[0]][found[1]].append(float(match.group(3)))
    print(f"\n{models:,} fine-tuned models (SQLite, one worker), {rounds} rounds x {requests}")
    print(f"  {'page':<36} {'p50 ms (spread of rounds)':<28} {'p90 ms':>7} {'KB':>7}")
    for name in paths:
        p50s = [statistics.median(each) for each in times[name]]
        every = sorted(value for each in times[name] for value in each)
        assert len(every) == rounds * requests, (name, len(every))
        p90 = every[int(len(every) * 0.9)]
        spread = f"{statistics.median(p50s):6.2f} ({min(p50s):.2f}-{max(p50s):.2f})"
        print(f"  {name:<36} {spread:<28} {p90:7.2f} {sizes[name] / 1024:7.1f}", flush=True)
    for suffix in ("", "-wal", "-shm", "-changes"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for models in args.models:
        measure(models, args.rounds, args.requests)


if __name__ == "__main__":
    main()
