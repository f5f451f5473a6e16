# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTPTransport against a real HTTP server on 127.0.0.1: retries are proven, not mocked."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _http
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import (
    BoundedRetry,
    HTTPResponse,
    HTTPTransport,
    TransportError,
    make_retry,
)

AUTH = {"Authorization": "Bearer test-token", "User-Agent": "edgeops.cloudflare/1.0.0", "Accept": "application/json"}


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


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    """Keep every test fast: tiny exponential backoff (0, 0.02, 0.04, ...)."""
    monkeypatch.setattr(_http, "BACKOFF_FACTOR", 0.01)


@pytest.fixture
def transports():
    made = []

    def make(headers=None, **kwargs):
        kwargs.setdefault("timeout", 5)
        transport = HTTPTransport(dict(AUTH) if headers is None else headers, **kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


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
    assert sent["headers"]["user-agent"] == "edgeops.cloudflare/1.0.0"
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


# -- retries ----------------------------------------------------------------------


def test_429_with_retry_after_waits_then_succeeds(server, transports):
    srv = server(
        respond(429, {"success": False, "errors": [{"code": 971, "message": "rate limited"}]}, {"Retry-After": "1"}),
        respond(200, {"success": True, "result": "ok"}),
    )
    started = time.monotonic()
    response = transports().request("GET", srv.base + "/zones")
    elapsed = time.monotonic() - started
    assert response.status == 200
    assert response.data == {"success": True, "result": "ok"}
    assert len(srv.requests) == 2
    assert elapsed >= 1.0
    assert srv.requests[1]["time"] - srv.requests[0]["time"] >= 1.0
    # the retried request is the same request
    assert srv.requests[1]["headers"]["authorization"] == "Bearer test-token"


def test_503_twice_then_200(server, transports):
    srv = server(respond(503, {"n": 1}), respond(503, {"n": 2}), respond(200, {"success": True, "n": 3}))
    response = transports().request("PUT", srv.base + "/item", json_body={"vendor": "aws"})
    assert response.status == 200
    assert response.data == {"success": True, "n": 3}
    assert [request["method"] for request in srv.requests] == ["PUT", "PUT", "PUT"]
    # the body is sent again on every try
    assert [json.loads(request["body"]) for request in srv.requests] == [{"vendor": "aws"}] * 3


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_every_retry_status_is_retried(server, transports, status):
    srv = server(respond(status, {"n": 1}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert len(srv.requests) == 2


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "POST"])
def test_every_method_is_retried(server, transports, method):
    srv = server(respond(500, {"n": 1}), respond(200, {"success": True}))
    response = transports().request(method, srv.base + "/x", json_body={"a": 1} if method != "GET" else None)
    assert response.status == 200
    assert [request["method"] for request in srv.requests] == [method, method]


def test_500_past_the_retry_count_returns_the_last_answer(server, transports):
    srv = server(*[respond(500, {"success": False, "errors": [{"code": 10000 + n, "message": "try %d" % n}]}) for n in range(1, 5)])
    response = transports(retries=2).request("GET", srv.base + "/zones")
    # 1 try + 2 retries; no exception: the last answer with its Cloudflare errors comes back
    assert len(srv.requests) == 3
    assert response.status == 500
    assert response.data["errors"] == [{"code": 10003, "message": "try 3"}]


def test_default_retry_count_is_five(server, transports):
    srv = server(*[respond(503, {"n": n}) for n in range(1, 9)])
    response = transports().request("GET", srv.base + "/zones")
    assert len(srv.requests) == 6
    assert response.status == 503
    assert response.data == {"n": 6}


def test_retry_after_above_the_cap_is_clamped(server, transports, monkeypatch):
    # The cap is the BoundedRetry's max_retry_after; make every retry policy use a small one.
    original = _http.make_retry

    def small_cap(*args, **kwargs):
        retry = original(*args, **kwargs)
        retry.max_retry_after = 0.3
        return retry

    monkeypatch.setattr(_http, "make_retry", small_cap)
    srv = server(respond(429, {"n": 1}, {"Retry-After": "3600"}), respond(200, {"success": True}))
    started = time.monotonic()
    response = transports().request("GET", srv.base + "/zones")
    elapsed = time.monotonic() - started
    assert response.status == 200
    assert len(srv.requests) == 2
    assert 0.3 <= elapsed < 3.0


def test_retry_after_cap_follows_the_module_constant(server, transports, monkeypatch):
    monkeypatch.setattr(_http, "MAX_RETRY_AFTER", 0.1)
    srv = server(respond(429, {"n": 1}, {"Retry-After": "1"}), respond(200, {"success": True}))
    started = time.monotonic()
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert time.monotonic() - started < 0.8


def test_time_budget_follows_the_module_constant(server, transports, monkeypatch):
    monkeypatch.setattr(_http, "RETRY_TIME_BUDGET", 0.5)
    srv = server(respond(429, {"n": 1}, {"Retry-After": "1"}), respond(200, {"success": True}))
    response = transports().request("GET", srv.base + "/zones")
    # a 1 s wait does not fit in a 0.5 s budget: the 429 comes back at once
    assert response.status == 429
    assert len(srv.requests) == 1


def test_time_budget_stops_retries_and_returns_the_last_answer(server, transports, monkeypatch):
    # backoff with factor 0.1: 0, 0.2, 0.4, 0.8, ...  With a budget of 1 s the 4th wait (0.8 s,
    # due at ~0.6 s) would end past the deadline, so the 4th answer is returned at once.
    srv = server(*[respond(503, {"n": n}) for n in range(1, 9)])
    transport = transports(time_budget=1.0)
    monkeypatch.setattr(_http, "BACKOFF_FACTOR", 0.1)
    started = time.monotonic()
    response = transport.request("GET", srv.base + "/zones")
    elapsed = time.monotonic() - started
    assert response.status == 503
    assert response.data == {"n": 4}
    assert len(srv.requests) == 4
    assert elapsed < 1.0


def test_time_budget_is_not_spent_waiting_for_a_long_retry_after(server, transports):
    srv = server(respond(429, {"n": 1}, {"Retry-After": "5"}), respond(200, {"success": True}))
    started = time.monotonic()
    response = transports(time_budget=2.0).request("GET", srv.base + "/zones")
    # waiting 5 s would pass the 2 s deadline: give back the 429 now
    assert time.monotonic() - started < 1.0
    assert response.status == 429
    assert len(srv.requests) == 1


def test_time_budget_is_per_request(server, transports):
    srv = server(respond(503, {"n": 1}, {"Retry-After": "1"}), respond(200, {"a": 1}),
                 respond(503, {"n": 2}, {"Retry-After": "1"}), respond(200, {"b": 2}))
    transport = transports(time_budget=1.5)
    assert transport.request("GET", srv.base + "/one").data == {"a": 1}
    # a second request right after gets a fresh budget, not what is left of the first one
    assert transport.request("GET", srv.base + "/two").data == {"b": 2}
    assert len(srv.requests) == 4


def test_dropped_connection_then_success(server, transports):
    srv = server(DROP, respond(200, {"success": True, "result": "after drop"}))
    response = transports().request("GET", srv.base + "/zones")
    assert response.status == 200
    assert response.data["result"] == "after drop"
    assert len(srv.requests) == 2


def test_dropped_connection_every_time_raises_transport_error(server, transports):
    srv = server(DROP, DROP, DROP, DROP)
    with pytest.raises(TransportError) as excinfo:
        transports(retries=2).request("GET", srv.base + "/zones?secret=1")
    message = str(excinfo.value)
    assert len(srv.requests) == 3
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


def test_connection_refused_is_retried(monkeypatch, transports):
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


def test_read_timeout_raises_transport_error(transports):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        started = time.monotonic()
        with pytest.raises(TransportError) as excinfo:
            transports(timeout=0.2, retries=1).request("GET", "http://127.0.0.1:%d/slow" % listener.getsockname()[1])
        assert time.monotonic() - started < 3
        assert str(excinfo.value).startswith("GET http://127.0.0.1:%d/slow failed: " % listener.getsockname()[1])
        assert "timed out" in str(excinfo.value).lower()
        assert "\n" not in str(excinfo.value)
    finally:
        listener.close()


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
        assert transport.time_budget == 180.0
        assert transport.session.headers["Authorization"] == "Bearer test-token"
        assert transport.session.get_adapter("https://api.cloudflare.com") is transport.session.get_adapter("http://x")
    finally:
        transport.close()


def test_make_retry_policy():
    retry = make_retry(deadline=123.0)
    assert isinstance(retry, BoundedRetry)
    assert retry.total == retry.connect == retry.read == retry.status == 5
    assert retry.other == 0
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert set(retry.allowed_methods) == {"GET", "PUT", "DELETE", "PATCH", "POST"}
    assert retry.raise_on_status is False
    assert retry.respect_retry_after_header is True
    assert retry.backoff_max == 30.0
    assert retry.deadline == 123.0
    assert retry.max_retry_after == 60.0
    # new() (called on every increment) keeps the deadline and the cap
    renewed = retry.new(total=1)
    assert (renewed.deadline, renewed.max_retry_after, renewed.total) == (123.0, 60.0, 1)


class _FakeResponse:
    def __init__(self, headers):
        self.headers = headers


@pytest.mark.parametrize("header, expected", [("3600", 60.0), ("60", 60), ("5", 5), ("0", 0)])
def test_get_retry_after_is_capped(header, expected):
    assert BoundedRetry(max_retry_after=60.0).get_retry_after(_FakeResponse({"Retry-After": header})) == expected


def test_get_retry_after_without_header_is_none():
    assert BoundedRetry().get_retry_after(_FakeResponse({})) is None
