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

Waiting is bounded per task, not per request: every wait between tries (Retry-After,
backoff) is drawn from one ``WaitBudget`` that the module's ``max_retry_wait`` sets,
so a task never waits longer in total than the user allowed, however many requests
it sends.  Time is read and spent through a ``RetryClock`` that tests replace, so no
test depends on how fast the machine is.
"""

from __future__ import annotations

import json
import math
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
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
# Cloudflare's rate-limit error codes: 971 today, 10100 in older answers.  They are
# retried whatever HTTP status carries them (429 is already retried by status).
RATE_LIMIT_CODES = frozenset((971, 10100))
# Every method we send is safe to repeat: PUT/DELETE/PATCH are idempotent upserts and
# deletes, and a repeated v1 POST answers 1145, which the client turns into a PATCH.
RETRY_METHODS = frozenset(("GET", "PUT", "DELETE", "PATCH", "POST"))
DEFAULT_RETRIES = 5
BACKOFF_FACTOR = 0.5
MAX_BACKOFF = 30.0
# Cloudflare can ask for up to five minutes after a 429; wait at most this long per try.
MAX_RETRY_AFTER = 60.0
# Default of max_retry_wait: the most one task waits between tries, summed over its requests.
DEFAULT_MAX_RETRY_WAIT = 180.0
SECRET_MASK = "********"


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


class RetryClock:
    """The time the retry policy reads and spends; tests hand in a fake one."""

    @staticmethod
    def now():
        return time.monotonic()

    @staticmethod
    def sleep(seconds):
        time.sleep(seconds)


class WaitBudget:
    """Seconds one task may still spend waiting between tries, across all its requests."""

    def __init__(self, limit=DEFAULT_MAX_RETRY_WAIT, clock=None):
        self.limit = float(limit)
        self.clock = clock or RetryClock()
        self.spent = 0.0

    def allows(self, seconds):
        return self.spent + seconds <= self.limit

    def wait(self, seconds):
        if seconds > 0:
            self.clock.sleep(seconds)
            self.spent += seconds


def parse_retry_after(value):
    """Seconds from a Retry-After value (integer, decimal or HTTP date), None when unusable.

    Proxies send anything; an unusable value means "back off as usual", never an error.
    """
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is None:
        try:
            seconds = Retry.parse_retry_after(Retry(), text)
        except (InvalidHeader, ValueError, TypeError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class BoundedRetry(Retry):
    """urllib3 Retry that caps Retry-After, tolerates odd values and draws waits from a WaitBudget."""

    def __init__(self, *args, budget=None, max_retry_after=None, **kwargs):
        self.budget = budget if budget is not None else WaitBudget()
        self.max_retry_after = MAX_RETRY_AFTER if max_retry_after is None else max_retry_after
        super().__init__(*args, **kwargs)

    def new(self, **kw):
        kw.setdefault("budget", self.budget)
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

    def parse_retry_after(self, retry_after):
        # urllib3 raises InvalidHeader on "1.5" or "soon"; fall back to backoff instead.
        seconds = parse_retry_after(retry_after)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def get_retry_after(self, response):
        value = response.headers.get("Retry-After") if response is not None else None
        return None if value is None else self.parse_retry_after(value)

    def next_wait(self, response=None):
        """How long the wait before the next try is: Retry-After when usable, else backoff."""
        retry_after = self.get_retry_after(response) if self.respect_retry_after_header else None
        return self.get_backoff_time() if retry_after is None else retry_after

    def sleep(self, response=None):
        self.budget.wait(self.next_wait(response))

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if not self.budget.allows(retry.next_wait(response)):
            raise MaxRetryError(_pool, url, error or ResponseError("retry wait budget (max_retry_wait) used up"))
        return retry


def make_retry(retries=DEFAULT_RETRIES, budget=None):
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
        budget=budget,
    )


def retry_after_seconds(headers):
    """Retry-After of a decoded answer, capped; None when absent or unusable."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            seconds = parse_retry_after(value)
            return None if seconds is None else min(seconds, MAX_RETRY_AFTER)
    return None


def rate_limit_code(data):
    """The Cloudflare rate-limit code in an error answer, or None."""
    errors = data.get("errors") if isinstance(data, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and error.get("code") in RATE_LIMIT_CODES:
            return error["code"]
    return None


class HTTPTransport:
    """One requests.Session per module run, with retries and a per-request timeout.

    ``secrets`` are values that must never appear in an error (credentials); they are
    masked in every message this class raises, whatever the library said.
    """

    def __init__(self, headers, timeout=30, validate_certs=True, retries=DEFAULT_RETRIES,
                 max_retry_wait=DEFAULT_MAX_RETRY_WAIT, clock=None, secrets=()):
        self.timeout = timeout
        self.retries = retries
        self.budget = WaitBudget(max_retry_wait, clock)
        self.secrets = [secret for secret in secrets if secret]
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.verify = validate_certs
        self._adapter = HTTPAdapter(max_retries=make_retry(retries, self.budget))
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)

    def request(self, method, url, params=None, json_body=None):
        """Send one request; return an HTTPResponse or raise TransportError."""
        for attempt in range(self.retries + 1):
            response = self._send(method, url, params, json_body)
            # 429 and 5xx were retried below the seam; a rate-limit code in another status is retried here.
            if response.status in RETRY_STATUSES or rate_limit_code(response.data) is None or attempt == self.retries:
                return response
            wait = retry_after_seconds(response.headers)
            if wait is None:
                wait = min(MAX_BACKOFF, BACKOFF_FACTOR * (2 ** attempt))
            if not self.budget.allows(wait):
                return response
            self.budget.wait(wait)
        return response

    def _send(self, method, url, params, json_body):
        # A fresh policy per request (urllib3 counts tries on it); the budget is the task's.
        self._adapter.max_retries = make_retry(self.retries, self.budget)
        kwargs = {"params": params, "timeout": self.timeout}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.InvalidHeader:
            # requests quotes the offending header value: a credential.  Never repeat it.
            raise TransportError(self._mask("%s %s failed: a request header has a value HTTP does not allow "
                                            "(a credential with a line break or control character?); the value is not shown"
                                            % (method, _strip_query(url)))) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(self._mask("%s %s failed: %s" % (method, _strip_query(url), _describe_exception(exc)))) from None
        except (ValueError, UnicodeError):
            # http.client refuses non-Latin-1 header values with a message that quotes them.
            raise TransportError(self._mask("%s %s failed: a request header could not be encoded; the value is not shown"
                                            % (method, _strip_query(url)))) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        return HTTPResponse(response.status_code, dict(response.headers), data, response.text if data is None else "")

    def _mask(self, text):
        for secret in self.secrets:
            text = text.replace(secret, SECRET_MASK)
        return text

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
