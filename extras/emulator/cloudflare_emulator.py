# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Local emulator of Cloudflare's "origin cloud region mappings" API (v1 and v2).

Run it as a program::

    python3 extras/emulator/cloudflare_emulator.py --port 0

(the first stdout line is the base URL, ``http://127.0.0.1:PORT/client/v4``), or
use it in-process::

    emu = Emulator(port=0)
    base_url = emu.start()
    ...
    emu.stop()

Both API generations are served from ONE store (zone -> canonical IP -> mapping),
exactly as the reference says Cloudflare keeps one per-zone setting record.
Every behaviour the public sources leave open is decided, numbered and tested;
see docs/emulator.md.  Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import http.server
import json
import math
import os
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REGIONS_FILE = os.path.join(HERE, "supported_regions.json")

API_PREFIX = "/client/v4"
ADMIN_PREFIX = "/__emulator__"
VENDORS = ("aws", "azure", "gcp", "oci")
DEFAULT_TOKEN = "test-token"
DEFAULT_ZONES = {"example.com": "023e105f4ecef8ad9ca31a8372d0c353"}
DEFAULT_MAX_MAPPINGS = 3500
MAX_BATCH_ITEMS = 100
SETTING_ID = "origin_public_cloud_region"
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
STATE_FORMAT_VERSION = 1
REQUEST_LOG_SIZE = 10000
# Zones list paging follows Cloudflare's zones API (min 5, max 50); mapping lists follow the OpenAPI (1..100).
MAPPING_PAGING = (20, 1, 100)
ZONE_PAGING = (20, 5, 50)


# --------------------------------------------------------------------------- IP text (the emulator's own parser)
#
# Written from RFC 4291 section 2.2 (what may be read) and RFC 5952 sections 4 and 5 (what is
# written), on purpose WITHOUT the ``ipaddress`` module and without the collection's
# plugins/module_utils/_ip.py: the emulator plays the server, and a server that shares the
# client's normalizer cannot catch the client's normalization bugs (decision 52).

class InvalidIPError(ValueError):
    """The value is not one plain IPv4 or IPv6 address in text form."""


_DECIMAL_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_IP_CHARACTERS = _HEX_DIGITS | frozenset(":.")
_IPV4_MAPPED_PREFIX = 0xFFFF  # ::ffff:0:0/96 is the address shifted right by 32 bits


def _parse_ipv4(text):
    """Dotted quad -> 32-bit int: exactly 4 decimal parts, 0-255, no leading zeros."""
    parts = text.split(".")
    if len(parts) != 4:
        raise InvalidIPError("%r: an IPv4 address has exactly 4 dot-separated parts" % text)
    value = 0
    for part in parts:
        if not part or not _DECIMAL_DIGITS.issuperset(part):
            raise InvalidIPError("%r: IPv4 parts are decimal numbers" % text)
        if len(part) > 1 and part[0] == "0":
            raise InvalidIPError("%r: leading zeros are ambiguous (octal?) and refused" % text)
        if len(part) > 3 or int(part) > 255:
            raise InvalidIPError("%r: IPv4 parts are at most 255" % text)
        value = (value << 8) | int(part)
    return value


def _parse_groups(texts, where):
    groups = []
    for text in texts:
        if not text:
            raise InvalidIPError("%r: empty group (a lone ':' or more than two ':' in a row)" % where)
        if len(text) > 4 or not _HEX_DIGITS.issuperset(text):
            raise InvalidIPError("%r: a group is 1 to 4 hex digits" % where)
        groups.append(int(text, 16))
    return groups


def _parse_ipv6(text):
    """RFC 4291 2.2 text form -> 128-bit int: 8 groups, at most one '::', dotted IPv4 only as the last 32 bits."""
    hex_part, tail = text, []
    if "." in text:
        last = text.rsplit(":", 1)[-1]
        if "." not in last:
            raise InvalidIPError("%r: a dotted IPv4 part may only stand in the last 32 bits" % text)
        ipv4 = _parse_ipv4(last)
        tail = [ipv4 >> 16, ipv4 & 0xFFFF]
        hex_part = text[:-len(last)]
        if not hex_part.endswith("::"):
            hex_part = hex_part[:-1]  # the ':' that separates the groups from the dotted part
    if hex_part.count("::") > 1:
        raise InvalidIPError("%r: '::' may appear only once" % text)
    if "::" in hex_part:
        left, right = hex_part.split("::")
        head = _parse_groups(left.split(":") if left else [], text)
        rest = _parse_groups(right.split(":") if right else [], text) + tail
        if len(head) + len(rest) > 7:
            raise InvalidIPError("%r: '::' must stand for at least one group of zeros" % text)
        groups = head + [0] * (8 - len(head) - len(rest)) + rest
    else:
        groups = _parse_groups(hex_part.split(":") if hex_part else [], text) + tail
        if len(groups) != 8:
            raise InvalidIPError("%r: an IPv6 address without '::' has exactly 8 groups" % text)
    value = 0
    for group in groups:
        value = (value << 16) | group
    return value


def parse_ip(value):
    """Return ``(4, int)`` or ``(6, int)`` for one IP address in text form, else raise InvalidIPError.

    Refused: non-strings, the empty string, CIDR prefixes, zone ids, host names, and any
    character that cannot be part of an address, surrounding whitespace included (D52).
    """
    if not isinstance(value, str):
        raise InvalidIPError("a value of type %s is not an IP address" % type(value).__name__)
    if not value:
        raise InvalidIPError("the IP address is empty")
    if "/" in value:
        raise InvalidIPError("%r is a network (CIDR prefix), not one address" % value)
    if "%" in value:
        raise InvalidIPError("%r carries a zone id" % value)
    if not _IP_CHARACTERS.issuperset(value):
        raise InvalidIPError("%r is not an IP address (host names and whitespace are refused)" % value)
    if ":" in value:
        return 6, _parse_ipv6(value)
    return 4, _parse_ipv4(value)


def format_ipv4(value):
    """32-bit int -> dotted quad."""
    return "%d.%d.%d.%d" % (value >> 24, (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


def format_ipv6(value):
    """128-bit int -> RFC 5952 text.

    Section 4: lower-case hex, no leading zeros, '::' for the longest run of two or more
    zero groups (the first such run on a tie), never for a single zero group.  Section 5:
    IPv4-mapped addresses (::ffff:0:0/96) in mixed notation, ``::ffff:192.0.2.1``.  Other
    prefixes that embed IPv4 (deprecated IPv4-compatible ::/96, 64:ff9b::/96, ...) stay hex.
    """
    if value >> 32 == _IPV4_MAPPED_PREFIX:
        return "::ffff:" + format_ipv4(value & 0xFFFFFFFF)
    groups = [(value >> shift) & 0xFFFF for shift in range(112, -16, -16)]
    best_start, best_length, index = 0, 0, 0
    while index < 8:
        end = index
        while end < 8 and groups[end] == 0:
            end += 1
        if end - index > best_length:
            best_start, best_length = index, end - index
        index = max(end, index + 1)
    texts = ["%x" % group for group in groups]
    if best_length < 2:
        return ":".join(texts)
    return ":".join(texts[:best_start]) + "::" + ":".join(texts[best_start + best_length:])


def normalize_ip(value):
    """The canonical text of one address: dotted quad for IPv4, RFC 5952 for IPv6 (IPv4-mapped stays IPv6)."""
    version, number = parse_ip(value)
    return format_ipv4(number) if version == 4 else format_ipv6(number)


# --------------------------------------------------------------------------- errors

class Code:
    """Envelope error codes.  The first block is documented by Cloudflare, the second chosen here (docs/emulator.md)."""

    INTERNAL = 1140
    NOT_FOUND = 1142
    ALREADY_EXISTS = 1145
    INVALID_IP = 1146
    BAD_VENDOR_REGION = 1157
    DELETE_NOT_FOUND = 1163
    TOO_MANY_MAPPINGS = 1164
    NO_ROUTE = 7000
    METHOD_NOT_ALLOWED = 7001
    UNKNOWN_ZONE = 7003
    MISSING_AUTH = 9106
    AUTH_ERROR = 10000
    RATE_LIMITED = 971
    # Emulator choices: the sources publish no code for these.
    INVALID_PAGINATION = 1148
    MALFORMED_BODY = 1149
    BATCH_TOO_LARGE = 1150


MSG_NOT_FOUND = "Unable to retrieve origin_public_cloud_region setting value. The zone setting does not exist."
MSG_DELETE_NOT_FOUND = "Unable to delete origin_public_cloud_region setting value. The zone setting does not exist."
MSG_ALREADY_EXISTS = "Unable to create new origin_public_cloud_region setting. The zone setting already exists."
MSG_INVALID_IP = "Invalid or missing origin IP address."
MSG_IP_MISMATCH = "body origin_ip does not match URL"
MSG_TOO_MANY = "Maximum number of IP mappings configured for zone."
MSG_NO_MAPPING = "No origin cloud region mapping exists for this origin IP."
MSG_RATE_LIMITED = "Please wait and consider throttling your request speed"


class ApiError(Exception):
    """A Cloudflare-style failure: HTTP status plus one envelope error."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class ItemError(ValueError):
    """One request item is invalid; carries the envelope code used when it is not part of a batch."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def vendor_region_message(vendor, region):
    """The 1157 message, naming what was sent (missing values are named as such)."""
    return "vendor %s doesn't exist or the region %s does not exist for the specified cloud vendor" % (
        "(missing)" if vendor is None else json.dumps(vendor), "(missing)" if region is None else json.dumps(region))


# --------------------------------------------------------------------------- small helpers

def rfc3339(epoch):
    """RFC 3339 UTC timestamp with 'Z', second precision like the documented examples."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def ip_sort_key(canonical_ip):
    """Numeric order with every IPv4 address before every IPv6 address."""
    return parse_ip(canonical_ip)


def parse_rate_limit(text):
    """Parse ``N/SECONDS`` into ``(N, SECONDS)``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*", str(text))
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise ValueError("rate limit must look like N/SECONDS with N >= 1 and SECONDS > 0, got %r" % (text,))
    return int(match.group(1)), float(match.group(2))


def parse_zone(text):
    """Parse ``NAME=ID`` from ``--zone``."""
    name, sep, zone_id = str(text).partition("=")
    if not sep or not name.strip() or not zone_id.strip():
        raise ValueError("zone must look like NAME=ID, got %r" % (text,))
    return name.strip(), zone_id.strip()


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback."""
    if host == "localhost":
        return True
    try:
        version, value = parse_ip(host.split("%", 1)[0])
    except InvalidIPError:
        return False
    if version == 6 and value >> 32 == _IPV4_MAPPED_PREFIX:
        version, value = 4, value & 0xFFFFFFFF
    return value >> 24 == 127 if version == 4 else value == 1


# --------------------------------------------------------------------------- region catalogue

class RegionCatalog:
    """The supported_regions fixture and the vendor/region check built on it."""

    def __init__(self, document):
        vendors = document.get("vendors") if isinstance(document, dict) else None
        if not isinstance(vendors, dict) or not isinstance(document.get("obtained_codes"), bool):
            raise ValueError("regions document must be {\"obtained_codes\": bool, \"vendors\": {...}}")
        self.document = document
        self._names = {vendor: frozenset(item["name"] for item in items) for vendor, items in vendors.items()}

    @classmethod
    def from_file(cls, path):
        """Read a fixture file shaped like the supported_regions result."""
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def check(self, vendor, region):
        """Raise ItemError(1157) unless vendor is a known lower-case vendor and region belongs to it."""
        if not isinstance(vendor, str) or not isinstance(region, str):
            raise ItemError(Code.BAD_VENDOR_REGION, vendor_region_message(vendor, region))
        # Exact, case-sensitive match: the API enum is lower case (decision 5).
        if vendor not in VENDORS or region not in self._names.get(vendor, ()):
            raise ItemError(Code.BAD_VENDOR_REGION, vendor_region_message(vendor, region))


def canonical_ip(value):
    """Normalize one IP for storage/lookup, raising ItemError(1146) when it is not one."""
    try:
        return normalize_ip(value)
    except InvalidIPError:
        raise ItemError(Code.INVALID_IP, MSG_INVALID_IP) from None


def parse_mapping(raw, ip_key, catalog, expected_ip=None):
    """Validate one ``{<ip_key>, region, vendor}`` object; return (canonical_ip, vendor, region).

    Checks run IP, then (single PUT only) path/body equality after normalization, then vendor/region.
    """
    if not isinstance(raw, dict):
        raise ItemError(Code.MALFORMED_BODY, "each item must be a JSON object with %s, region and vendor" % ip_key)
    ip = canonical_ip(raw.get(ip_key))
    if expected_ip is not None and ip != expected_ip:
        raise ItemError(Code.INVALID_IP, MSG_IP_MISMATCH)
    catalog.check(raw.get("vendor"), raw.get("region"))
    return ip, raw["vendor"], raw["region"]


# --------------------------------------------------------------------------- the store

class CapExceeded(Exception):
    """Applying the write would leave the zone with more than max_mappings mappings."""


class AlreadyExists(Exception):
    """A create-only write named an IP that is already mapped."""


class MappingStore:
    """Per-zone mappings keyed by canonical IP, shared by both API generations.

    Records are ``{"vendor", "region", "modified_on"}``.  All access goes through one
    lock; lists are served from a per-zone sorted cache rebuilt lazily after writes,
    so paging through 3,500 mappings does not re-sort on every page.
    """

    def __init__(self, max_mappings=DEFAULT_MAX_MAPPINGS, clock=time.time, state_file=None):
        self.max_mappings = max_mappings
        self.clock = clock
        self.state_file = state_file
        self.lock = threading.RLock()
        self._zones = {}
        self._sorted = {}
        if state_file and os.path.exists(state_file):
            self._load(state_file)

    # -- persistence
    def _load(self, path):
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        if not isinstance(document, dict) or not isinstance(document.get("zones"), dict):
            raise ValueError("%s is not an emulator state file" % path)
        for zone_id, mappings in document["zones"].items():
            self._zones[zone_id] = {normalize_ip(ip): dict(record) for ip, record in mappings.items()}

    def _persist(self):
        """Write the whole store atomically (temp file + rename) so a crash never leaves half a file."""
        if not self.state_file:
            return
        payload = json.dumps({"version": STATE_FORMAT_VERSION, "zones": self._zones}, separators=(",", ":"), sort_keys=True)
        directory = os.path.dirname(os.path.abspath(self.state_file))
        handle, tmp_path = tempfile.mkstemp(prefix=".emulator-state-", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as tmp:
                tmp.write(payload)
            os.replace(tmp_path, self.state_file)
        except BaseException:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise

    def _touched(self, zone_id):
        self._sorted.pop(zone_id, None)
        if not self._zones.get(zone_id):
            # Removing the last mapping removes the zone's record, as Cloudflare documents.
            self._zones.pop(zone_id, None)
        self._persist()

    # -- reads
    def items(self, zone_id):
        """All (ip, record) pairs of a zone in list order (decision 1); records are shared, do not mutate."""
        with self.lock:
            cached = self._sorted.get(zone_id)
            if cached is None:
                zone = self._zones.get(zone_id, {})
                cached = sorted(zone.items(), key=lambda pair: ip_sort_key(pair[0]))
                self._sorted[zone_id] = cached
            return cached

    def get(self, zone_id, ip):
        """A copy of one record, or None."""
        with self.lock:
            record = self._zones.get(zone_id, {}).get(ip)
            return dict(record) if record else None

    def counts(self):
        """Number of mappings per zone (zones without mappings are absent)."""
        with self.lock:
            return {zone_id: len(zone) for zone_id, zone in self._zones.items()}

    def snapshot(self):
        """Deep copy of every zone's mappings."""
        with self.lock:
            return {zone_id: {ip: dict(rec) for ip, rec in zone.items()} for zone_id, zone in self._zones.items()}

    # -- writes
    def upsert_many(self, zone_id, mappings, create_only=False):
        """Create or replace several (ip, vendor, region) at once; all or nothing against the cap.

        Returns [(ip, record_copy, changed)].  ``modified_on`` only moves when vendor or
        region changes (decision 18).  With create_only, an existing IP raises AlreadyExists.
        """
        with self.lock:
            zone = self._zones.get(zone_id, {})
            new_ips = {ip for ip, _vendor, _region in mappings if ip not in zone}
            if create_only and len(new_ips) != len(mappings):
                raise AlreadyExists()
            if new_ips and len(zone) + len(new_ips) > self.max_mappings:
                raise CapExceeded()
            zone = self._zones.setdefault(zone_id, zone)
            now = rfc3339(self.clock())
            results = []
            for ip, vendor, region in mappings:
                record = zone.get(ip)
                changed = record is None or record["vendor"] != vendor or record["region"] != region
                if changed:
                    record = zone[ip] = {"vendor": vendor, "region": region, "modified_on": now}
                results.append((ip, dict(record), changed))
            if any(changed for _ip, _rec, changed in results):
                self._touched(zone_id)
            return results

    def delete_many(self, zone_id, ips):
        """Delete several IPs; returns [(ip, deleted_record_or_None)]."""
        with self.lock:
            zone = self._zones.get(zone_id, {})
            results = [(ip, zone.pop(ip, None)) for ip in ips]
            if any(record for _ip, record in results):
                self._touched(zone_id)
            return results

    def seed(self, zone_id, records):
        """Insert prepared {ip: record} pairs without validation against the API rules (tests and admin)."""
        with self.lock:
            zone = self._zones.setdefault(zone_id, {})
            zone.update(records)
            self._touched(zone_id)

    def clear(self):
        """Forget every mapping (and rewrite the state file empty)."""
        with self.lock:
            self._zones.clear()
            self._sorted.clear()
            self._persist()


# --------------------------------------------------------------------------- response shaping

class V2Shape:
    """Current generation: flat entries keyed ``origin_ip``; result not wrapped."""

    name = "v2"
    request_ip_key = "origin_ip"
    response_ip_key = "origin_ip"
    delete_not_found = (Code.NOT_FOUND, MSG_NOT_FOUND)
    delete_items_carry_values = True

    def entry(self, ip, record):
        """One mapping as the API spells it."""
        return {self.response_ip_key: ip, "region": record["region"], "vendor": record["vendor"], "modified_on": record["modified_on"]}

    def wrap(self, value, modified_on):  # pylint: disable=unused-argument
        """v2 answers are not wrapped."""
        return value

    def deleted(self, ip, record):  # pylint: disable=unused-argument
        """v2 single delete returns only the canonical IP."""
        return {"origin_ip": ip}

    def batch_item(self, ip, record=None, error=None):
        """One ``succeeded``/``failed`` element."""
        item = {self.response_ip_key: ip}
        if error is not None:
            item["error"] = error
        elif record is not None:
            item["region"] = record["region"]
            item["vendor"] = record["vendor"]
        return item


class V1Shape(V2Shape):
    """Deprecated generation: ``origin-ip`` keys, requests use ``ip``, results wrapped in the setting object."""

    name = "v1"
    request_ip_key = "ip"
    response_ip_key = "origin-ip"
    delete_not_found = (Code.DELETE_NOT_FOUND, MSG_DELETE_NOT_FOUND)
    # The v1 docs say region/vendor appear on succeeded items "for patch operations" only (decision 24).
    delete_items_carry_values = False

    def wrap(self, value, modified_on):
        return {"id": SETTING_ID, "editable": True, "value": value, "modified_on": modified_on}

    def deleted(self, ip, record):
        return self.wrap(self.entry(ip, record), record["modified_on"])


V1 = V1Shape()
V2 = V2Shape()


# --------------------------------------------------------------------------- request / response objects

class Call:
    """One parsed API request as handlers see it."""

    def __init__(self, method, path, query, body, params, app):
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.params = params
        self.app = app

    @property
    def zone_id(self):
        """The zone_id path parameter."""
        return self.params.get("zone_id")

    def path_ip(self):
        """The canonical path IP, or 400/1146."""
        try:
            return canonical_ip(self.params.get("origin_ip"))
        except ItemError as exc:
            raise ApiError(400, exc.code, exc.message) from None

    def json(self, kind):
        """The decoded JSON body, required to be of type ``kind`` (dict or list), else 400/1149."""
        if not self.body:
            raise ApiError(400, Code.MALFORMED_BODY, "Request body is required: expected a JSON %s." % _KIND_NAMES[kind])
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, Code.MALFORMED_BODY, "Malformed JSON in request body.") from None
        if not isinstance(value, kind):
            raise ApiError(400, Code.MALFORMED_BODY, "Request body must be a JSON %s." % _KIND_NAMES[kind])
        return value

    def query_int(self, name, default, minimum, maximum):
        """An integer query parameter within bounds, else 400/1148."""
        values = self.query.get(name)
        if not values:
            return default
        text = values[-1]
        if not re.fullmatch(r"[0-9]+", text) or not minimum <= int(text) <= (maximum or int(text)):
            bound = "between %d and %d" % (minimum, maximum) if maximum else ">= %d" % minimum
            raise ApiError(400, Code.INVALID_PAGINATION, "Invalid pagination parameters: %s must be an integer %s." % (name, bound))
        return int(text)


_KIND_NAMES = {dict: "object", list: "array"}


class Reply:
    """A successful answer: the envelope ``result`` (+ ``result_info`` for paged lists)."""

    def __init__(self, result, result_info=None):
        self.result = result
        self.result_info = result_info


def envelope_ok(reply):
    """The success envelope."""
    body = {"success": True, "errors": [], "messages": [], "result": reply.result}
    if reply.result_info is not None:
        body["result_info"] = reply.result_info
    return body


def envelope_error(code, message):
    """The failure envelope."""
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}


def paginate(call, items, paging):
    """Slice ``items`` per page/per_page and build result_info (a page past the end is 200 and empty)."""
    default, minimum, maximum = paging
    page = call.query_int("page", 1, 1, None)
    per_page = call.query_int("per_page", default, minimum, maximum)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items),
            "total_pages": math.ceil(len(items) / per_page)}
    return chunk, info


# --------------------------------------------------------------------------- handlers (shared by v1 and v2)

def _newest(records):
    stamps = [record["modified_on"] for record in records if record]
    return max(stamps) if stamps else None


def _upsert_or_raise(call, mappings, create_only=False):
    try:
        return call.app.store.upsert_many(call.zone_id, mappings, create_only=create_only)
    except CapExceeded:
        raise ApiError(403, Code.TOO_MANY_MAPPINGS, MSG_TOO_MANY) from None
    except AlreadyExists:
        raise ApiError(400, Code.ALREADY_EXISTS, MSG_ALREADY_EXISTS) from None


def _parse_single(call, shape, expected_ip=None):
    try:
        return parse_mapping(call.json(dict), shape.request_ip_key, call.app.catalog, expected_ip)
    except ItemError as exc:
        raise ApiError(400, exc.code, exc.message) from None


def handle_list_v2(call, shape):
    """GET /origin/cloud_regions: paged, sorted."""
    chunk, info = paginate(call, call.app.store.items(call.zone_id), MAPPING_PAGING)
    return Reply([shape.entry(ip, rec) for ip, rec in chunk], info)


def handle_list_v1(call, shape):
    """GET /cache/origin_cloud_regions: every mapping, no paging, wrapped."""
    items = call.app.store.items(call.zone_id)
    return Reply(shape.wrap([shape.entry(ip, rec) for ip, rec in items], _newest(rec for _ip, rec in items)))


def handle_get(call, shape):
    """GET one mapping; unknown IP (or empty zone) -> 404/1142."""
    ip = call.path_ip()
    record = call.app.store.get(call.zone_id, ip)
    if record is None:
        raise ApiError(404, Code.NOT_FOUND, MSG_NOT_FOUND)
    return Reply(shape.wrap(shape.entry(ip, record), record["modified_on"]))


def handle_put(call, shape):
    """v2 PUT /{ip}: create or replace; body IP must equal the path IP after normalization."""
    ((ip, record, _changed),) = _upsert_or_raise(call, [_parse_single(call, shape, expected_ip=call.path_ip())])
    return Reply(shape.entry(ip, record))


def handle_create_v1(call, shape):
    """v1 POST: create only; an existing IP -> 400/1145."""
    ip, vendor, region = _parse_single(call, shape)
    ((ip, record, _changed),) = _upsert_or_raise(call, [(ip, vendor, region)], create_only=True)
    return Reply(shape.wrap(shape.entry(ip, record), record["modified_on"]))


def handle_patch_v1(call, shape):
    """v1 PATCH: upsert one mapping and answer with the zone's whole list."""
    _upsert_or_raise(call, [_parse_single(call, shape)])
    return handle_list_v1(call, shape)


def handle_delete(call, shape):
    """DELETE one mapping; unknown IP -> 404 (1142 on v2, 1163 on v1)."""
    ip = call.path_ip()
    ((ip, record),) = call.app.store.delete_many(call.zone_id, [ip])
    if record is None:
        raise ApiError(404, *shape.delete_not_found)
    return Reply(shape.deleted(ip, record))


def _batch_body(call):
    items = call.json(list)
    if len(items) > MAX_BATCH_ITEMS:
        raise ApiError(400, Code.BATCH_TOO_LARGE, "A batch may contain at most %d items; got %d." % (MAX_BATCH_ITEMS, len(items)))
    return items


def _raw_ip_of(item, key):
    """What to echo as the IP of a failed item: the raw string sent, or "" when there was none.

    ``key`` None means the item itself is the IP (batch delete bodies are arrays of strings).
    """
    if key is None:
        value = item
    else:
        value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else ""


def _triage(items, parse, raw_ip):
    """Validate batch items one by one.

    Returns (accepted [(index, parsed)], failed {index: (echo_ip, error)}).  A repeated
    IP (after normalization) fails; its first occurrence wins (decision 14).
    """
    accepted, failed, seen = [], {}, {}
    for index, item in enumerate(items):
        try:
            parsed = parse(item)
        except ItemError as exc:
            failed[index] = (raw_ip(item), exc.message)
            continue
        ip = parsed[0] if isinstance(parsed, tuple) else parsed
        if ip in seen:
            failed[index] = (ip, "duplicate origin IP in batch: already listed at index %d" % seen[ip])
            continue
        seen[ip] = index
        accepted.append((index, parsed))
    return accepted, failed


def _failed_items(shape, failed):
    return [shape.batch_item(ip, error=error) for _index, (ip, error) in sorted(failed.items())]


def handle_batch_upsert(call, shape):
    """PUT (v2) / PATCH (v1) /batch: merge; per-item validation; the cap is checked for the batch as a whole."""
    items = _batch_body(call)
    accepted, failed = _triage(items, lambda item: parse_mapping(item, shape.request_ip_key, call.app.catalog),
                               lambda item: _raw_ip_of(item, shape.request_ip_key))
    results = _upsert_or_raise(call, [parsed for _index, parsed in accepted]) if accepted else []
    result = {"succeeded": [shape.batch_item(ip, record) for ip, record, _changed in results],
              "failed": _failed_items(shape, failed)}
    return Reply(shape.wrap(result, _newest(record for _ip, record, _changed in results)))


def handle_batch_delete(call, shape):
    """DELETE /batch: body is a JSON array of IP strings; unknown or invalid IPs land in ``failed``."""
    items = _batch_body(call)
    accepted, failed = _triage(items, canonical_ip, lambda item: _raw_ip_of(item, None))
    deleted = call.app.store.delete_many(call.zone_id, [ip for _index, ip in accepted])
    succeeded = []
    for (index, _ip), (ip, record) in zip(accepted, deleted):
        if record is None:
            failed[index] = (ip, MSG_NO_MAPPING)
        else:
            succeeded.append(shape.batch_item(ip, record if shape.delete_items_carry_values else None))
    modified_on = rfc3339(call.app.store.clock()) if succeeded else None
    return Reply(shape.wrap({"succeeded": succeeded, "failed": _failed_items(shape, failed)}, modified_on))


def handle_supported_regions(call, shape):  # pylint: disable=unused-argument
    """GET /supported_regions: the fixture, identical for both generations (never wrapped)."""
    return Reply(call.app.catalog.document)


def handle_list_zones(call, shape):  # pylint: disable=unused-argument
    """GET /zones[?name=]: Cloudflare zones list envelope; unknown name -> empty list."""
    wanted = (call.query.get("name") or [None])[-1]
    zones = [zone for zone in call.app.zone_objects() if wanted is None or zone["name"].lower() == wanted.lower()]
    chunk, info = paginate(call, zones, ZONE_PAGING)
    return Reply(chunk, info)


def handle_get_zone(call, shape):  # pylint: disable=unused-argument
    """GET /zones/{zone_id}."""
    return Reply(call.app.zone_object(call.zone_id))


# --------------------------------------------------------------------------- routing

V2_BASE = "/zones/{zone_id}/origin/cloud_regions"
V1_BASE = "/zones/{zone_id}/cache/origin_cloud_regions"

# (method, template, handler, shape).  Templates are relative to /client/v4.
ROUTES = (
    ("GET", "/zones", handle_list_zones, None),
    ("GET", "/zones/{zone_id}", handle_get_zone, None),
    ("GET", V2_BASE, handle_list_v2, V2),
    ("GET", V2_BASE + "/supported_regions", handle_supported_regions, V2),
    ("PUT", V2_BASE + "/batch", handle_batch_upsert, V2),
    ("DELETE", V2_BASE + "/batch", handle_batch_delete, V2),
    ("GET", V2_BASE + "/{origin_ip}", handle_get, V2),
    ("PUT", V2_BASE + "/{origin_ip}", handle_put, V2),
    ("DELETE", V2_BASE + "/{origin_ip}", handle_delete, V2),
    ("GET", V1_BASE, handle_list_v1, V1),
    ("POST", V1_BASE, handle_create_v1, V1),
    ("PATCH", V1_BASE, handle_patch_v1, V1),
    ("GET", V1_BASE + "/supported_regions", handle_supported_regions, V1),
    ("PATCH", V1_BASE + "/batch", handle_batch_upsert, V1),
    ("DELETE", V1_BASE + "/batch", handle_batch_delete, V1),
    ("GET", V1_BASE + "/{origin_ip}", handle_get, V1),
    ("DELETE", V1_BASE + "/{origin_ip}", handle_delete, V1),
)

# "batch" and "supported_regions" are reserved words, never IPs, so GET /batch is a 405 rather than a bad IP.
_PARAM_PATTERNS = {"zone_id": r"[^/]+", "origin_ip": r"(?!batch$|supported_regions$)[^/]+"}


def _compile(template):
    pattern = re.sub(r"\{(\w+)\}", lambda m: "(?P<%s>%s)" % (m.group(1), _PARAM_PATTERNS[m.group(1)]), template)
    return re.compile("^" + pattern + "$")


class Router:
    """Maps (method, path) to a route; also tells 404 (no path) from 405 (path, other method)."""

    def __init__(self, routes=ROUTES):
        self._routes = [(method, template, _compile(template), handler, shape) for method, template, handler, shape in routes]

    def match(self, method, path):
        """Return (template, handler, shape, params, allowed_methods); handler is None on 404/405."""
        allowed, template_seen = [], None
        for route_method, template, regex, handler, shape in self._routes:
            found = regex.match(path)
            if not found:
                continue
            params = {key: urllib.parse.unquote(value) for key, value in found.groupdict().items()}
            if route_method == method:
                return template, handler, shape, params, [route_method]
            allowed.append(route_method)
            template_seen = template_seen or template
        return template_seen, None, None, {}, allowed


# --------------------------------------------------------------------------- traffic policy: faults, rate limit, stats

class FaultInjector:
    """Deterministic (seeded) faults: dropped connections, 500/503 answers, fixed delay."""

    def __init__(self, fail_rate=0.0, drop_rate=0.0, delay=0.0, seed=None):
        self.lock = threading.Lock()
        self.configure(fail_rate=fail_rate, drop_rate=drop_rate, delay=delay, seed=seed)

    def configure(self, fail_rate=None, drop_rate=None, delay=None, seed=None):
        """Change any of the knobs (None keeps the current value); a seed restarts the random sequence."""
        with self.lock:
            fail = float(getattr(self, "fail_rate", 0.0) if fail_rate is None else fail_rate)
            drop = float(getattr(self, "drop_rate", 0.0) if drop_rate is None else drop_rate)
            pause = float(getattr(self, "delay", 0.0) if delay is None else delay)
            if min(fail, drop, pause) < 0 or fail + drop > 1.0:
                raise ValueError("fail_rate and drop_rate must be >= 0 with a sum <= 1, and delay >= 0")
            self.fail_rate, self.drop_rate, self.delay = fail, drop, pause
            if seed is not None or not hasattr(self, "rng"):
                self.rng = random.Random(seed)

    def decide(self):
        """One draw per API request: 'drop', 500, 503 or None.

        A single draw keeps the sequence reproducible for a given seed whatever the rates.
        """
        with self.lock:
            if not self.fail_rate and not self.drop_rate:
                return None
            draw = self.rng.random()
        if draw < self.drop_rate:
            return "drop"
        if draw < self.drop_rate + self.fail_rate:
            return 500 if draw - self.drop_rate < self.fail_rate / 2 else 503
        return None


# --------------------------------------------------------------------------- deterministic fault rules

FAULT_METHODS = ("GET", "PUT", "DELETE", "PATCH", "POST")
FAULT_ROUTES = ("list", "item", "batch", "supported_regions", "zones", "collection")
FAULT_ACTIONS = ("status", "drop", "drop_after_apply", "delay", "delay_after_apply", "body",
                 "empty_page", "repeat_page", "ignore_paging", "result_info")
# Actions that run the normal pipeline (random faults, rate limit, auth, handler) and then shape the answer.
APPLYING_ACTIONS = frozenset(("drop_after_apply", "delay_after_apply", "body", "empty_page", "repeat_page",
                              "ignore_paging", "result_info"))
# Actions that only make sense on a paged mapping list (v2 GET of the collection).
PAGING_ACTIONS = frozenset(("empty_page", "repeat_page", "ignore_paging", "result_info"))
BODY_KINDS = ("result_empty_object", "result_empty_list", "result_null", "truncated_json", "html", "not_envelope", "raw")
RESULT_INFO_FIELDS = ("page", "per_page", "count", "total_count", "total_pages")
_RULE_COMMON_FIELDS = ("method", "route", "page", "after", "times", "action")
_RULE_ACTION_FIELDS = {
    "status": ("status", "code", "message", "retry_after", "headers"),
    "drop": (),
    "drop_after_apply": (),
    "delay": ("seconds",),
    "delay_after_apply": ("seconds",),
    "body": ("body", "status", "raw", "content_type", "headers"),
    "empty_page": (),
    "repeat_page": (),
    "ignore_paging": (),
    "result_info": ("result_info",),
}
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FRAMING_HEADERS = frozenset(("content-length", "transfer-encoding", "connection"))
_DEFAULT_FAULT_MESSAGES = {429: MSG_RATE_LIMITED, 500: "Internal error.", 503: "Service temporarily unavailable."}
_HTML_PAGE = ("<!DOCTYPE html>\n<html><head><title>%(status)d %(reason)s</title></head>\n"
              "<body><h1>%(status)d %(reason)s</h1>\n<p>An HTML error page instead of the API answer "
              "(emulator fault rule, body \"html\").</p></body></html>\n")


class RawBody:
    """An answer body that is not a JSON envelope: bytes sent as they are, with their Content-Type."""

    def __init__(self, data, content_type):
        self.data = data
        self.content_type = content_type


def json_bytes(payload):
    """The compact JSON encoding every answer uses."""
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _http_reason(status):
    return http.server.BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]


def _check_status(value, where):
    if not _is_int(value) or not 200 <= value <= 599 or value in (204, 304):
        raise ValueError("%s.status: must be an integer HTTP status from 200 to 599 (not 204 or 304), got %s"
                         % (where, json.dumps(value)))
    return value


def _check_headers(value, where):
    if not isinstance(value, dict):
        raise ValueError("%s.headers: must be an object of header name -> string value" % where)
    for name, text in value.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError("%s.headers: %s is not a valid header name" % (where, json.dumps(name)))
        if name.lower() in _FRAMING_HEADERS:
            raise ValueError("%s.headers.%s: set by the emulator (message framing), cannot be overridden" % (where, name))
        if not isinstance(text, str) or "\r" in text or "\n" in text:
            raise ValueError("%s.headers.%s: must be a string without line breaks" % (where, name))
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("%s.headers.%s: must be latin-1 text" % (where, name)) from None
    return dict(value)


def _check_seconds(value, where):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise ValueError("%s.seconds: required, a number of seconds >= 0, got %s" % (where, json.dumps(value)))
    return float(value)


class FaultRule:
    """One validated rule (see docs/emulator.md, "Deterministic fault rules").

    ``spec`` is the object exactly as given (echoed by ``faults()``); the attributes hold
    the parsed values with defaults.  ``passed`` counts requests let through by ``after``,
    ``hits`` the requests acted on.  Both change only under FaultRules.lock.
    """

    def __init__(self, spec, where="rule"):
        if not isinstance(spec, dict):
            raise ValueError("%s: must be a JSON object with at least \"action\"" % where)
        action = spec.get("action")
        if action not in FAULT_ACTIONS:
            raise ValueError("%s.action: required, one of %s; got %s" % (where, ", ".join(FAULT_ACTIONS), json.dumps(action)))
        allowed = _RULE_COMMON_FIELDS + _RULE_ACTION_FIELDS[action]
        for field in spec:
            if field not in allowed:
                raise ValueError("%s.%s: unknown field for action %s (allowed: %s)" % (where, field, json.dumps(action), ", ".join(allowed)))
        self.spec = json.loads(json.dumps(spec))
        self.action = action
        self.method = spec.get("method")
        if self.method is not None and self.method not in FAULT_METHODS:
            raise ValueError("%s.method: must be one of %s, got %s" % (where, ", ".join(FAULT_METHODS), json.dumps(self.method)))
        self.route = spec.get("route")
        if self.route is not None and self.route not in FAULT_ROUTES:
            raise ValueError("%s.route: must be one of %s, got %s" % (where, ", ".join(FAULT_ROUTES), json.dumps(self.route)))
        self.page = spec.get("page")
        if self.page is not None:
            if not _is_int(self.page) or self.page < 1:
                raise ValueError("%s.page: must be an integer >= 1, got %s" % (where, json.dumps(self.page)))
            if self.route not in (None, "list"):
                raise ValueError("%s.page: matches list requests only, but route is %s" % (where, json.dumps(self.route)))
        if action in PAGING_ACTIONS:
            if self.route not in (None, "list"):
                raise ValueError("%s.route: action %s acts on list requests only, got %s" % (where, json.dumps(action), json.dumps(self.route)))
            if self.method not in (None, "GET"):
                raise ValueError("%s.method: action %s acts on GET list requests only, got %s" % (where, json.dumps(action), json.dumps(self.method)))
        self.after = spec.get("after", 0)
        if not _is_int(self.after) or self.after < 0:
            raise ValueError("%s.after: must be an integer >= 0, got %s" % (where, json.dumps(self.after)))
        self.times = spec.get("times", 1)
        if self.times is not None and (not _is_int(self.times) or self.times < 1):
            raise ValueError("%s.times: must be an integer >= 1 or null (forever), got %s" % (where, json.dumps(self.times)))
        self.headers = _check_headers(spec["headers"], where) if "headers" in spec else {}
        self.seconds = _check_seconds(spec.get("seconds"), where) if action in ("delay", "delay_after_apply") else 0.0
        if action == "status":
            self._parse_status(spec, where)
        elif action == "body":
            self._parse_body(spec, where)
        elif action == "result_info":
            overrides = spec.get("result_info")
            if not isinstance(overrides, dict):
                raise ValueError("%s.result_info: required, an object overriding some of %s" % (where, ", ".join(RESULT_INFO_FIELDS)))
            for field in overrides:
                if field not in RESULT_INFO_FIELDS:
                    raise ValueError("%s.result_info.%s: not a result_info field (%s)" % (where, field, ", ".join(RESULT_INFO_FIELDS)))
            self.result_info = dict(overrides)
        self.passed = 0
        self.hits = 0

    def _parse_status(self, spec, where):
        self.status = _check_status(spec.get("status", 503), where)
        self.code = spec.get("code", Code.RATE_LIMITED if self.status == 429 else Code.INTERNAL)
        if not _is_int(self.code):
            raise ValueError("%s.code: must be an integer envelope error code, got %s" % (where, json.dumps(self.code)))
        self.message = spec.get("message", _DEFAULT_FAULT_MESSAGES.get(self.status, _http_reason(self.status) + "."))
        if not isinstance(self.message, str):
            raise ValueError("%s.message: must be a string" % where)
        if "retry_after" in spec:
            retry_after = spec["retry_after"]
            if not isinstance(retry_after, str) or "\r" in retry_after or "\n" in retry_after:
                raise ValueError("%s.retry_after: must be a string without line breaks, sent verbatim as Retry-After (e.g. \"2\"), got %s"
                                 % (where, json.dumps(retry_after)))
            self.headers = _check_headers(dict(self.headers, **{"Retry-After": retry_after}), where)

    def _parse_body(self, spec, where):
        self.body = spec.get("body")
        if self.body not in BODY_KINDS:
            raise ValueError("%s.body: required, one of %s; got %s" % (where, ", ".join(BODY_KINDS), json.dumps(self.body)))
        self.status = _check_status(spec.get("status", 200), where)
        if self.body == "raw":
            if not isinstance(spec.get("raw"), str):
                raise ValueError("%s.raw: required with body \"raw\", a string" % where)
            self.content_type = spec.get("content_type", "text/plain")
            if not isinstance(self.content_type, str) or "\r" in self.content_type or "\n" in self.content_type:
                raise ValueError("%s.content_type: must be a string without line breaks" % where)
        else:
            for field in ("raw", "content_type"):
                if field in spec:
                    raise ValueError("%s.%s: only with body \"raw\"" % (where, field))

    # -- matching
    def used_up(self):
        """True once the rule acted ``times`` times."""
        return self.times is not None and self.hits >= self.times

    def matches(self, facts):
        """Do the match fields (and the implicit ones of paging actions) fit this request?"""
        if self.method is not None and facts.method != self.method:
            return False
        if self.route is not None and facts.route != self.route:
            return False
        if self.page is not None and (facts.route != "list" or facts.page != self.page):
            return False
        if self.action in PAGING_ACTIONS and not facts.paged_list:
            return False
        if self.action == "repeat_page" and not (facts.page or 0) >= 2:
            return False
        return True

    def describe(self):
        """The rule as given plus ``hits`` and ``remaining`` (null for a rule without end)."""
        return dict(self.spec, hits=self.hits, remaining=None if self.times is None else self.times - self.hits)

    # -- answers
    def status_answer(self):
        """(status, envelope, headers) of a ``status`` rule."""
        return self.status, envelope_error(self.code, self.message), dict(self.headers)

    def body_answer(self, real_payload):
        """(status, RawBody, headers) of a ``body`` rule, given the answer the pipeline produced."""
        ok_envelope = {"success": True, "errors": [], "messages": []}
        if self.body == "raw":
            return self.status, RawBody(self.spec["raw"].encode("utf-8"), self.content_type), dict(self.headers)
        if self.body == "html":
            page = _HTML_PAGE % {"status": self.status, "reason": _http_reason(self.status)}
            return self.status, RawBody(page.encode("utf-8"), "text/html"), dict(self.headers)
        if self.body == "truncated_json":
            real = real_payload.data if isinstance(real_payload, RawBody) else json_bytes(real_payload)
            return self.status, RawBody(real[:len(real) // 2], "application/json"), dict(self.headers)
        if self.body == "not_envelope":
            document = {"error": "upstream answered with a document that is not an API envelope", "emulator_fault": "not_envelope"}
        else:
            result = {"result_empty_object": {}, "result_empty_list": [], "result_null": None}[self.body]
            document = dict(ok_envelope, result=result)
        return self.status, RawBody(json_bytes(document), "application/json"), dict(self.headers)


class RequestFacts:
    """What a rule can match on: method, route kind, list page, and whether the answer is a paged mapping list."""

    def __init__(self, method, template, query):
        self.method = method
        self.route = route_kind(method, template)
        self.paged_list = method == "GET" and template == V2_BASE
        self.page = None
        if self.route == "list":
            values = query.get("page")
            text = values[-1] if values else "1"
            self.page = int(text) if re.fullmatch(r"[0-9]+", text) else None


def route_kind(method, template):
    """The rule ``route`` of a matched path template (None for a path that matches no route)."""
    if template is None:
        return None
    if template.startswith("/zones/{zone_id}/"):
        if template.endswith("/batch"):
            return "batch"
        if template.endswith("/supported_regions"):
            return "supported_regions"
        if template.endswith("/{origin_ip}"):
            return "item"
        return "list" if method == "GET" else "collection"
    return "zones"


class FaultRules:
    """The ordered rule queue.  The first rule that matches and is not used up takes the request."""

    def __init__(self):
        self.lock = threading.Lock()
        self._rules = []

    @staticmethod
    def parse(rules, prefix="rules"):
        """Validate a list of rule objects; raise ValueError naming the first bad field."""
        if not isinstance(rules, list):
            raise ValueError("%s: must be a list of rule objects" % prefix)
        return [FaultRule(rule, "%s[%d]" % (prefix, index)) for index, rule in enumerate(rules)]

    def add(self, rules):
        """Append already-validated FaultRule objects; return how many rules the queue now holds."""
        with self.lock:
            self._rules.extend(rules)
            return len(self._rules)

    def clear(self):
        """Remove every rule; return how many there were."""
        with self.lock:
            count = len(self._rules)
            self._rules = []
            return count

    def describe(self):
        """Every rule, used up or not, in order."""
        with self.lock:
            return [rule.describe() for rule in self._rules]

    def take(self, facts):
        """The rule that acts on this request, or None (no rule matched, or the matching one let it pass)."""
        with self.lock:
            for rule in self._rules:
                if rule.used_up() or not rule.matches(facts):
                    continue
                if rule.passed < rule.after:
                    rule.passed += 1
                    return None
                rule.hits += 1
                return rule
            return None


class RateLimiter:
    """Sliding-window limit: at most ``limit`` admitted requests in any ``window`` seconds."""

    def __init__(self, limit=None, window=None, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.configure(limit, window)

    def configure(self, limit, window):
        """Set or (with limit None) remove the limit."""
        with self.lock:
            self.limit, self.window = limit, window
            self._stamps = collections.deque()

    def admit(self):
        """None when admitted, else the Retry-After value (whole seconds, rounded up, >= 1)."""
        with self.lock:
            if not self.limit:
                return None
            now = self.clock()
            while self._stamps and self._stamps[0] <= now - self.window:
                self._stamps.popleft()
            if len(self._stamps) >= self.limit:
                return max(1, math.ceil(self._stamps[0] + self.window - now))
            self._stamps.append(now)
            return None


class Stats:
    """Request counters and a bounded request log, safe across handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        """Zero everything."""
        with self.lock:
            self.requests = 0
            self.by_method = collections.Counter()
            self.by_route = collections.Counter()
            self.by_status = collections.Counter()
            self.writes = 0
            self.rate_limited = 0
            self.connections = 0
            # Random faults count as "dropped", "500", "503"; fault rules under their action name.
            self.faults = collections.Counter(dict.fromkeys(("dropped", "500", "503") + FAULT_ACTIONS, 0))
            self.log = collections.deque(maxlen=REQUEST_LOG_SIZE)

    def record(self, method, path, template, status, started, applied_status=None, fault=None):
        """Count one API request.

        ``status`` is what was sent (None: the connection was dropped); ``applied_status``
        is what the normal pipeline answered when a fault rule then changed or dropped the
        answer (a write it applied counts in ``writes``); ``fault`` is the rule's action.
        """
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        with self.lock:
            self.requests += 1
            self.by_method[method] += 1
            self.by_route["%s %s" % (method, template or "<unmatched>")] += 1
            self.by_status[str(status) if status else "dropped"] += 1
            if applied_status == 200 and method in WRITE_METHODS:
                self.writes += 1
            if status == 429:
                self.rate_limited += 1
            self.log.append({"method": method, "path": path, "route": template, "status": status, "ms": elapsed_ms,
                             "fault": fault})

    def count_connection(self):
        """Count one accepted TCP connection (keep-alive reuse shows as few connections, many requests)."""
        with self.lock:
            self.connections += 1

    def count_fault(self, kind):
        """Count one injected fault: 'dropped', '500', '503' (random) or a rule's action name."""
        with self.lock:
            self.faults[kind] += 1

    def as_dict(self):
        """The JSON served at /__emulator__/stats (without the store part)."""
        with self.lock:
            return {"requests": self.requests, "by_method": dict(self.by_method), "by_route": dict(self.by_route),
                    "by_status": dict(self.by_status), "writes": self.writes, "rate_limited": self.rate_limited,
                    "faults": dict(self.faults), "connections": self.connections}

    def entries(self, limit=None):
        """The newest ``limit`` log entries (all when None), oldest first."""
        with self.lock:
            entries = list(self.log)
        return entries[-limit:] if limit else entries


# --------------------------------------------------------------------------- the application

class Authenticator:
    """Bearer tokens or one X-Auth-Email/X-Auth-Key pair."""

    def __init__(self, tokens, api_email=None, api_key=None):
        self.tokens = frozenset(tokens)
        self.pair = (api_email, api_key) if api_email and api_key else None

    def check(self, headers):
        """Raise 400/9106 when no credentials are sent, 403/10000 when they are wrong."""
        authorization = headers.get("Authorization")
        email, key = headers.get("X-Auth-Email"), headers.get("X-Auth-Key")
        if authorization is not None:
            scheme, _sep, token = authorization.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip() in self.tokens:
                return
            raise ApiError(403, Code.AUTH_ERROR, "Authentication error")
        if email and key:
            if self.pair and (email, key) == self.pair:
                return
            raise ApiError(403, Code.AUTH_ERROR, "Authentication error")
        raise ApiError(400, Code.MISSING_AUTH, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")


class App:
    """Everything behind the HTTP layer: store, catalogue, zones, policy, counters."""

    def __init__(self, tokens, zones, api_email, api_key, store, catalog, faults, limiter):
        self.auth = Authenticator(tokens, api_email, api_key)
        self.zones = dict(zones)
        self.store = store
        self.catalog = catalog
        self.faults = faults
        self.rules = FaultRules()
        self.limiter = limiter
        self.router = Router()
        self.stats = Stats()
        # Every sleep of the emulator (fault rules, --delay) goes through ``sleep``: stop() cuts
        # it short, and white-box tests replace it to observe or hold a delay without a clock.
        self.stopping = threading.Event()
        self.sleep = self.stopping.wait

    def zone_object(self, zone_id):
        """A Cloudflare zone object for a configured zone id."""
        name = next(name for name, known_id in self.zones.items() if known_id == zone_id)
        stamp = "2026-01-01T00:00:00Z"
        return {"id": zone_id, "name": name, "status": "active", "paused": False, "type": "full", "development_mode": 0,
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"], "original_name_servers": None,
                "original_registrar": None, "original_dnshost": None, "created_on": stamp, "modified_on": stamp,
                "activated_on": stamp, "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3,
                                                "phishing_detected": False},
                "owner": {"id": None, "type": "user", "email": None},
                "account": {"id": "01a7362d577a6c3019a474fd6f485823", "name": "Emulator account"},
                "permissions": ["#zone:read", "#zone:edit"],
                "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD",
                         "frequency": "", "is_subscribed": False, "can_subscribe": False, "legacy_id": "free",
                         "legacy_discount": False, "externally_managed": False}}

    def zone_objects(self):
        """All configured zones, sorted by name."""
        return [self.zone_object(zone_id) for _name, zone_id in sorted(self.zones.items())]

    def dispatch(self, method, path, query, headers, body):
        """Answer one API request: (status, payload, extra_headers), or None to drop the connection.

        ``path`` is relative to /client/v4 and still percent-encoded; ``query`` is the raw query
        string.  ``payload`` is an envelope dict, or a RawBody when a fault rule replaced it.
        Fault rules come first (decision 8); see docs/emulator.md, "Deterministic fault rules".
        """
        started = time.perf_counter()
        route = self.router.match(method, path)
        parsed_query = urllib.parse.parse_qs(query, keep_blank_values=True)
        rule = self.rules.take(RequestFacts(method, route[0], parsed_query))
        action = rule.action if rule else None
        if rule:
            self.stats.count_fault(action)
        if action in ("drop", "status"):
            # Not applied: no random fault draw, no rate-limit slot, no auth.
            answer = rule.status_answer() if action == "status" else (None, None, None)
            self.stats.record(method, API_PREFIX + path, route[0], answer[0], started, fault=action)
            return None if answer[0] is None else answer
        if action == "delay":
            self.sleep(rule.seconds)
        status, payload, extra = self._answer(method, path, parsed_query, headers, body, route, rule)
        applied_status = status  # what the normal pipeline answered: a 200 write was applied
        if action == "drop_after_apply":
            status = None
        elif action == "body" and status is not None:
            status, payload, extra = rule.body_answer(payload)
        self.stats.record(method, API_PREFIX + path, route[0], status, started, applied_status=applied_status, fault=action)
        if status is None:
            return None
        if action == "delay_after_apply":
            self.sleep(rule.seconds)
        return status, payload, extra

    def _answer(self, method, path, query, headers, body, route, rule=None):
        """The request pipeline: random fault, rate limit, auth, route, zone, handler (decision 8).

        ``rule`` is the fault rule acting on the request, if any: paging actions reshape the
        handler's list answer here, where the handler can be asked for another page.
        """
        template, handler, shape, params, allowed = route
        fault = self.faults.decide()
        if fault == "drop":
            self.stats.count_fault("dropped")
            return None, None, None
        try:
            if fault:
                self.stats.count_fault(str(fault))
                message = "Internal error." if fault == 500 else "Service temporarily unavailable."
                raise ApiError(fault, Code.INTERNAL, message)
            retry_after = self.limiter.admit()
            if retry_after is not None:
                raise ApiError(429, Code.RATE_LIMITED, MSG_RATE_LIMITED, {"Retry-After": str(retry_after)})
            self.auth.check(headers)
            if handler is None:
                self._raise_no_route(template, allowed)
            if "zone_id" in params and params["zone_id"] not in self.zones.values():
                raise ApiError(404, Code.UNKNOWN_ZONE, "Could not route to %s, perhaps your object identifier is invalid?" % path)
            call = Call(method, path, query, body, params, self)
            reply = handler(call, shape)
            if rule is not None and rule.action in PAGING_ACTIONS:
                reply = self._misbehave(rule, call, handler, shape, reply)
            return 200, envelope_ok(reply), {}
        except ApiError as exc:
            return exc.status, envelope_error(exc.code, exc.message), exc.headers
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # An emulator bug (or a failed state-file write) must still answer like Cloudflare, not cut the connection.
            traceback.print_exc()
            return 500, envelope_error(Code.INTERNAL, "Internal error (emulator: %s)." % type(exc).__name__), {}

    @staticmethod
    def _misbehave(rule, call, handler, shape, reply):
        """Reshape a paged list answer as a paging fault rule says (real data, wrong paging)."""
        info = dict(reply.result_info)

        def page_of(number):
            query = dict(call.query, page=[str(number)])
            return handler(Call(call.method, call.path, query, call.body, call.params, call.app), shape)

        if rule.action == "empty_page":
            return Reply([], dict(info, count=0))
        if rule.action == "repeat_page":
            return Reply(page_of(info["page"] - 1).result, info)
        if rule.action == "ignore_paging":
            first = page_of(1)
            return Reply(first.result, {key: value for key, value in first.result_info.items()
                                        if key not in ("total_count", "total_pages")})
        return Reply(reply.result, dict(info, **rule.result_info))

    @staticmethod
    def _raise_no_route(template, allowed):
        if template is None:
            raise ApiError(404, Code.NO_ROUTE, "No route for that URI")
        raise ApiError(405, Code.METHOD_NOT_ALLOWED, "Method not allowed", {"Allow": ", ".join(sorted(set(allowed)))})


# --------------------------------------------------------------------------- HTTP layer

class Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler that writes each answer with a single send.

    ``wbufsize = -1`` makes ``wfile`` buffered and ``_send`` builds status line,
    headers and body into one bytes object; together with TCP_NODELAY this avoids
    the ~40 ms delayed-ACK stall that a headers-then-body pair of small writes causes.
    """

    protocol_version = "HTTP/1.1"
    server_version = "cloudflare-emulator"
    sys_version = ""
    wbufsize = -1
    timeout = 300

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)
        self.server.app.stats.count_connection()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def handle_expect_100(self):
        # The base class leaves "100 Continue" in the buffered wfile; flush it or the client waits.
        self.send_response_only(100)
        self.end_headers()
        self.wfile.flush()
        return True

    def do_GET(self):  # pylint: disable=invalid-name
        """Serve GET."""
        self._serve()

    do_PUT = do_POST = do_PATCH = do_DELETE = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _serve(self):
        try:
            body = self._read_body()
        except ValueError:
            self._send(400, envelope_error(Code.MALFORMED_BODY, "Unreadable request body."), {})
            return
        split = urllib.parse.urlsplit(self.path)
        app = self.server.app
        if split.path.startswith(ADMIN_PREFIX):
            self._send(*self.server.admin.handle(self.command, split, body, self.client_address[0]))
            return
        if split.path != API_PREFIX and not split.path.startswith(API_PREFIX + "/"):
            self._send(404, envelope_error(Code.NO_ROUTE, "No route for that URI"), {})
            return
        answer = app.dispatch(self.command, split.path[len(API_PREFIX):] or "/", split.query, self.headers, body)
        if answer is None:
            self._drop()
            return
        if app.faults.delay:
            app.sleep(app.faults.delay)
        self._send(*answer)

    def _drop(self):
        """Close the connection without a byte of answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, status, payload, extra_headers):
        """Status line, headers and body built into ONE bytes object, written with one flush.

        ``payload`` is a JSON document, or a RawBody (fault rules: HTML, truncated JSON, ...).
        A ``Content-Type`` among ``extra_headers`` replaces the default one.
        """
        if isinstance(payload, RawBody):
            body, content_type = payload.data, payload.content_type
        else:
            body, content_type = json_bytes(payload), "application/json"
        extra = dict(extra_headers)
        for name in [name for name in extra if name.lower() == "content-type"]:
            content_type = extra.pop(name)
        lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("",))[0]),
                 "Content-Type: %s" % content_type, "Content-Length: %d" % len(body)]
        lines.extend("%s: %s" % item for item in extra.items())
        if self.close_connection:
            lines.append("Connection: close")
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            self.wfile.flush()
        except OSError:
            # The client gave up (e.g. its read timeout was shorter than a delay rule): nothing to answer to.
            self.close_connection = True


class AdminApi:
    """Loopback-only endpoints under /__emulator__ for tests and benchmarks in other processes."""

    def __init__(self, emulator):
        self.emulator = emulator
        self._routes = {("GET", "/stats"): self.stats, ("POST", "/reset"): self.reset, ("GET", "/state"): self.state,
                        ("POST", "/seed"): self.seed, ("POST", "/config"): self.config, ("GET", "/log"): self.log,
                        ("POST", "/faults"): self.add_faults, ("GET", "/faults"): self.faults,
                        ("DELETE", "/faults"): self.clear_faults}

    def handle(self, method, split, body, client_host):
        """Return (status, json, headers)."""
        if not is_loopback(client_host):
            return 403, {"error": "emulator admin endpoints answer loopback clients only"}, {}
        action = self._routes.get((method, split.path[len(ADMIN_PREFIX):]))
        if action is None:
            return 404, {"error": "unknown admin endpoint", "endpoints": sorted("%s %s%s" % (m, ADMIN_PREFIX, p) for m, p in self._routes)}, {}
        try:
            document = json.loads(body.decode("utf-8")) if body else {}
            return 200, action(document, urllib.parse.parse_qs(split.query)), {}
        except (ValueError, TypeError, KeyError) as exc:
            return 400, {"error": str(exc)}, {}

    def stats(self, _document, _query):
        """Counters (see Emulator.stats)."""
        return self.emulator.stats()

    def reset(self, _document, _query):
        """Clear mappings, counters, fault rules and the rate-limit window."""
        self.emulator.reset()
        return {"ok": True}

    def state(self, _document, _query):
        """All zones' mappings as canonical dicts."""
        return {"zones": {zone_id: self.emulator.mappings(zone_id) for zone_id in self.emulator.app.store.snapshot()}}

    def seed(self, document, _query):
        """Body {"zone_id": ..., "items": [{origin_ip, vendor, region}]}."""
        return {"seeded": self.emulator.seed_mappings(document["zone_id"], document["items"])}

    def config(self, document, _query):
        """Body with any of fail_rate, drop_rate, delay, seed, rate_limit ("N/S" or null), max_mappings."""
        self.emulator.configure(**document)
        return {"ok": True}

    def log(self, _document, query):
        """The newest request log entries (?limit=N)."""
        limit = int(query.get("limit", ["0"])[-1]) or None
        return {"requests": self.emulator.request_log(limit)}

    def add_faults(self, document, _query):
        """Body {"rules": [RULE, ...]}: validate all, then append; answer how many rules are queued."""
        if not isinstance(document, dict) or "rules" not in document:
            raise ValueError("body must be a JSON object {\"rules\": [RULE, ...]}")
        extra = sorted(set(document) - {"rules"})
        if extra:
            raise ValueError("%s: unknown field; the body is {\"rules\": [RULE, ...]}" % extra[0])
        return {"ok": True, "rules": self.emulator.add_faults(document["rules"])}

    def faults(self, _document, _query):
        """Every rule as given, plus hits and remaining."""
        return {"rules": self.emulator.faults()}

    def clear_faults(self, _document, _query):
        """Remove every rule."""
        return {"ok": True, "removed": self.emulator.clear_faults()}


class _Server(http.server.ThreadingHTTPServer):
    """Threading server that remembers open connections so stop() can cut idle keep-alive clients."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app, admin, verbose, family):
        self.address_family = family
        self.app = app
        self.admin = admin
        self.verbose = verbose
        self._open = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, connection, is_open):
        """Add or remove one accepted socket."""
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def close_all(self):
        """Shut down every open connection (handler threads then see EOF and exit)."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# --------------------------------------------------------------------------- public in-process API

class Emulator:
    """The emulator as a Python object: ``start()`` serves in a background thread.

    Keyword ``faults``: fail_rate, drop_rate, delay, seed (random faults).  ``fault_rules``:
    deterministic fault rules (``add_faults``).  ``rate_limit`` is ``(N, SECONDS)`` or
    ``"N/SECONDS"``; ``rate_limit_clock`` (monotonic seconds) drives its window.  ``clock``
    (epoch seconds) drives modified_on.
    """

    def __init__(self, host="127.0.0.1", port=0, tokens=(DEFAULT_TOKEN,), zones=None, api_email=None, api_key=None,
                 state_file=None, regions_file=DEFAULT_REGIONS_FILE, max_mappings=DEFAULT_MAX_MAPPINGS, rate_limit=None,
                 clock=time.time, verbose=False, fault_rules=None, rate_limit_clock=time.monotonic, **faults):
        self.host, self.port = host, port
        limiter = RateLimiter(clock=rate_limit_clock)
        store = MappingStore(max_mappings=max_mappings, clock=clock, state_file=state_file)
        self.app = App(tokens, DEFAULT_ZONES if zones is None else zones, api_email, api_key, store,
                       RegionCatalog.from_file(regions_file), FaultInjector(**faults), limiter)
        self.configure(rate_limit=rate_limit)
        if fault_rules:
            self.add_faults(fault_rules)
        self.verbose = verbose
        self.admin = AdminApi(self)
        self._server = None
        self._thread = None
        self.base_url = None

    # -- lifecycle
    def start(self):
        """Bind, serve in a daemon thread and return the base URL (``.../client/v4``)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.app.stopping.clear()
        self._server = _Server((self.host, self.port), self.app, self.admin, self.verbose, family)
        self.port = self._server.server_address[1]
        host = "[%s]" % self.host if family == socket.AF_INET6 else self.host
        self.root_url = "http://%s:%d" % (host, self.port)
        self.base_url = self.root_url + API_PREFIX
        self.admin_url = self.root_url + ADMIN_PREFIX
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="cloudflare-emulator", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self):
        """Stop accepting, cut open connections and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_all()
        self.app.stopping.set()  # after the cut: wakes handler threads sleeping in a delay, with nobody left to answer
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- store access
    def mappings(self, zone_id):
        """The zone's mappings in list order as ``{"origin_ip", "vendor", "region", "modified_on"}`` dicts."""
        return [V2.entry(ip, record) for ip, record in self.app.store.items(zone_id)]

    def seed_mappings(self, zone_id, items):
        """Insert mappings directly (no HTTP, no counters, cap not enforced); returns how many.

        Items are ``{"origin_ip", "vendor", "region"[, "modified_on"]}``; IPs are normalized
        and vendor/region are checked against the catalogue (ValueError when invalid).
        """
        now = rfc3339(self.app.store.clock())
        records = {}
        for item in items:
            try:
                ip, vendor, region = parse_mapping(item, "origin_ip", self.app.catalog)
            except ItemError as exc:
                raise ValueError("cannot seed %r: %s" % (item, exc.message)) from None
            records[ip] = {"vendor": vendor, "region": region, "modified_on": item.get("modified_on") or now}
        self.app.store.seed(zone_id, records)
        return len(records)

    # -- observation and control
    def stats(self):
        """Counters plus ``mappings`` (count per zone) and ``max_mappings``."""
        result = self.app.stats.as_dict()
        result["mappings"] = self.app.store.counts()
        result["max_mappings"] = self.app.store.max_mappings
        return result

    def request_log(self, limit=None):
        """Newest API requests: ``{"method", "path", "route", "status", "ms", "fault"}``.

        ``status`` None = dropped; ``fault`` is the action of the fault rule that acted on the
        request, or None.
        """
        return self.app.stats.entries(limit)

    def reset(self):
        """Clear mappings (and the state file), counters, fault rules and the rate-limit window."""
        self.app.store.clear()
        self.app.rules.clear()
        self.app.stats.reset()
        self.app.limiter.configure(self.app.limiter.limit, self.app.limiter.window)

    # -- deterministic fault rules
    def add_faults(self, rules):
        """Validate every rule (ValueError naming the bad field; nothing added then) and append them.

        Returns how many rules the queue holds now.
        """
        if not isinstance(rules, (list, dict, str)) and hasattr(rules, "__iter__"):
            rules = list(rules)  # a tuple or generator of rules; a single dict is refused by parse()
        return self.app.rules.add(FaultRules.parse(rules))

    def clear_faults(self):
        """Remove every fault rule; returns how many there were."""
        return self.app.rules.clear()

    def faults(self):
        """The rules in order, as given, each plus ``hits`` and ``remaining`` (None: no end)."""
        return self.app.rules.describe()

    def configure(self, rate_limit=False, max_mappings=None, **faults):
        """Change faults (fail_rate, drop_rate, delay, seed), ``rate_limit`` (None removes it) or ``max_mappings``."""
        if rate_limit is not False:
            limit = parse_rate_limit(rate_limit) if isinstance(rate_limit, str) else rate_limit
            self.app.limiter.configure(*(limit or (None, None)))
        if max_mappings is not None:
            self.app.store.max_mappings = int(max_mappings)
        if faults:
            self.app.faults.configure(**faults)


# --------------------------------------------------------------------------- command line

def build_parser():
    """The CLI flags (docs/emulator.md lists them)."""
    parser = argparse.ArgumentParser(description="Local emulator of Cloudflare's origin cloud region mappings API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: pick a free one)")
    parser.add_argument("--api-token", action="append", dest="tokens", help="accepted bearer token (repeatable; default test-token)")
    parser.add_argument("--api-email", help="X-Auth-Email accepted together with --api-key")
    parser.add_argument("--api-key", help="X-Auth-Key accepted together with --api-email")
    parser.add_argument("--zone", action="append", dest="zones", type=_arg(parse_zone),
                        help="NAME=ID (repeatable; default example.com=023e105f4ecef8ad9ca31a8372d0c353)")
    parser.add_argument("--state", help="JSON file: loaded at start, rewritten atomically after each write")
    parser.add_argument("--rate-limit", type=_arg(parse_rate_limit), help="N/SECONDS: 429 past N requests in any SECONDS window")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests answered 500/503")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of connections closed with no answer")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before every API answer")
    parser.add_argument("--seed", type=int, help="random seed for the random faults")
    parser.add_argument("--fault", action="append", dest="fault_rules", type=_arg(parse_fault_rule), metavar="JSON",
                        help="one deterministic fault rule as a JSON object (repeatable; docs/emulator.md)")
    parser.add_argument("--max-mappings", type=int, default=DEFAULT_MAX_MAPPINGS, help="per-zone cap (default 3500)")
    parser.add_argument("--regions", default=DEFAULT_REGIONS_FILE, help="supported_regions fixture")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser


def parse_fault_rule(text):
    """One ``--fault`` value: a JSON rule object, validated."""
    try:
        rule = json.loads(text)
    except ValueError as exc:
        raise ValueError("--fault: not JSON (%s): %r" % (exc, text)) from None
    FaultRule(rule, "--fault")
    return rule


def _arg(parse):
    def convert(text):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = parse.__name__
    return convert


def main(argv=None):
    """Run until SIGINT/SIGTERM; the first stdout line is the base URL."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.api_email is None) != (args.api_key is None):
        parser.error("--api-email and --api-key go together")
    if not is_loopback(args.host):
        sys.stderr.write("warning: binding %s, which is not a loopback address\n" % args.host)
    try:
        emulator = Emulator(host=args.host, port=args.port, tokens=args.tokens or [DEFAULT_TOKEN],
                            zones=dict(args.zones) if args.zones else None, api_email=args.api_email, api_key=args.api_key,
                            state_file=args.state, regions_file=args.regions, max_mappings=args.max_mappings,
                            rate_limit=args.rate_limit, fail_rate=args.fail_rate, drop_rate=args.drop_rate, delay=args.delay,
                            seed=args.seed, verbose=args.verbose, fault_rules=args.fault_rules)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    # The handler only appends to a list: Event.set() in a signal handler can deadlock when the
    # signal lands while the main thread holds the Event's internal lock (inside Event.wait).
    stop = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.append(True))
    print(emulator.start(), flush=True)
    sys.stderr.write("admin endpoints: %s/{stats,state,reset,seed,config,log,faults}\n" % emulator.admin_url)
    while not stop:
        time.sleep(0.1)
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
