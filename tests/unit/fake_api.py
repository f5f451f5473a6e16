# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fake HTTP transport for tests that declare the exact HTTP calls they expect.

``FakeTransport`` is given the complete, ordered list of ``Call``s a test expects:
method, full URL, query params and JSON body, each with the canned answer to give.
Every request is checked the moment it arrives (an unexpected or extra request fails
the test at once); ``assert_done()`` then checks that no expected call was left out.

It stands in for ``_http.HTTPTransport`` (same ``request``/``close`` interface) and its
``make_transport`` method stands in for ``_module.make_transport``, the seam of the
module tests, optionally checking the headers the real transport would be built with.
"""

from __future__ import annotations

import copy
import json
import pprint

from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import HTTPResponse
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import COLLECTION_VERSION

BASE_URL = "https://api.cloudflare.com/client/v4"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "s3cr3t-T0KEN-value-never-shown"
USER_AGENT = "edgeops.cloudflare/%s" % COLLECTION_VERSION

V2 = "%s/zones/%s/origin/cloud_regions" % (BASE_URL, ZONE_ID)
V1 = "%s/zones/%s/cache/origin_cloud_regions" % (BASE_URL, ZONE_ID)

_NOTHING = object()


def token_headers(token=TOKEN):
    """The headers build_client gives the transport for an API token."""
    return {"Authorization": "Bearer %s" % token, "User-Agent": USER_AGENT, "Accept": "application/json"}


def key_headers(email, key):
    """The headers build_client gives the transport for the e-mail + global key pair."""
    return {"X-Auth-Email": email, "X-Auth-Key": key, "User-Agent": USER_AGENT, "Accept": "application/json"}


def success(result=None, result_info=None, **extra):
    """A Cloudflare success envelope."""
    envelope = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        envelope["result_info"] = result_info
    envelope.update(extra)
    return envelope


def failure(*errors):
    """A Cloudflare failure envelope; ``errors`` are ``(code, message)`` pairs."""
    return {"success": False, "errors": [{"code": code, "message": message} for code, message in errors],
            "messages": [], "result": None}


def page_info(page, per_page, count, total_count, total_pages):
    return {"page": page, "per_page": per_page, "count": count, "total_count": total_count, "total_pages": total_pages}


def v1_setting(value, modified_on="2026-03-01T12:00:00Z"):
    """The v1 zone-setting wrapper around a mapping answer."""
    return {"id": "origin_public_cloud_region", "editable": True, "value": value, "modified_on": modified_on}


def v2_entry(origin_ip, vendor, region, modified_on="2026-03-01T12:00:00Z"):
    return {"origin_ip": origin_ip, "vendor": vendor, "region": region, "modified_on": modified_on}


def v1_entry(origin_ip, vendor, region, modified_on="2026-03-01T12:00:00Z"):
    return {"origin-ip": origin_ip, "vendor": vendor, "region": region, "modified_on": modified_on}


NOT_FOUND_1142 = failure((1142, "Unable to retrieve origin_public_cloud_region setting value. The zone setting does not exist."))

SUPPORTED_REGIONS = {
    "obtained_codes": True,
    "vendors": {
        "aws": [{"name": "us-east-1", "upper_tier_colos": ["IAD", "EWR"]},
                {"name": "us-west-2", "upper_tier_colos": ["SEA"]},
                {"name": "eu-west-1", "upper_tier_colos": ["DUB"]}],
        "gcp": [{"name": "us-central1", "upper_tier_colos": ["ORD"]},
                {"name": "europe-west1", "upper_tier_colos": ["BRU"]}],
    },
}


class Call:
    """One expected request and the answer to give.

    ``status``/``data`` make the answer (``data`` is the decoded JSON body; ``text`` the raw
    body when it is not JSON); ``raises`` makes the transport raise instead of answering.
    """

    def __init__(self, method, url, params=None, json=None, status=200, data=_NOTHING, text="", headers=None, raises=None):
        self.method = method
        self.url = url
        self.params = params
        self.json = json
        self.status = status
        self.data = success() if data is _NOTHING else data
        self.text = text
        self.headers = headers or {}
        self.raises = raises

    def request(self):
        return {"method": self.method, "url": self.url, "params": self.params, "json": self.json}

    def __repr__(self):
        return "Call(%s %s params=%r json=%s)" % (self.method, self.url, self.params, _short(self.json))


def _short(value, limit=300):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "...(%d chars)" % len(text)


class FakeTransport:
    """Asserts each request against the next expected ``Call`` and answers it."""

    def __init__(self, calls, headers=None, params=None):
        self.calls = list(calls)
        self.expected_headers = headers
        self.expected_params = params or {}
        self.position = 0
        self.received = []
        self.problems = []
        self.built_with = None
        self.built_secrets = None
        self.closed = False

    # -- the seam ---------------------------------------------------------------

    def make_transport(self, headers, params, secrets=()):
        """Replaces ``_module.make_transport(headers, params, secrets)``."""
        if self.built_with is not None:
            self._fail("make_transport was called twice")
        self.built_with = (dict(headers), dict(params))
        # the values the real transport would mask in its error messages
        self.built_secrets = list(secrets)
        if self.expected_headers is not None and dict(headers) != self.expected_headers:
            self._fail("transport built with headers\n%s\nexpected\n%s"
                       % (pprint.pformat(dict(headers)), pprint.pformat(self.expected_headers)))
        for name, value in self.expected_params.items():
            if params.get(name) != value:
                self._fail("transport built with %s=%r, expected %r" % (name, params.get(name), value))
        return self

    # -- the HTTPTransport interface ---------------------------------------------

    def request(self, method, url, params=None, json_body=None):
        actual = {"method": method, "url": url, "params": copy.deepcopy(params), "json": copy.deepcopy(json_body)}
        self.received.append(actual)
        if self.closed:
            self._fail("request %s %s sent after close()" % (method, url))
        if self.position >= len(self.calls):
            self._fail("unexpected request #%d (only %d expected): %s %s params=%r json=%s"
                       % (self.position + 1, len(self.calls), method, url, params, _short(json_body)))
        call = self.calls[self.position]
        self.position += 1
        expected = call.request()
        if actual != expected:
            differences = ["  %s: got %s, expected %s" % (key, _short(actual[key]), _short(expected[key]))
                           for key in ("method", "url", "params", "json") if actual[key] != expected[key]]
            self._fail("request #%d differs from the expected call:\n%s" % (self.position, "\n".join(differences)))
        if call.raises is not None:
            raise call.raises
        data = copy.deepcopy(call.data)
        return HTTPResponse(call.status, dict(call.headers), data, call.text if data is None else "")

    def close(self):
        self.closed = True

    # -- checks -------------------------------------------------------------------

    def _fail(self, message):
        self.problems.append(message)
        raise AssertionError(message)

    def assert_done(self):
        """Every expected call happened, and nothing went wrong on the way."""
        assert not self.problems, "\n".join(self.problems)
        missing = self.calls[self.position:]
        assert not missing, "%d expected call(s) never sent:\n%s" % (len(missing), "\n".join("  %r" % call for call in missing))


# -- running a module's main() against the fake --------------------------------------

CREDENTIAL_ENV = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_API_BASE_URL")


def clear_cloudflare_env(monkeypatch):
    """No credentials or base URL leak in from the environment of whoever runs the tests."""
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)


def run_main(monkeypatch, main, args, calls, headers=None, params=None, fails=False):
    """Run a module's ``main()`` with ``args`` against exactly ``calls``.

    ``_module.make_transport`` (the seam) is replaced by a FakeTransport checking ``headers``
    (and any transport ``params``); every call must arrive, in order.  Returns
    ``(result, fake)``: the exit_json result, or the fail_json one when ``fails``.
    """
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import exit_result, fail_result

    fake = FakeTransport(calls, headers=headers, params=params)
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    result = (fail_result if fails else exit_result)(main, args)
    fake.assert_done()
    if fake.built_with is not None:
        assert fake.closed, "the transport was not closed"
    return result, fake
