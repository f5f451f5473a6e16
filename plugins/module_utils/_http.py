# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""The one HTTP seam: a requests.Session with bounded retries.

Everything above this file speaks in (method, url, params, json body) and gets an
HTTPResponse back; unit tests replace ``HTTPTransport`` with a fake that asserts the
exact calls.  Retries live here, below the seam, so they are tested against a real
server on loopback instead of being mocked.
"""

from __future__ import annotations

import json
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import MaxRetryError, ResponseError
    from urllib3.util.retry import Retry
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

# Statuses worth another try: rate limiting and the transient server errors.
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# Every method we send is safe to repeat: PUT/DELETE/PATCH are idempotent upserts and
# deletes, and a repeated v1 POST answers 1145, which the client turns into a PATCH.
RETRY_METHODS = frozenset(("GET", "PUT", "DELETE", "PATCH", "POST"))
DEFAULT_RETRIES = 5
BACKOFF_FACTOR = 0.5
MAX_BACKOFF = 30.0
# Cloudflare can ask for up to five minutes after a 429; wait at most this long per try.
MAX_RETRY_AFTER = 60.0
# No single request spends longer than this on retries, whatever the server says.
RETRY_TIME_BUDGET = 180.0


class TransportError(Exception):
    """The request got no usable HTTP answer (connection refused, timeout, retries used up)."""


class HTTPResponse:
    """What the layers above need of an answer: status, headers and the decoded JSON body."""

    def __init__(self, status, headers=None, data=None, text=""):
        self.status = status
        self.headers = headers or {}
        self.data = data
        self.text = text

    def __repr__(self):
        return "HTTPResponse(%r, %r)" % (self.status, self.data)


class BoundedRetry(Retry):
    """urllib3 Retry that also stops at a wall-clock deadline and caps Retry-After."""

    def __init__(self, *args, deadline=None, max_retry_after=None, **kwargs):
        self.deadline = deadline
        self.max_retry_after = MAX_RETRY_AFTER if max_retry_after is None else max_retry_after
        super().__init__(*args, **kwargs)

    def new(self, **kw):
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

    def get_retry_after(self, response):
        retry_after = super().get_retry_after(response)
        if retry_after is None:
            return None
        return min(retry_after, self.max_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.deadline is not None:
            wait = retry.get_retry_after(response) if response is not None else None
            if wait is None:
                wait = retry.get_backoff_time()
            if time.monotonic() + wait > self.deadline:
                reason = error or ResponseError("retry time budget used up")
                raise MaxRetryError(_pool, url, reason)
        return retry


def make_retry(retries=DEFAULT_RETRIES, deadline=None):
    """The retry policy for one request."""
    return BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR,
        backoff_max=MAX_BACKOFF,
        respect_retry_after_header=True,
        # Give back the last answer instead of raising, so its Cloudflare errors reach the user.
        raise_on_status=False,
        deadline=deadline,
    )


class HTTPTransport:
    """One requests.Session per module run, with retries and a per-request timeout."""

    def __init__(self, headers, timeout=30, validate_certs=True, retries=DEFAULT_RETRIES, time_budget=None):
        self.timeout = timeout
        self.retries = retries
        self.time_budget = RETRY_TIME_BUDGET if time_budget is None else time_budget
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.verify = validate_certs
        self._adapter = HTTPAdapter(max_retries=make_retry(retries))
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)

    def request(self, method, url, params=None, json_body=None):
        """Send one request; return an HTTPResponse or raise TransportError."""
        # The deadline is per request: set it on the adapter just before sending.
        self._adapter.max_retries = make_retry(self.retries, deadline=time.monotonic() + self.time_budget)
        kwargs = {"params": params, "timeout": self.timeout}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.RequestException as exc:
            raise TransportError("%s %s failed: %s" % (method, _strip_query(url), _describe_exception(exc))) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        return HTTPResponse(response.status_code, dict(response.headers), data, response.text if data is None else "")

    def close(self):
        self.session.close()


def _strip_query(url):
    return url.split("?", 1)[0]


def _describe_exception(exc):
    """A one-line reason; urllib3's nested wrappers are long and say the same thing thrice."""
    reason = exc
    while True:
        inner = getattr(reason, "reason", None) or (reason.args[0] if getattr(reason, "args", None) else None)
        if isinstance(inner, BaseException) and inner is not reason:
            reason = inner
            continue
        break
    text = str(reason)
    if isinstance(exc, requests.exceptions.RetryError) or "Max retries exceeded" in str(exc):
        return "gave up after retries (%s)" % text
    return text
