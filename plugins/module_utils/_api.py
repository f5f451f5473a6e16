# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""The origin cloud regions API client: envelopes, errors, pagination, batches.

Callers see one mapping shape, ``{origin_ip, vendor, region, modified_on}``, whichever
API generation is in use; paths and wire shapes come from ``_endpoints``, bytes on the
wire from ``_http``.
"""

from __future__ import annotations

import math

from ansible_collections.edgeops.cloudflare.plugins.module_utils._endpoints import GENERATIONS, ZONES_PATH, zone_lookup
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import ZONE_MAPPING_LIMIT, canonical_mapping

# A 404 with one of these is about the route or the zone, not the mapping: never "absent".
ROUTE_NOT_FOUND_CODES = frozenset((7000, 7003, 1001))
MAPPING_EXISTS_CODE = 1145
BATCH_LIMIT = 100
PER_PAGE = 100
# Without any page count from the server, never read more pages than a full zone fills, plus one.
MAX_PAGES_UNANNOUNCED = math.ceil(ZONE_MAPPING_LIMIT / PER_PAGE) + 1
# GET /zones answers at most 50 zones a page (Cloudflare's maximum for the zones list).
ZONES_PER_PAGE = 50
# Without any page count from the server, stop listing zones after this many full pages.
MAX_ZONE_PAGES_UNANNOUNCED = 1000


class CloudflareAPIError(Exception):
    """Cloudflare answered with an error: keeps the HTTP status and every errors[] entry."""

    def __init__(self, method, path, status, errors=None, text="", enveloped=False):
        self.enveloped = enveloped
        self.method = method
        self.path = path
        self.status = status
        self.errors = [_error_entry(error) for error in (errors or [])]
        self.text = text
        super().__init__(str(self))

    @property
    def codes(self):
        return [error["code"] for error in self.errors if error.get("code") is not None]

    def __str__(self):
        if self.errors:
            detail = "; ".join("[%s] %s" % (error.get("code"), error.get("message")) for error in self.errors)
        else:
            detail = (self.text or "no error details in the answer").strip()[:300]
        return "Cloudflare API %s %s answered HTTP %s: %s" % (self.method, self.path, self.status, detail)

    def to_result(self):
        return {"status": self.status, "method": self.method, "path": self.path, "errors": self.errors}


class UnexpectedAnswerError(Exception):
    """A success status whose body is not what the API documents (unreadable, wrong shape).

    After a write this means the write's outcome is unknown: it may well have been applied.
    """

    def __init__(self, method, path, status, problem):
        self.method = method
        self.path = path
        self.status = status
        self.problem = problem
        super().__init__("Cloudflare API %s %s answered HTTP %s with an unusable answer: %s" % (method, path, status, problem))

    def to_result(self):
        return {"status": self.status, "method": self.method, "path": self.path, "errors": [], "problem": self.problem}


class IncompleteListingError(Exception):
    """The pages of a listing do not add up: planning on them could delete what exists."""


def _error_entry(error):
    if isinstance(error, dict):
        return {"code": error.get("code"), "message": error.get("message")}
    return {"code": None, "message": str(error)}


def _describe(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class BatchResult:
    """The answer to one batch request: the items applied and the items refused."""

    def __init__(self, succeeded=(), failed=()):
        self.succeeded = list(succeeded)
        self.failed = list(failed)


def chunks(items, size=BATCH_LIMIT):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Listing:
    """Checks the pages of one listing against each other and against result_info."""

    def __init__(self, zone_id):
        self.zone_id = zone_id
        self.mappings = []
        self.seen = set()
        self.total_count = None
        self.total_pages = None

    def problem(self, text):
        return IncompleteListingError(
            "the listing of zone %s is incomplete or inconsistent (%s); nothing was planned on it. "
            "Run again; if it persists, the API or a proxy in between is not answering pages correctly"
            % (self.zone_id, text))

    def add_page(self, page, mappings, info):
        if page == 1:
            self.total_count = _count(info, "total_count")
            self.total_pages = _count(info, "total_pages")
        else:
            for key, first in (("total_count", self.total_count), ("total_pages", self.total_pages)):
                now = _count(info, key)
                if first is not None and now is not None and now != first:
                    raise self.problem("result_info.%s changed from %d on page 1 to %d on page %d; "
                                       "the zone changed while it was read" % (key, first, now, page))
        count = _count(info, "count")
        if count is not None and count != len(mappings):
            raise self.problem("page %d holds %d mappings but its result_info.count says %d" % (page, len(mappings), count))
        repeated = [mapping["origin_ip"] for mapping in mappings if mapping["origin_ip"] in self.seen]
        if repeated:
            raise self.problem("page %d repeats %d mapping(s) of earlier pages (first: %s)" % (page, len(repeated), repeated[0]))
        self.seen.update(mapping["origin_ip"] for mapping in mappings)
        if len(self.seen) != len(self.mappings) + len(mappings):
            raise self.problem("page %d lists one IP twice" % page)
        self.mappings.extend(mappings)

    def pages_to_read(self, per_page):
        """How many pages the first page announced, or None when it announced nothing."""
        if self.total_pages is not None:
            return self.total_pages
        if self.total_count is not None:
            return math.ceil(self.total_count / per_page)
        return None

    def finish(self, pages_read):
        if self.total_count is not None and len(self.mappings) != self.total_count:
            raise self.problem("%d mapping(s) on %d page(s), but result_info.total_count says %d"
                               % (len(self.mappings), pages_read, self.total_count))
        return self.mappings


def _zone_entry(entry):
    account = entry.get("account") if isinstance(entry.get("account"), dict) else {}
    return {"id": entry["id"], "name": entry["name"], "status": entry.get("status"), "account_id": account.get("id")}


def _zone_page_problem(page, entries, info, seen, total_count, total_pages):
    """Why one page of the zones list does not fit the pages before it, or None."""
    if page > 1:
        for key, first in (("total_count", total_count), ("total_pages", total_pages)):
            now = _count(info, key)
            if first is not None and now is not None and now != first:
                return "result_info.%s changed from %d on page 1 to %d on page %d" % (key, first, now, page)
    count = _count(info, "count")
    if count is not None and count != len(entries):
        return "page %d holds %d zone(s) but its result_info.count says %d" % (page, len(entries), count)
    ids = [entry["id"] for entry in entries]
    if len(set(ids)) != len(ids) or seen.intersection(ids):
        return "page %d repeats a zone" % page
    return None


def _count(info, key):
    value = info.get(key) if isinstance(info, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise IncompleteListingError("result_info.%s is not a count: %s" % (key, _describe(value)))
    return value


class OriginCloudRegionsClient:
    """Talks to one Cloudflare API endpoint through one transport."""

    def __init__(self, transport, base_url, generation="v2"):
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.generation = GENERATIONS[generation]
        self.requests_sent = 0

    # -- envelope ---------------------------------------------------------------

    def _call(self, method, path, params=None, body=None):
        """Send one request and return the whole success envelope.

        Raises CloudflareAPIError for an error answer, UnexpectedAnswerError for a success
        status whose body is not a Cloudflare envelope.
        """
        self.requests_sent += 1
        response = self.transport.request(method, self.base_url + path, params=params, json_body=body)
        envelope = response.data if isinstance(response.data, dict) else None
        if 200 <= response.status < 300:
            if envelope is None:
                problem = "the body is not a JSON object" if response.data is not None else "the body is not JSON (%s)" % _describe(
                    (response.text or "").strip()[:80] or "empty")
                raise UnexpectedAnswerError(method, path, response.status, problem)
            if envelope.get("success") is True:
                return envelope
            if envelope.get("success") is None and "result" not in envelope:
                raise UnexpectedAnswerError(method, path, response.status, "no 'success' and no 'result' in the envelope")
            if envelope.get("success") is not False:
                return envelope
        errors = (envelope or {}).get("errors") or []
        raise CloudflareAPIError(method, path, response.status, errors, response.text, enveloped=envelope is not None)

    def _result(self, method, path, params=None, body=None):
        return self.generation.unwrap(self._call(method, path, params, body).get("result"))

    def _entry(self, method, path, result, what="a mapping"):
        """One mapping from an answer's result, after checking its shape."""
        ip_key = self.generation.ip_key_in_answer
        if not isinstance(result, dict) or not all(isinstance(result.get(key), str) for key in (ip_key, "vendor", "region")):
            raise UnexpectedAnswerError(method, path, 200, "result should be %s with %s, vendor and region, got %s"
                                        % (what, ip_key, _describe(result)))
        return self.generation.mapping_from_entry(result)

    @staticmethod
    def _is_mapping_absent(error):
        """A 404 in Cloudflare's envelope that is not about the route or zone.

        Documented codes are 1142 (v1 GET, v2 by example) and 1163 (v1 DELETE); the v2 GET's
        code is not published, so any code but a route one counts.  A 404 without an
        envelope (a proxy's page, a wrong api_base_url) never does.
        """
        if error.status != 404 or not error.enveloped:
            return False
        codes = set(error.codes)
        return not (codes & ROUTE_NOT_FOUND_CODES)

    # -- zones ------------------------------------------------------------------

    def resolve_zone_id(self, name):
        """The id of the zone called ``name``; ValueError when none or several match."""
        # A fully qualified name ("example.com.") is the same zone, and DNS names know no case.
        name = name.rstrip(".").lower()
        path, params = zone_lookup(name)
        zones = self._call("GET", path, params=params).get("result")
        if not isinstance(zones, list):
            raise UnexpectedAnswerError("GET", path, 200, "result should be a list of zones, got %s" % _describe(zones))
        matches = [zone for zone in zones if isinstance(zone, dict) and str(zone.get("name", "")).lower() == name]
        if not matches:
            raise ValueError("no zone named %r is visible with these credentials" % name)
        if len(matches) > 1:
            raise ValueError("%d zones are named %r (ids %s); give zone_id instead"
                             % (len(matches), name, ", ".join(sorted(str(zone.get("id")) for zone in matches))))
        return matches[0]["id"]

    def list_zones(self, name=None, account_id=None):
        """The zones the credentials can see, every page: ``[{id, name, status, account_id}]`` sorted by name.

        ``name`` keeps only the zone of that name (matched without regard to case, a trailing
        dot ignored); ``account_id`` only the zones of that account. The pages are checked
        against each other and against ``result_info`` as mapping listings are:
        IncompleteListingError when they do not add up.
        """
        params = {"per_page": ZONES_PER_PAGE}
        if name is not None:
            name = name.rstrip(".").lower()
            params.update(zone_lookup(name)[1])
        if account_id:
            params["account.id"] = account_id
        zones, seen = [], set()
        total_count = total_pages = None
        page = 1
        while True:
            envelope = self._call("GET", ZONES_PATH, params=dict(params, page=page))
            entries = envelope.get("result")
            if not isinstance(entries, list) or not all(isinstance(entry, dict) and isinstance(entry.get("id"), str)
                                                        and isinstance(entry.get("name"), str) for entry in entries):
                raise UnexpectedAnswerError("GET", ZONES_PATH, 200, "result of page %d should be a list of zones with id and "
                                            "name, got %s" % (page, _describe(entries)))
            info = envelope.get("result_info")
            problem = _zone_page_problem(page, entries, info, seen, total_count, total_pages)
            if problem:
                raise IncompleteListingError("the list of zones is incomplete or inconsistent (%s). Run again; if it persists, "
                                             "the API or a proxy in between is not answering pages correctly" % problem)
            if page == 1:
                total_count, total_pages = _count(info, "total_count"), _count(info, "total_pages")
            seen.update(entry["id"] for entry in entries)
            zones.extend(_zone_entry(entry) for entry in entries)
            per_page = _count(info, "per_page") or ZONES_PER_PAGE
            pages = total_pages if total_pages is not None else (
                math.ceil(total_count / per_page) if total_count is not None else None)
            if pages is None:
                if len(entries) < per_page:
                    break
                if page >= MAX_ZONE_PAGES_UNANNOUNCED:
                    raise IncompleteListingError("the list of zones announces no total_pages or total_count and still answers "
                                                 "full pages after %d pages" % page)
            elif page >= pages:
                break
            elif len(entries) < per_page:
                raise IncompleteListingError("the list of zones is incomplete or inconsistent (page %d of %d holds %d zone(s), "
                                             "not a full page of %d)" % (page, pages, len(entries), per_page))
            page += 1
        if total_count is not None and len(zones) != total_count:
            raise IncompleteListingError("the list of zones is incomplete or inconsistent (%d zone(s) on %d page(s), but "
                                         "result_info.total_count says %d)" % (len(zones), page, total_count))
        if name is not None:
            zones = [zone for zone in zones if zone["name"].lower() == name]
        return sorted(zones, key=lambda zone: (zone["name"].lower(), zone["id"]))

    # -- single mappings --------------------------------------------------------

    def list_mappings(self, zone_id):
        """Every mapping of the zone, following every page; IncompleteListingError when pages disagree."""
        path = self.generation.collection(zone_id)
        if not self.generation.paginated:
            result = self._result("GET", path)
            if result is None:
                return []
            if not isinstance(result, list):
                raise UnexpectedAnswerError("GET", path, 200, "result should be a list of mappings, got %s" % _describe(result))
            return [self._entry("GET", path, entry) for entry in result]
        listing = _Listing(zone_id)
        page, pages = 1, None
        while True:
            envelope = self._call("GET", path, params={"page": page, "per_page": PER_PAGE})
            entries = envelope.get("result")
            if not isinstance(entries, list):
                raise UnexpectedAnswerError("GET", path, 200, "result of page %d should be a list, got %s" % (page, _describe(entries)))
            info = envelope.get("result_info")
            listing.add_page(page, [self._entry("GET", path, entry) for entry in entries], info)
            per_page = _count(info, "per_page") or PER_PAGE
            if page == 1:
                pages = listing.pages_to_read(per_page)
            if pages is None:
                # Nothing announced: a short page is the last; a full one proves nothing, so stop at a bound.
                if len(entries) < per_page:
                    break
                if page >= MAX_PAGES_UNANNOUNCED:
                    raise listing.problem("the server announces no total_pages or total_count and still answers full "
                                          "pages after %d pages" % page)
            elif page >= pages:
                break
            elif len(entries) < per_page:
                raise listing.problem("page %d of %d holds %d mapping(s), not a full page of %d"
                                      % (page, pages, len(entries), per_page))
            page += 1
        return listing.finish(page)

    def get_mapping(self, zone_id, origin_ip):
        """The mapping of one canonical IP, or None when it does not exist."""
        path = self.generation.item(zone_id, origin_ip)
        try:
            entry = self._result("GET", path)
        except CloudflareAPIError as exc:
            if self._is_mapping_absent(exc):
                return None
            raise
        return self._entry("GET", path, entry)

    def upsert_mapping(self, zone_id, origin_ip, vendor, region, exists=True):
        """Create or replace one mapping; returns it as the server stored it."""
        generation = self.generation
        body = generation.request_item(origin_ip, vendor, region)
        if generation.upsert_with_put:
            path = generation.item(zone_id, origin_ip)
            return self._entry("PUT", path, self._result("PUT", path, body=body))
        path = generation.collection(zone_id)
        if not exists:
            try:
                return self._entry("POST", path, self._result("POST", path, body=body))
            except CloudflareAPIError as exc:
                # Created meanwhile (or by a retried POST): fall through to the upsert.
                if MAPPING_EXISTS_CODE not in exc.codes:
                    raise
        # v1 PATCH answers with the zone's whole list: pick ours out of it.
        entries = self._result("PATCH", path, body=body)
        if not isinstance(entries, list):
            raise UnexpectedAnswerError("PATCH", path, 200, "result should be the zone's list of mappings, got %s" % _describe(entries))
        for entry in entries:
            mapping = self._entry("PATCH", path, entry)
            if mapping["origin_ip"] == origin_ip:
                return mapping
        return canonical_mapping(origin_ip, vendor, region)

    def delete_mapping(self, zone_id, origin_ip):
        """Delete one mapping; False when there was nothing to delete."""
        try:
            self._call("DELETE", self.generation.item(zone_id, origin_ip))
        except CloudflareAPIError as exc:
            if self._is_mapping_absent(exc):
                return False
            raise
        return True

    # -- batches: one request of at most BATCH_LIMIT items each -----------------

    def _batch(self, method, zone_id, bodies):
        if len(bodies) > BATCH_LIMIT:
            raise ValueError("a batch holds at most %d items, got %d" % (BATCH_LIMIT, len(bodies)))
        path = self.generation.batch(zone_id)
        answer = self._result(method, path, body=bodies)
        if not isinstance(answer, dict) or not all(isinstance(answer.get(key), list) for key in ("succeeded", "failed")):
            raise UnexpectedAnswerError(method, path, 200, "result should be {succeeded: [...], failed: [...]}, got %s"
                                        % _describe(answer))
        ip_of = self.generation.batch_item_ip
        return BatchResult(
            succeeded=[ip_of(item) for item in answer["succeeded"] if isinstance(item, dict)],
            failed=[{"origin_ip": ip_of(item), "error": item.get("error") or "unknown error"}
                    for item in answer["failed"] if isinstance(item, dict)])

    def batch_upsert(self, zone_id, mappings):
        """Create or replace up to BATCH_LIMIT mappings in one request."""
        bodies = [self.generation.request_item(m["origin_ip"], m["vendor"], m["region"]) for m in mappings]
        return self._batch(self.generation.batch_write_method, zone_id, bodies)

    def batch_delete(self, zone_id, origin_ips):
        """Delete up to BATCH_LIMIT mappings in one request."""
        return self._batch("DELETE", zone_id, list(origin_ips))

    # -- catalogue --------------------------------------------------------------

    def supported_regions(self, zone_id):
        """The raw catalogue: ``{obtained_codes, vendors: {vendor: [{name, upper_tier_colos}]}}``."""
        path = self.generation.supported_regions(zone_id)
        result = self._call("GET", path).get("result")
        if not isinstance(result, dict) or not isinstance(result.get("vendors"), dict):
            raise UnexpectedAnswerError("GET", path, 200, "result should be {obtained_codes, vendors: {...}}, got %s" % _describe(result))
        return {"obtained_codes": bool(result.get("obtained_codes")), "vendors": result["vendors"]}
