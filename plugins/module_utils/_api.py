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

from ansible_collections.edgeops.cloudflare.plugins.module_utils._endpoints import (
    GENERATIONS,
    canonical_mapping,
    zone_lookup,
)

# A 404 with one of these is about the route or the zone, not the mapping: never "absent".
ROUTE_NOT_FOUND_CODES = frozenset((7000, 7003, 1001))
MAPPING_EXISTS_CODE = 1145
BATCH_LIMIT = 100
PER_PAGE = 100
# A zone holds at most 3,500 mappings (35 pages of 100); stop long before looping forever.
MAX_PAGES = 1000


class CloudflareAPIError(Exception):
    """Cloudflare answered with an error: keeps the HTTP status and every errors[] entry."""

    def __init__(self, method, path, status, errors=None, text="", enveloped=False):
        self.enveloped = enveloped
        self.method = method
        self.path = path
        self.status = status
        self.errors = [_error_entry(error) for error in (errors or [])]
        self.text = text
        self.partial = None
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


def _error_entry(error):
    if isinstance(error, dict):
        return {"code": error.get("code"), "message": error.get("message")}
    return {"code": None, "message": str(error)}


class BatchResult:
    """Merged answers of one or more batch requests."""

    def __init__(self):
        self.succeeded = []
        self.failed = []

    def add(self, generation, answer):
        for item in answer.get("succeeded") or []:
            self.succeeded.append(generation.mapping_from_entry(item))
        for item in answer.get("failed") or []:
            self.failed.append({"origin_ip": generation.batch_item_ip(item), "error": item.get("error") or "unknown error"})


def chunks(items, size=BATCH_LIMIT):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class OriginCloudRegionsClient:
    """Talks to one Cloudflare API endpoint through one transport."""

    def __init__(self, transport, base_url, generation="v2"):
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.generation = GENERATIONS[generation]
        self.requests_sent = 0

    # -- envelope ---------------------------------------------------------------

    def _call(self, method, path, params=None, body=None):
        """Send one request and return the whole success envelope, or raise CloudflareAPIError."""
        self.requests_sent += 1
        response = self.transport.request(method, self.base_url + path, params=params, json_body=body)
        envelope = response.data if isinstance(response.data, dict) else None
        if 200 <= response.status < 300 and envelope is not None and envelope.get("success", True) is not False:
            return envelope
        errors = (envelope or {}).get("errors") or []
        raise CloudflareAPIError(method, path, response.status, errors, response.text, enveloped=envelope is not None)

    def _result(self, method, path, params=None, body=None):
        return self.generation.unwrap(self._call(method, path, params, body).get("result"))

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
        # A fully qualified name ("example.com.") is the same zone; Cloudflare knows it without the dot.
        name = name.rstrip(".")
        path, params = zone_lookup(name)
        zones = self._call("GET", path, params=params).get("result") or []
        matches = [zone for zone in zones if str(zone.get("name", "")).lower() == name.lower()]
        if not matches:
            raise ValueError("no zone named %r is visible with these credentials" % name)
        if len(matches) > 1:
            raise ValueError("%d zones are named %r (ids %s); give zone_id instead"
                             % (len(matches), name, ", ".join(sorted(str(zone.get("id")) for zone in matches))))
        return matches[0]["id"]

    # -- single mappings --------------------------------------------------------

    def list_mappings(self, zone_id):
        """Every mapping of the zone, following every page."""
        path = self.generation.collection(zone_id)
        if not self.generation.paginated:
            return [self.generation.mapping_from_entry(entry) for entry in self._result("GET", path) or []]
        mappings = []
        for page in range(1, MAX_PAGES + 1):
            envelope = self._call("GET", path, params={"page": page, "per_page": PER_PAGE})
            entries = envelope.get("result") or []
            mappings.extend(self.generation.mapping_from_entry(entry) for entry in entries)
            total_pages = (envelope.get("result_info") or {}).get("total_pages")
            # Stop at the last page the server announces, or at the first empty page if it announces none.
            if not entries or (total_pages is not None and page >= total_pages):
                break
        return mappings

    def get_mapping(self, zone_id, origin_ip):
        """The mapping of one canonical IP, or None when it does not exist."""
        try:
            entry = self._result("GET", self.generation.item(zone_id, origin_ip))
        except CloudflareAPIError as exc:
            if self._is_mapping_absent(exc):
                return None
            raise
        return self.generation.mapping_from_entry(entry)

    def upsert_mapping(self, zone_id, origin_ip, vendor, region, exists=True):
        """Create or replace one mapping; returns it as the server stored it."""
        generation = self.generation
        body = generation.request_item(origin_ip, vendor, region)
        if generation.name == "v2":
            return generation.mapping_from_entry(self._result("PUT", generation.item(zone_id, origin_ip), body=body))
        if not exists:
            try:
                return generation.mapping_from_entry(self._result("POST", generation.collection(zone_id), body=body))
            except CloudflareAPIError as exc:
                # Created meanwhile (or by a retried POST): fall through to the upsert.
                if MAPPING_EXISTS_CODE not in exc.codes:
                    raise
        # v1 PATCH answers with the zone's whole list: pick ours out of it.
        for entry in self._result("PATCH", generation.collection(zone_id), body=body) or []:
            mapping = generation.mapping_from_entry(entry)
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

    # -- batches ----------------------------------------------------------------

    def _batch(self, method, zone_id, bodies):
        result = BatchResult()
        for chunk in chunks(bodies):
            try:
                answer = self._result(method, self.generation.batch(zone_id), body=chunk)
            except CloudflareAPIError as exc:
                exc.partial = result
                raise
            result.add(self.generation, answer or {})
        return result

    def batch_upsert(self, zone_id, mappings):
        """Create or replace many mappings, at most BATCH_LIMIT a request."""
        bodies = [self.generation.request_item(m["origin_ip"], m["vendor"], m["region"]) for m in mappings]
        return self._batch(self.generation.batch_write_method, zone_id, bodies)

    def batch_delete(self, zone_id, origin_ips):
        """Delete many mappings, at most BATCH_LIMIT a request."""
        return self._batch("DELETE", zone_id, list(origin_ips))

    # -- catalogue --------------------------------------------------------------

    def supported_regions(self, zone_id):
        """The raw catalogue: ``{obtained_codes, vendors: {vendor: [{name, upper_tier_colos}]}}``."""
        envelope = self._call("GET", self.generation.supported_regions(zone_id))
        result = envelope.get("result") or {}
        return {"obtained_codes": bool(result.get("obtained_codes")), "vendors": result.get("vendors") or {}}
