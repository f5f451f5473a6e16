# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTPTransport against a real HTTP server on 127.0.0.1: retries are proven, not mocked.

Time is not: every transport gets a ``FakeClock`` that records the waits the retry policy
asks for instead of sleeping, so the tests assert the exact waits and request counts and
never depend on how fast the machine is.
"""

from __future__ import annotations

import calendar
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import USER_AGENT
import urllib3.util.retry

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _http
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import (
    DEFAULT_MAX_RETRY_WAIT,
    MAX_RETRY_AFTER,
    SECRET_MASK,
    BoundedRetry,
    HTTPResponse,
    HTTPTransport,
    RetryClock,
    TransportError,
    WaitBudget,
    make_retry,
    parse_retry_after,
    rate_limit_code,
    retry_after_seconds,
)

AUTH = {"Authorization": "Bearer test-token", "User-Agent": USER_AGENT, "Accept": "application/json"}


def respond(status, body=None, headers=None):
    """A scripted answer: status, JSON body (or raw bytes/str), extra headers."""
    return ("respond", status, body, headers or {})


DROP = ("drop",)


class ScriptedServer:
    """HTTP server on loopback answering each request with the next scripted action."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server.lock:
                    server.requests.append({
                        "method": self.command,
                        "path": self.path,
                        "headers": {key.lower(): value for key, value in self.headers.items()},
                        "body": body,
                        "time": time.monotonic(),
                    })
                    action = server.script.pop(0) if server.script else respond(599, {"error": "script exhausted"})
                if action[0] == "drop":
                    # Read the request, then hang up without a single byte of answer.
                    self.close_connection = True
                    return
                _kind, status, payload, headers = action
                if isinstance(payload, (dict, list)):
                    data = json.dumps(payload).encode()
                    headers = dict({"Content-Type": "application/json"}, **headers)
                elif isinstance(payload, str):
                    data = payload.encode()
                else:
                    data = payload or b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    servers = []

    def start(*script):
        instance = ScriptedServer(script)
        servers.append(instance)
        return instance

    yield start
    for instance in servers:
        instance.close()


class FakeClock:
    """A RetryClock that records every wait asked of it and never sleeps."""

    def __init__(self, start=1000.0):
        self.time = start
        self.sleeps = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def transports(clock):
    """Build HTTPTransports; unless a test hands in its own, each one waits on the test's FakeClock."""
    made = []

    def make(headers=None, **kwargs):
        kwargs.setdefault("timeout", 5)
        kwargs.setdefault("clock", clock)
        transport = HTTPTransport(dict(AUTH) if headers is None else headers, **kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def rate_limited(code=971, message="rate limited"):
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}


def free_port():
    """A loopback port with nothing listening on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# -- plain requests -----------------------------------------------------------


def test_get_sends_session_headers_and_query_and_decodes_json(server, transports):
    srv = server(respond(200, {"success": True, "result": [1, 2]}, {"X-Extra": "yes"}))
    response = transports().request("GET", srv.base + "/zones", params={"name": "example.com", "page": 2})
    assert isinstance(response, HTTPResponse)
    assert response.status == 200
    assert response.data == {"success": True, "result": [1, 2]}
    assert response.text == ""
    assert response.headers["X-Extra"] == "yes"
    assert len(srv.requests) == 1
    sent = srv.requests[0]
    assert sent["method"] == "GET"
    assert sent["path"] == "/zones?name=example.com&page=2"
    assert sent["headers"]["authorization"] == "Bearer test-token"
    assert sent["headers"]["user-agent"] == USER_AGENT
    assert sent["headers"]["accept"] == "application/json"
    assert sent["body"] == b""
    assert "content-type" not in sent["headers"]


def test_legacy_key_headers_are_sent(server, transports):
    srv = server(respond(200, {"success": True}))
    transports({"X-Auth-Email": "ops@example.com", "X-Auth-Key": "global-key"}).request("GET", srv.base + "/zones")
    headers = srv.requests[0]["headers"]
    assert headers["x-auth-email"] == "ops@example.com"
    assert headers["x-auth-key"] == "global-key"
    assert "authorization" not in headers


@pytest.mark.parametrize("method", ["PUT", "POST", "PATCH", "DELETE"])
def test_json_body_is_sent_with_content_type(server, transports, method):
    body = [{"origin_ip": "2001:db8::1", "vendor": "aws", "region": "us-east-1"}]
    srv = server(respond(200, {"success": True, "result": {"succeeded": [], "failed": []}}))
    response = transports().request(method, srv.base + "/zones/z/origin/cloud_regions/batch", json_body=body)
    assert response.status == 200
    sent = srv.requests[0]
    assert sent["method"] == method
    assert sent["path"] == "/zones/z/origin/cloud_regions/batch"
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["headers"]["authorization"] == "Bearer test-token"
    assert json.loads(sent["body"].decode()) == body


def test_delete_without_body_sends_no_content_type(server, transports):
    srv = server(respond(200, {"success": True, "result": {"origin_ip": "192.0.2.1"}}))
    transports().request("DELETE", srv.base + "/zones/z/origin/cloud_regions/192.0.2.1")
    assert srv.requests[0]["body"] == b""
    assert "content-type" not in srv.requests[0]["headers"]


def test_non_json_answer_keeps_the_text(server, transports):
    srv = server(respond(502, "<html>Bad gateway</html>"))
    response = transports(retries=0).request("GET", srv.base + "/zones")
    assert response.status == 502
    assert response.data is None
    assert response.text == "<html>Bad gateway</html>"


def test_error_status_outside_the_retry_list_is_returned_at_once(server, transports):
    srv = server(respond(403, {"success": False, "errors": [{"code": 1164, "message": "full"}]}))
    response = transports().request("PUT", srv.base + "/x", json_body={"a": 1})
    assert response.status == 403
    assert response.data["errors"] == [{"code": 1164, "message": "full"}]
    assert len(srv.requests) == 1


# -- retries: every wait goes through the FakeClock --------------------------------


def test_429_with_retry_after_waits_then_succeeds(server, transports, clock):
    srv = server(
        respond(429, rate_limited(), {"Retry-After": "1"}),
        respond(200, {"success": True, "result": "ok"}),
    )
    transport = transports()
    response = transport.request("GET", srv.base + "/zones")
    assert response.status == 200
    assert response.data == {"success": True, "result": "ok"}
    assert len(srv.requests) == 2
    # the one wait is the one Retry-After asked for, taken from the task's budget
    assert clock.sleeps == [1.0]
    assert transport.budget.spent == 1.0
    # the retried request is the same request
    assert srv.requests[1]["headers"]["authorization"] == "Bearer test-token"
    assert srv.requests[1]["path"] == srv.requests[0]["path"]


def test_503_twice_then_200(server, transports, clock):
    srv = server(respond(503, {"n": 1}), respond(503, {"n": 2}), respond(200, {"success": True, "n": 3}))
    response = transports().request("PUT", srv.base + "/item", json_body={"vendor": "aws"})
    assert response.status == 200
    assert response.data == {"success": True, "n": 3}
    assert [request["method"] for request in srv.requests] == ["PUT", "PUT", "PUT"]
    # the body is sent again on every try
    assert [json.loads(request["body"]) for request in srv.requests] == [{"vendor": "aws"}] * 3
    # exponential backoff: 0 s before the first retry (not a sleep at all), 0.5 * 2 = 1 s before the second
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_every_retry_status_is_retried(server, transports, clock, status):
    srv = server(respond(status, {"n": 1}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 2
    assert clock.sleeps == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "POST"])
def test_every_method_is_retried(server, transports, method):
    srv = server(respond(500, {"n": 1}), respond(200, {"success": True}))
    response = transports().request(method, srv.base + "/x", json_body={"a": 1} if method != "GET" else None)
    assert response.status == 200
    assert [request["method"] for request in srv.requests] == [method, method]


def test_500_past_the_retry_count_returns_the_last_answer(server, transports, clock):
    srv = server(*[respond(500, {"success": False, "errors": [{"code": 10000 + n, "message": "try %d" % n}]}) for n in range(1, 5)])
    response = transports(retries=2).request("GET", srv.base + "/zones")
    # 1 try + 2 retries; no exception: the last answer with its Cloudflare errors comes back
    assert len(srv.requests) == 3
    assert response.status == 500
    assert response.data["errors"] == [{"code": 10003, "message": "try 3"}]
    assert clock.sleeps == [1.0]


def test_default_retry_count_is_five_with_exponential_backoff(server, transports, clock):
    srv = server(*[respond(503, {"n": n}) for n in range(1, 9)])
    transport = transports()
    response = transport.request("GET", srv.base + "/zones")
    assert len(srv.requests) == 6
    assert response.status == 503
    assert response.data == {"n": 6}
    # BACKOFF_FACTOR 0.5: 0, 1, 2, 4, 8 seconds (a 0 s wait is no sleep)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert transport.budget.spent == 15.0


def test_retry_after_above_the_cap_is_clamped_to_max_retry_after(server, transports, clock):
    assert MAX_RETRY_AFTER == 60.0
    srv = server(respond(429, {"n": 1}, {"Retry-After": "3600"}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 2
    assert clock.sleeps == [60.0]


def test_retry_after_cap_of_the_retry_policy_is_used(server, transports, clock, monkeypatch):
    # The cap is the BoundedRetry's max_retry_after; make every retry policy use a small one.
    original = _http.make_retry

    def small_cap(*args, **kwargs):
        retry = original(*args, **kwargs)
        retry.max_retry_after = 0.3
        return retry

    monkeypatch.setattr(_http, "make_retry", small_cap)
    srv = server(respond(429, {"n": 1}, {"Retry-After": "3600"}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 2
    assert clock.sleeps == [0.3]


def test_retry_after_cap_follows_the_module_constant(server, transports, clock, monkeypatch):
    monkeypatch.setattr(_http, "MAX_RETRY_AFTER", 0.1)
    srv = server(respond(429, {"n": 1}, {"Retry-After": "1"}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert clock.sleeps == [0.1]


# -- Retry-After in every spelling a server or proxy sends ------------------------------


@pytest.mark.parametrize("header, sleeps", [
    ("2", [2.0]),
    ("1.5", [1.5]),            # urllib3 alone refuses a decimal
    (" 3 ", [3.0]),
    ("0", []),                 # retry at once: no sleep
    ("-4", []),                # a negative wait is no wait
    ("Fri, 31 Dec 2100 23:59:59 GMT", [60.0]),   # an HTTP date far ahead: capped
    ("Wed, 21 Oct 2015 07:28:00 GMT", []),       # an HTTP date in the past: at once
])
def test_usable_retry_after_values_are_honoured(server, transports, clock, header, sleeps):
    srv = server(respond(429, rate_limited(), {"Retry-After": header}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 2
    assert clock.sleeps == sleeps


@pytest.mark.parametrize("header", ["soon", "", "nan", "inf", "1e400", "12s", "Tomorrow, 25:99"])
def test_unusable_retry_after_falls_back_to_backoff_and_never_fails(server, transports, clock, header):
    srv = server(respond(429, rate_limited(), {"Retry-After": header}),
                 respond(503, {"n": 2}, {"Retry-After": header}),
                 respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 3
    # the exponential backoff, as if there were no Retry-After: 0 s, then 1 s
    assert clock.sleeps == [1.0]


def test_http_date_retry_after_is_seconds_from_now(monkeypatch):
    now = calendar.timegm((2026, 3, 1, 12, 0, 0))
    monkeypatch.setattr(urllib3.util.retry.time, "time", lambda: now)
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT") == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT") == 0.0


@pytest.mark.parametrize("value, expected", [
    ("1", 1.0), (7, 7.0), ("1.5", 1.5), ("  7  ", 7.0), ("0", 0.0), ("-3", 0.0), ("0.25", 0.25),
    ("soon", None), ("", None), ("   ", None), ("nan", None), ("inf", None), ("-inf", None), ("1e400", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize("headers, expected", [
    ({"Retry-After": "5"}, 5.0),
    ({"retry-after": "2.5"}, 2.5),
    ({"RETRY-AFTER": "3600"}, 60.0),
    ({"Retry-After": "soon"}, None),
    ({"Content-Type": "application/json"}, None),
    ({}, None),
    (None, None),
])
def test_retry_after_seconds_of_a_decoded_answer(headers, expected):
    assert retry_after_seconds(headers) == expected


# -- the wait budget: per task (per transport), shared by all its requests ----------------


def test_default_budget_is_180_seconds():
    assert DEFAULT_MAX_RETRY_WAIT == 180.0
    budget = WaitBudget()
    assert (budget.limit, budget.spent) == (180.0, 0.0)
    assert isinstance(budget.clock, RetryClock)


def test_wait_budget_arithmetic():
    clock = FakeClock()
    budget = WaitBudget(3, clock)
    assert budget.limit == 3.0
    assert budget.allows(3) and not budget.allows(3.01)
    budget.wait(2)
    assert budget.spent == 2.0
    assert budget.allows(1) and not budget.allows(1.5)
    budget.wait(0)
    budget.wait(-1)
    # a wait of 0 or less is no sleep and costs nothing
    assert clock.sleeps == [2]
    assert budget.spent == 2.0


def test_zero_budget_allows_only_immediate_tries():
    budget = WaitBudget(0, FakeClock())
    assert budget.allows(0)
    assert not budget.allows(0.001)


def test_retry_clock_sleeps_for_real_through_time_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(_http.time, "sleep", slept.append)
    RetryClock.sleep(0.25)
    assert slept == [0.25]
    assert RetryClock.now() <= _http.time.monotonic()


def test_budget_too_small_for_retry_after_returns_the_429_at_once(server, transports, clock):
    srv = server(respond(429, rate_limited(), {"Retry-After": "1"}), respond(200, {"success": True}))
    transport = transports(max_retry_wait=0.5)
    response = transport.request("GET", srv.base + "/zones")
    # a 1 s wait does not fit in a 0.5 s budget: the 429 comes back, nothing is waited
    assert response.status == 429
    assert response.data["errors"] == [{"code": 971, "message": "rate limited"}]
    assert len(srv.requests) == 1
    assert clock.sleeps == []
    assert transport.budget.spent == 0.0


def test_budget_is_not_spent_waiting_for_a_long_retry_after(server, transports, clock):
    srv = server(respond(429, {"n": 1}, {"Retry-After": "5"}), respond(200, {"success": True}))
    response = transports(max_retry_wait=2.0).request("GET", srv.base + "/zones")
    # waiting 5 s would pass the 2 s budget: give back the 429 now
    assert response.status == 429
    assert len(srv.requests) == 1
    assert clock.sleeps == []


def test_budget_stops_backoff_and_returns_the_last_answer(server, transports, clock):
    # backoff 0, 1, 2, 4, ...: with 3 s the waits 0, 1 and 2 fit (3 s in all), the next 4 s does not
    srv = server(*[respond(503, {"n": n}) for n in range(1, 9)])
    transport = transports(max_retry_wait=3.0)
    response = transport.request("GET", srv.base + "/zones")
    assert response.status == 503
    assert response.data == {"n": 4}
    assert len(srv.requests) == 4
    assert clock.sleeps == [1.0, 2.0]
    assert transport.budget.spent == 3.0


def test_budget_is_shared_by_all_requests_of_a_transport(server, transports, clock):
    srv = server(respond(503, {"n": 1}, {"Retry-After": "1"}), respond(200, {"a": 1}),
                 respond(503, {"n": 2}, {"Retry-After": "1"}), respond(200, {"b": 2}))
    transport = transports(max_retry_wait=1.5)
    assert transport.request("GET", srv.base + "/one").data == {"a": 1}
    # the second request gets what is left of the task's budget (0.5 s), not a fresh one:
    # its 1 s wait does not fit, so its 503 comes back
    second = transport.request("GET", srv.base + "/two")
    assert second.status == 503
    assert second.data == {"n": 2}
    assert [request["path"] for request in srv.requests] == ["/one", "/one", "/two"]
    assert clock.sleeps == [1.0]
    assert transport.budget.spent == 1.0


def test_each_transport_has_its_own_budget(server, transports):
    srv = server(respond(503, {"n": 1}, {"Retry-After": "1"}), respond(200, {"a": 1}),
                 respond(503, {"n": 2}, {"Retry-After": "1"}), respond(200, {"b": 2}))
    first_clock, second_clock = FakeClock(), FakeClock()
    first = transports(max_retry_wait=1.5, clock=first_clock)
    second = transports(max_retry_wait=1.5, clock=second_clock)
    assert first.request("GET", srv.base + "/one").data == {"a": 1}
    assert second.request("GET", srv.base + "/two").data == {"b": 2}
    assert (first_clock.sleeps, second_clock.sleeps) == ([1.0], [1.0])
    assert len(srv.requests) == 4


def test_budget_bounds_retries_of_dropped_connections(server, transports, clock):
    srv = server(DROP, DROP, DROP, DROP)
    with pytest.raises(TransportError) as excinfo:
        transports(max_retry_wait=0.5).request("GET", srv.base + "/zones")
    # the first retry is immediate (backoff 0); the second would wait 1 s, more than the 0.5 s left
    assert len(srv.requests) == 2
    assert clock.sleeps == []
    assert str(excinfo.value).startswith("GET %s/zones failed: gave up after retries (" % srv.base)


@pytest.mark.parametrize("answer", [
    respond(429, rate_limited(), {"Retry-After": "1"}),
    respond(503, {"n": 1}, {"Retry-After": "0.5"}),
    respond(400, rate_limited(971), {"Retry-After": "1"}),
    respond(403, rate_limited(10100)),
])
def test_max_retry_wait_zero_means_no_retry_waits(server, transports, clock, answer):
    # every one of these asks for a wait before the next try: with no budget the answer comes back
    srv = server(answer, respond(200, {"success": True}))
    transport = transports(max_retry_wait=0)
    response = transport.request("GET", srv.base + "/zones")
    assert response.status == answer[1]
    assert len(srv.requests) == 1
    assert clock.sleeps == []
    assert transport.budget.spent == 0.0


@pytest.mark.parametrize("status", [429, 503])
def test_max_retry_wait_zero_never_sleeps_on_repeated_errors(server, transports, clock, status):
    srv = server(*[respond(status, {"n": n}) for n in range(1, 9)])
    transport = transports(max_retry_wait=0)
    response = transport.request("GET", srv.base + "/zones")
    assert response.status == status
    assert clock.sleeps == []
    assert transport.budget.spent == 0.0


# -- Cloudflare's rate-limit codes under another HTTP status ---------------------------------


@pytest.mark.parametrize("status, code", [(400, 971), (403, 971), (400, 10100), (403, 10100), (200, 971)])
def test_rate_limit_code_is_retried_honouring_retry_after(server, transports, clock, status, code):
    srv = server(respond(status, rate_limited(code), {"Retry-After": "2"}),
                 respond(200, {"success": True, "result": "ok"}))
    transport = transports()
    response = transport.request("PUT", srv.base + "/zones/z/origin/cloud_regions/batch", json_body=[{"a": 1}])
    assert response.status == 200
    assert response.data["result"] == "ok"
    assert len(srv.requests) == 2
    assert [json.loads(request["body"]) for request in srv.requests] == [[{"a": 1}]] * 2
    assert clock.sleeps == [2.0]
    assert transport.budget.spent == 2.0


def test_rate_limit_code_with_a_decimal_retry_after(server, transports, clock):
    srv = server(respond(400, rate_limited(971), {"Retry-After": "1.5"}), respond(200, {"success": True}))
    assert transports().request("GET", srv.base + "/zones").status == 200
    assert clock.sleeps == [1.5]


def test_rate_limit_code_retry_after_is_capped(server, transports, clock):
    srv = server(respond(403, rate_limited(971), {"Retry-After": "86400"}), respond(200, {"success": True}))
    assert transports().request("GET", srv.base + "/zones").status == 200
    assert clock.sleeps == [60.0]


@pytest.mark.parametrize("header", [None, "soon"])
def test_rate_limit_code_without_usable_retry_after_backs_off(server, transports, clock, header):
    headers = {"Retry-After": header} if header else {}
    srv = server(respond(400, rate_limited(971), headers), respond(400, rate_limited(971), headers),
                 respond(400, rate_limited(971), headers), respond(200, {"success": True}))
    assert transports().request("GET", srv.base + "/zones").status == 200
    assert len(srv.requests) == 4
    # BACKOFF_FACTOR * 2 ** attempt
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_rate_limit_code_past_the_retry_count_returns_the_last_answer(server, transports, clock):
    srv = server(*[respond(400, rate_limited(971, "try %d" % n)) for n in range(1, 6)])
    response = transports(retries=2).request("GET", srv.base + "/zones")
    assert response.status == 400
    assert response.data["errors"] == [{"code": 971, "message": "try 3"}]
    assert len(srv.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_rate_limit_code_wait_beyond_the_budget_returns_the_answer(server, transports, clock):
    srv = server(respond(400, rate_limited(971), {"Retry-After": "5"}), respond(200, {"success": True}))
    response = transports(max_retry_wait=3).request("GET", srv.base + "/zones")
    assert response.status == 400
    assert response.data["errors"][0]["code"] == 971
    assert len(srv.requests) == 1
    assert clock.sleeps == []


def test_rate_limit_code_retries_draw_on_the_same_budget_as_status_retries(server, transports, clock):
    srv = server(respond(503, {"n": 1}, {"Retry-After": "1"}), respond(200, {"a": 1}),
                 respond(400, rate_limited(971), {"Retry-After": "1"}), respond(200, {"b": 2}))
    transport = transports(max_retry_wait=1.5)
    assert transport.request("GET", srv.base + "/one").data == {"a": 1}
    second = transport.request("GET", srv.base + "/two")
    assert second.status == 400
    assert len(srv.requests) == 3
    assert clock.sleeps == [1.0]


def test_429_with_a_rate_limit_code_is_retried_once_per_try_not_twice(server, transports, clock):
    # 429 is retried below the seam; the rate-limit code in it must not start a second round of tries.
    srv = server(*[respond(429, rate_limited(971)) for _attempt in range(6)])
    response = transports(retries=1).request("GET", srv.base + "/zones")
    assert response.status == 429
    assert len(srv.requests) == 2


@pytest.mark.parametrize("status, code", [(400, 1164), (403, 10000), (400, 9710)])
def test_other_error_codes_are_not_retried(server, transports, clock, status, code):
    srv = server(respond(status, rate_limited(code), {"Retry-After": "1"}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == status
    assert len(srv.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("data, expected", [
    ({"errors": [{"code": 971, "message": "x"}]}, 971),
    ({"errors": [{"code": 1000}, {"code": 10100}]}, 10100),
    ({"errors": [{"code": 1164}]}, None),
    ({"errors": [{"code": "971"}]}, None),
    ({"errors": ["971"]}, None),
    ({"errors": None}, None),
    ({"errors": {"code": 971}}, None),
    ({}, None),
    ([{"code": 971}], None),
    (None, None),
])
def test_rate_limit_code(data, expected):
    assert rate_limit_code(data) == expected


# -- failures without an answer -------------------------------------------------------------


def test_dropped_connection_then_success(server, transports):
    srv = server(DROP, respond(200, {"success": True, "result": "after drop"}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert response.data["result"] == "after drop"
    assert len(srv.requests) == 2


def test_dropped_connection_every_time_raises_transport_error(server, transports, clock):
    srv = server(DROP, DROP, DROP, DROP)
    with pytest.raises(TransportError) as excinfo:
        transports(retries=2).request("GET", srv.base + "/zones?secret=1")
    message = str(excinfo.value)
    assert len(srv.requests) == 3
    assert clock.sleeps == [1.0]
    assert message.startswith("GET %s/zones failed: gave up after retries (" % srv.base)
    assert "\n" not in message
    assert "secret" not in message


def test_connection_refused_raises_one_line_transport_error(transports):
    port = free_port()
    url = "http://127.0.0.1:%d/zones/z/origin/cloud_regions" % port
    with pytest.raises(TransportError) as excinfo:
        transports(retries=2).request("GET", url, params={"page": 1, "per_page": 100})
    message = str(excinfo.value)
    assert message.startswith("GET %s failed: gave up after retries (" % url)
    assert "Connection refused" in message
    assert "\n" not in message
    assert "per_page" not in message
    # urllib3's nested wrappers are reduced to the innermost reason: said once, not thrice
    assert message.count("Connection refused") == 1
    assert "Max retries exceeded" not in message
    assert excinfo.value.__cause__ is None


def test_connection_refused_is_retried(monkeypatch, transports, clock):
    port = free_port()
    calls = []
    original = BoundedRetry.increment

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("error") or (args[3] if len(args) > 3 else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BoundedRetry, "increment", counting)
    with pytest.raises(TransportError):
        transports(retries=3).request("GET", "http://127.0.0.1:%d/" % port)
    assert len(calls) == 4
    assert clock.sleeps == [1.0, 2.0]


def test_read_timeout_raises_transport_error(transports):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        with pytest.raises(TransportError) as excinfo:
            transports(timeout=0.2, retries=1).request("GET", "http://127.0.0.1:%d/slow" % listener.getsockname()[1])
        assert str(excinfo.value).startswith("GET http://127.0.0.1:%d/slow failed: " % listener.getsockname()[1])
        assert "timed out" in str(excinfo.value).lower()
        assert "\n" not in str(excinfo.value)
    finally:
        listener.close()


# -- header values HTTP cannot carry, and secrets in messages ----------------------------------

SECRET = "s3cr3t-Header-VALUE"


@pytest.mark.parametrize("value", [
    "Bearer %s\nX-Injected: yes" % SECRET,
    "Bearer %s\r\n" % SECRET,
    "Bearer %s\rmore" % SECRET,
])
def test_header_value_with_a_line_break_is_refused_without_quoting_it(server, transports, value):
    srv = server(respond(200, {"success": True}))
    with pytest.raises(TransportError) as excinfo:
        transports({"Authorization": value}).request("GET", srv.base + "/zones?page=1")
    message = str(excinfo.value)
    assert message == ("GET %s/zones failed: a request header has a value HTTP does not allow (a credential with a line "
                       "break or control character?); the value is not shown" % srv.base)
    assert SECRET not in message and "Injected" not in message
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__
    # nothing reached the server
    assert srv.requests == []


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer %s\u20ac" % SECRET},
    {"X-Auth-Email": "ops@example.com", "X-Auth-Key": "%s\u0142" % SECRET},
])
def test_header_value_outside_latin_1_is_refused_without_quoting_it(server, transports, headers):
    srv = server(respond(200, {"success": True}))
    with pytest.raises(TransportError) as excinfo:
        transports(headers).request("PUT", srv.base + "/zones/z/origin/cloud_regions/batch", json_body=[])
    message = str(excinfo.value)
    assert message == ("PUT %s/zones/z/origin/cloud_regions/batch failed: a request header could not be encoded; "
                       "the value is not shown" % srv.base)
    assert SECRET not in message
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__
    assert srv.requests == []


def test_transport_error_messages_mask_the_secrets(server, transports):
    srv = server(DROP, DROP)
    with pytest.raises(TransportError) as excinfo:
        transports(retries=1, secrets=[SECRET]).request("GET", "%s/zones/%s/origin" % (srv.base, SECRET))
    message = str(excinfo.value)
    assert SECRET not in message
    assert message.startswith("GET %s/zones/%s/origin failed: gave up after retries (" % (srv.base, SECRET_MASK))
    assert len(srv.requests) == 2


def test_library_messages_quoting_a_secret_are_masked(transports):
    # requests quotes the whole URL when it cannot parse it
    with pytest.raises(TransportError) as excinfo:
        transports(retries=0, secrets=[SECRET]).request("GET", "http://127.0.0.1:99999/%s" % SECRET)
    assert SECRET not in str(excinfo.value)
    assert SECRET_MASK in str(excinfo.value)


@pytest.mark.parametrize("headers, error", [
    ({"Authorization": "Bearer abc\ndef"}, "a request header has a value HTTP does not allow"),
    ({"Authorization": "Bearer abc\u20ac"}, "a request header could not be encoded"),
])
def test_header_refusals_mask_the_secrets_too(server, transports, headers, error):
    # "any message is masked": also these two, whose text names the URL
    srv = server(respond(200, {"success": True}))
    with pytest.raises(TransportError) as excinfo:
        transports(headers, secrets=[SECRET]).request("GET", "%s/zones/%s" % (srv.base, SECRET))
    assert error in str(excinfo.value)
    assert SECRET not in str(excinfo.value)


def test_empty_secrets_are_ignored(server, transports):
    srv = server(DROP, DROP)
    transport = transports(retries=1, secrets=["", None])
    assert transport.secrets == []
    with pytest.raises(TransportError) as excinfo:
        transport.request("GET", srv.base + "/zones")
    assert SECRET_MASK not in str(excinfo.value)


def test_close_closes_the_session():
    transport = HTTPTransport(dict(AUTH))
    closed = []
    transport.session.close = lambda: closed.append(True)
    transport.close()
    assert closed == [True]


# -- the retry policy itself --------------------------------------------------------


def test_transport_settings():
    transport = HTTPTransport(dict(AUTH), timeout=7.5, validate_certs=False)
    try:
        assert transport.timeout == 7.5
        assert transport.session.verify is False
        assert transport.retries == 5
        assert transport.budget.limit == 180.0
        assert transport.budget.spent == 0.0
        assert isinstance(transport.budget.clock, RetryClock)
        assert transport.secrets == []
        assert transport.session.headers["Authorization"] == "Bearer test-token"
        assert transport.session.get_adapter("https://api.cloudflare.com") is transport.session.get_adapter("http://x")
    finally:
        transport.close()


def test_transport_takes_max_retry_wait_clock_and_secrets():
    clock = FakeClock()
    transport = HTTPTransport(dict(AUTH), max_retry_wait=12.5, clock=clock, secrets=("a-secret",))
    try:
        assert transport.budget.limit == 12.5
        assert transport.budget.clock is clock
        assert transport.secrets == ["a-secret"]
        # the adapter's policy draws on the transport's budget
        assert transport.session.get_adapter("https://api.cloudflare.com").max_retries.budget is transport.budget
    finally:
        transport.close()


def test_make_retry_policy():
    budget = WaitBudget(123.0, FakeClock())
    retry = make_retry(budget=budget)
    assert isinstance(retry, BoundedRetry)
    assert retry.total == retry.connect == retry.read == retry.status == 5
    assert retry.other == 0
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert set(retry.allowed_methods) == {"GET", "PUT", "DELETE", "PATCH", "POST"}
    assert retry.raise_on_status is False
    assert retry.respect_retry_after_header is True
    assert retry.backoff_factor == 0.5
    assert retry.backoff_max == 30.0
    assert retry.budget is budget
    assert retry.max_retry_after == 60.0
    # new() (called on every increment) keeps the budget and the cap
    renewed = retry.new(total=1)
    assert (renewed.budget, renewed.max_retry_after, renewed.total) == (budget, 60.0, 1)


def test_make_retry_without_a_budget_gets_the_default_one():
    retry = make_retry(retries=2)
    assert retry.total == 2
    assert retry.budget.limit == DEFAULT_MAX_RETRY_WAIT


class _FakeResponse:
    def __init__(self, headers):
        self.headers = headers


@pytest.mark.parametrize("header, expected", [
    ("3600", 60.0), ("60", 60), ("5", 5), ("0", 0), ("1.5", 1.5), ("-2", 0.0), ("soon", None), ("", None),
])
def test_get_retry_after_is_capped_and_tolerant(header, expected):
    assert BoundedRetry(max_retry_after=60.0).get_retry_after(_FakeResponse({"Retry-After": header})) == expected


def test_get_retry_after_without_header_is_none():
    assert BoundedRetry().get_retry_after(_FakeResponse({})) is None
    assert BoundedRetry().get_retry_after(None) is None


def test_next_wait_is_retry_after_else_backoff():
    retry = make_retry(budget=WaitBudget(100, FakeClock()))
    assert retry.next_wait(_FakeResponse({"Retry-After": "7"})) == 7.0
    assert retry.next_wait(_FakeResponse({"Retry-After": "soon"})) == 0
    assert retry.next_wait(None) == 0
