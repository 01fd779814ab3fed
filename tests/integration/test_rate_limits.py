"""Per-key rate limits: 429 with Retry-After and Mistral's headers; keys are limited separately."""

from tests.support.app import Harness, harness
from tests.support.services import REDIS_URL, require_redis


def test_rate_limited_keys_get_429_with_retry_after_and_mistral_headers(tmp_path):
    with harness(f"sqlite:///{tmp_path / 'r.db'}", rate_limit="3/minute") as app:
        workspace = app.workspace()["id"]  # with the two keys: the admin key's 3 calls
        user, other = app.key("read", workspace), app.key("read", workspace)
        answers = [app.call("GET", "/v1/models", user) for _ in range(4)]
        assert [response.status_code for response in answers] == [200, 200, 200, 429]
        assert answers[0].headers["x-ratelimit-limit-req-minute"] == "3"
        assert answers[0].headers["x-ratelimit-remaining-req-minute"] == "2"
        limited = answers[-1]
        assert limited.json()["code"] == "rate_limited"
        assert limited.json()["type"] == "rate_limit_error"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["x-ratelimit-remaining-req-minute"] == "0"
        assert app.call("GET", "/v1/models", other).status_code == 200


def test_no_limit_headers_when_rate_limits_are_off(app: Harness):
    assert "x-ratelimit-limit-req-minute" not in app.call("GET", "/v1/models").headers


def test_redis_shares_the_limit_between_app_instances(tmp_path):
    require_redis()
    url = f"sqlite:///{tmp_path / 'r.db'}"
    settings = {"rate_limit": "4/minute", "redis_url": REDIS_URL}
    with harness(url, **settings) as first, harness(url, **settings) as second:
        key = first.key("read")  # a fresh key: no state left in Redis by earlier runs
        statuses = [
            (first if i % 2 else second).call("GET", "/v1/models", key).status_code
            for i in range(6)
        ]
    assert statuses == [200, 200, 200, 200, 429, 429]
