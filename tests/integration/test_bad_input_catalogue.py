# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A catalogue of bad input, run with real ansible-playbook against the emulator on 127.0.0.1.

One table (``CASES``) of tasks with bad input, for the three modules and the role. Every
case must:

(a) fail;
(b) fail with a ``msg`` that names the FIELD (every regex of ``field`` matches) and says
    what the PROBLEM is (the ``problem`` regex matches, case-insensitively) -- never an
    exact message. The problem regexes are chosen not to match the echoed bad value or a
    field name (``mapping`` is not ``mappings``, ``not a url`` is what the user typed);
(c) send no write request at all (no PUT/POST/PATCH/DELETE, the emulator's ``writes``
    counter unchanged, no zone's mapping count changed); and when the input is refusable
    before the network (``offline``, every case but the few marked ``offline=False``),
    send no request of any kind;
(d) when it passes a secret (a distinctive ``api_token`` or ``api_key``), never show it in
    stdout, stderr or the recorded task results, at ``-vvv``.

To stay fast the cases are batched: one playbook per group of cases, each case a task with
``ignore_errors: true`` (a role run: ``include_role`` in a block with a rescue), bracketed by
two controller-side tasks that read the emulator's request counters
(``/__emulator__/stats``, a url lookup: not an API request, not counted). The difference of
the two readings is what the case sent; the task results between them (recorded by the
harness's callback) are what it answered. Each group runs once, on first use, after an
emulator reset; the assertions are parametrized per case (pytest ids = case ids).

Cases that reach the API (``offline=False``: an unknown region needs the zone's
supported_regions, an unknown zone name needs the zone lookup) use the token the
emulator accepts, from the environment, like the other integration tests.
"""

from __future__ import annotations

import copy
import itertools
import json
import re

import pytest

from .harness import TOKEN, ZONE_ID, ZONE_NAME, run_playbook

SINGLE = "edgeops.cloudflare.origin_cloud_region"
BATCH = "edgeops.cloudflare.origin_cloud_regions"
INFO = "edgeops.cloudflare.origin_cloud_region_info"
ROLE = "edgeops.cloudflare.origin_cloud_regions (role)"
ROLE_NAME = "edgeops.cloudflare.origin_cloud_regions"

# The second zone of the shared emulator (tests/integration/conftest.py); the purge cases seed it.
NET_ZONE_ID = "0bd1a5a0b3b8c4d5e6f708192a3b4c5d"
# Valid credentials of the shared emulator, for the cases that reach the API.
AUTH_ENV = {"CLOUDFLARE_API_TOKEN": TOKEN}
# Distinctive secrets: finding one anywhere in the output is a leak.
SECRET_PREFIX = "catalogue-secret-"
WRITE_METHODS = ("PUT", "POST", "PATCH", "DELETE")
# Cases per ansible-playbook run: small enough that no run comes near the harness's timeout
# even on a busy machine, large enough to keep the startup cost down.
GROUP_SIZE = 16

DROP = object()  # an override value that removes a default option


class Case:
    """One bad input: a module task or a role run, and what its refusal must say."""

    def __init__(self, case_id, target, args, field, problem, offline=True, secrets=(), environment=None, seed=None):
        self.id = case_id
        self.target = target
        self.args = args
        self.field = (field,) if isinstance(field, str) else tuple(field)
        self.problem = problem
        self.offline = offline
        self.secrets = tuple(secrets)
        self.environment = environment
        self.seed = seed
        self.group = None

    def __repr__(self):
        return "Case(%s)" % self.id


_ips = ("198.18.%d.%d" % (third, fourth) for third in itertools.count(1) for fourth in range(1, 255))
_secret_numbers = itertools.count(1)


def _fresh_ip():
    """A valid IP used by no other case, so that a case that does write cannot disturb another."""
    return next(_ips)


def _token():
    # Fixed width: no token is a prefix of another.
    return "%stoken-XYZ-%03d" % (SECRET_PREFIX, next(_secret_numbers))


def _key():
    return "%skey-XYZ-%03d" % (SECRET_PREFIX, next(_secret_numbers))


def _merge(defaults, overrides):
    args = dict(defaults)
    for name, value in overrides.items():
        if value is DROP:
            args.pop(name, None)
        else:
            args[name] = value
    return args


def single(**overrides):
    return _merge({"zone_id": ZONE_ID, "origin_ip": _fresh_ip(), "vendor": "aws", "region": "us-east-1"}, overrides)


def batch(**overrides):
    return _merge({"zone_id": ZONE_ID, "mappings": [item()]}, overrides)


def info(**overrides):
    return _merge({"zone_id": ZONE_ID}, overrides)


def item(**overrides):
    return _merge({"origin_ip": _fresh_ip(), "vendor": "aws", "region": "us-east-1"}, overrides)


def role(**overrides):
    return _merge({"origin_cloud_regions_zone_id": ZONE_ID, "origin_cloud_regions_mappings": [item()]}, overrides)


def with_token(args, key="api_token"):
    """Add a distinctive token option; returns (args, secrets)."""
    token = _token()
    return dict(args, **{key: token}), (token,)


def _case(case_id, target, args, field, problem, **kwargs):
    return Case(case_id, target, args, field, problem, **kwargs)


def _secret_case(case_id, target, args, field, problem, key="api_token", **kwargs):
    args, secrets = with_token(args, key)
    return Case(case_id, target, args, field, problem, secrets=secrets, **kwargs)


# ---------------------------------------------------------------------------------- problems

CIDR = r"CIDR|prefix|network"
ZONE_ID_IN_IP = r"zone id|scope"
LEADING_ZEROS = r"leading zeros?"
HOST_NAME = r"host ?names?"
EMPTY = r"empty|blank|required|missing"
NOT_AN_IP = r"not a valid|invalid|not an IP"
CHOICES = r"must be one of|not one of|choices"
UNKNOWN_REGION = r"not valid|unknown|not supported|unsupported|valid regions"
BOTH = r"mutually exclusive|conflicts?|both|either"
ONE_REQUIRED = r"required|one of|missing"
HEX32 = r"32 hex"
UNKNOWN_ZONE = r"no zone|not found|unknown|does not exist"
POSITIVE = r"greater than 0|greater than zero|must be positive|> ?0|at least"
NOT_A_NUMBER = r"float|number|numeric|convert"
URL = r"https?://|http\(s\)|scheme"
MISSING = r"missing|required|together"
NO_CREDENTIALS = r"no Cloudflare credentials|empty|blank|whitespace|not given|missing"
UNSUPPORTED = r"unsupported|unknown|not supported|unexpected"
NOT_A_DICT = r"\bdict(ionary)?\b|\bmapping\b|\bobject\b"
CONFLICTS = r"conflicts?|disagree"
PURGE_ALL = r"allow_purge_all"

ORIGIN_IP = r"\borigin_ip\b"
VENDOR = r"\bvendor\b"
REGION = r"\bregion\b"
MAPPINGS = r"\bmappings\b"
ROLE_ITEM0 = r"\borigin_cloud_regions_mappings\[0\]"


def mappings_ip(index):
    return r"\bmappings\[%d\]\.origin_ip\b" % index


def purge_seed():
    """Mappings a wrong purge would delete from the second zone."""
    return {"zone_id": NET_ZONE_ID, "items": [
        {"origin_ip": "198.51.100.201", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "198.51.100.202", "vendor": "gcp", "region": "us-central1"},
        {"origin_ip": "2001:db8::202", "vendor": "azure", "region": "westeurope"},
    ]}


NO_ENV_CREDENTIALS = {"CLOUDFLARE_API_TOKEN": "", "CLOUDFLARE_EMAIL": "", "CLOUDFLARE_API_KEY": ""}


def _cases():
    cases = []
    add = cases.append

    # -- origin_cloud_region (one mapping) -----------------------------------------------
    # IPs
    add(_secret_case("single-ip-cidr", SINGLE, single(origin_ip="192.0.2.0/24"), ORIGIN_IP, CIDR))
    add(_secret_case("single-ip-zone-id", SINGLE, single(origin_ip="fe80::1%eth0"), ORIGIN_IP, ZONE_ID_IN_IP))
    add(_secret_case("single-ip-leading-zeros", SINGLE, single(origin_ip="192.0.2.001"), ORIGIN_IP, LEADING_ZEROS))
    add(_case("single-ip-host-name", SINGLE, single(origin_ip="origin.example.com"), ORIGIN_IP, HOST_NAME))
    add(_case("single-ip-empty", SINGLE, single(origin_ip=""), ORIGIN_IP, EMPTY))
    add(_case("single-ip-whitespace", SINGLE, single(origin_ip="   "), ORIGIN_IP, EMPTY))
    add(_case("single-ip-three-octets", SINGLE, single(origin_ip="1.2.3"), ORIGIN_IP, NOT_AN_IP + r"|octets"))
    add(_case("single-ip-octet-over-255", SINGLE, single(origin_ip="192.0.2.256"), ORIGIN_IP, NOT_AN_IP + r"|255|range"))
    add(_case("single-ip-double-compression", SINGLE, single(origin_ip="::1::2"), ORIGIN_IP, NOT_AN_IP + r"|'::'"))
    add(_case("single-ip-five-hex-digits", SINGLE, single(origin_ip="2001:db8::12345"), ORIGIN_IP,
              NOT_AN_IP + r"|4 (hex )?(characters|digits)"))
    add(_case("single-ip-integer", SINGLE, single(origin_ip=3221225985), ORIGIN_IP, NOT_AN_IP + r"|expected a string|octets"))
    # vendors and regions
    add(_secret_case("single-vendor-upper-case", SINGLE, single(vendor="AWS"), VENDOR, CHOICES))
    add(_case("single-vendor-amazon", SINGLE, single(vendor="amazon"), VENDOR, CHOICES))
    add(_case("single-vendor-empty", SINGLE, single(vendor=""), VENDOR, CHOICES + "|" + EMPTY))
    add(_case("single-present-without-vendor-and-region", SINGLE, single(vendor=DROP, region=DROP), VENDOR, MISSING))
    add(_case("single-region-empty", SINGLE, single(region=""), REGION, EMPTY))
    add(_case("single-region-whitespace", SINGLE, single(region="   "), REGION, EMPTY))
    add(_case("single-region-unknown-for-vendor", SINGLE, single(vendor="aws", region="us-nowhere-1"), REGION, UNKNOWN_REGION,
              offline=False))
    add(_case("single-region-of-another-vendor", SINGLE, single(vendor="gcp", region="us-east-1"), REGION, UNKNOWN_REGION,
              offline=False))
    add(_case("single-state-unknown", SINGLE, single(state="gone"), r"\bstate\b", CHOICES))
    add(_case("single-unknown-option", SINGLE, single(colour="blue"), r"\bcolour\b", UNSUPPORTED))
    # zones
    add(_case("single-zone-and-zone-id", SINGLE, single(zone=ZONE_NAME), (r"\bzone_id\b", r"\bzone\b"), BOTH))
    add(_case("single-no-zone", SINGLE, single(zone_id=DROP), (r"\bzone_id\b", r"\bzone\b"), ONE_REQUIRED))
    add(_case("single-zone-id-empty", SINGLE, single(zone_id=""), r"\bzone_id\b", EMPTY + "|" + HEX32))
    add(_case("single-zone-id-31-hex", SINGLE, single(zone_id=ZONE_ID[:-1]), r"\bzone_id\b", HEX32))
    add(_case("single-zone-id-not-hex", SINGLE, single(zone_id="zzzz105f4ecef8ad9ca31a8372d0c353"), r"\bzone_id\b", HEX32))
    add(_case("single-zone-id-dot-dot", SINGLE, single(zone_id=".."), r"\bzone_id\b", HEX32))
    add(_case("single-zone-id-path-traversal", SINGLE, single(zone_id="../../zones"), r"\bzone_id\b", HEX32))
    add(_case("single-zone-unknown-name", SINGLE, single(zone_id=DROP, zone="no-such-zone.example"), r"\bzone\b", UNKNOWN_ZONE,
              offline=False))
    # connection options
    add(_secret_case("single-timeout-zero", SINGLE, single(timeout=0), r"\btimeout\b", POSITIVE))
    add(_case("single-timeout-negative", SINGLE, single(timeout=-5), r"\btimeout\b", POSITIVE))
    add(_secret_case("single-timeout-not-a-number", SINGLE, single(timeout="abc"), r"\btimeout\b", NOT_A_NUMBER))
    add(_secret_case("single-api-generation-v3", SINGLE, single(api_generation="v3"), r"\bapi_generation\b", CHOICES))
    add(_case("single-api-base-url-ftp", SINGLE, single(api_base_url="ftp://x"), r"\bapi_base_url\b", URL))
    add(_case("single-api-base-url-not-a-url", SINGLE, single(api_base_url="not a url"), r"\bapi_base_url\b", URL))
    add(_case("single-api-base-url-without-host", SINGLE, single(api_base_url="https://"), r"\bapi_base_url\b", r"host"))
    # credentials
    add(_case("single-token-whitespace-only", SINGLE, single(api_token="   "), r"\bapi_token\b", NO_CREDENTIALS,
              environment=NO_ENV_CREDENTIALS))
    add(_case("single-email-without-key", SINGLE, single(api_email="ops@example.com"), r"\bapi_key\b", MISSING))
    add(_secret_case("single-key-without-email", SINGLE, single(), r"\bapi_email\b", MISSING, key="api_key"))
    token, key = _token(), _key()
    add(_case("single-token-and-email-key", SINGLE, single(api_token=token, api_email="ops@example.com", api_key=key),
              (r"\bapi_token\b", r"\bapi_key\b"), BOTH + r"|not both|both schemes", secrets=(token, key)))

    # -- origin_cloud_regions (batch) ----------------------------------------------------
    add(_secret_case("batch-item-not-a-dict", BATCH, batch(mappings=[item(), "192.0.2.1"]), MAPPINGS, NOT_A_DICT))
    add(_secret_case("batch-item-an-integer", BATCH, batch(mappings=[item(), 5]), MAPPINGS, NOT_A_DICT))
    add(_case("batch-mappings-not-a-list", BATCH, batch(mappings=item()), MAPPINGS, r"list"))
    add(_case("batch-mappings-missing", BATCH, batch(mappings=DROP), MAPPINGS, ONE_REQUIRED))
    add(_case("batch-item-without-origin-ip", BATCH, batch(mappings=[item(origin_ip=DROP)]), (ORIGIN_IP, MAPPINGS), MISSING))
    add(_case("batch-item-present-without-vendor", BATCH, batch(mappings=[item(), item(vendor=DROP)]), (VENDOR, MAPPINGS),
              MISSING + "|" + CHOICES))
    add(_case("batch-items-for-one-ip-disagree", BATCH,
              batch(mappings=[item(origin_ip="2001:db8::a"), item(origin_ip="2001:DB8:0::A", vendor="gcp", region="us-central1")]),
              r"\bmappings\[1\]", CONFLICTS))
    add(_case("batch-item-state-unknown", BATCH, batch(mappings=[item(state="gone")]), (r"\bstate\b", MAPPINGS), CHOICES))
    add(_case("batch-item-unknown-key", BATCH, batch(mappings=[item(colour="blue")]), (r"\bcolour\b", MAPPINGS), UNSUPPORTED))
    add(_secret_case("batch-item-ip-cidr", BATCH, batch(mappings=[item(), item(), item(origin_ip="198.51.100.0/24")]),
                     mappings_ip(2), CIDR))
    add(_case("batch-item-ip-zone-id", BATCH, batch(mappings=[item(origin_ip="fe80::1%eth0")]), mappings_ip(0), ZONE_ID_IN_IP))
    add(_case("batch-item-ip-leading-zeros", BATCH, batch(mappings=[item(), item(origin_ip="010.0.0.1")]), mappings_ip(1),
              LEADING_ZEROS))
    add(_case("batch-item-ip-host-name", BATCH, batch(mappings=[item(origin_ip="localhost")]), mappings_ip(0), HOST_NAME))
    add(_case("batch-item-ip-integer", BATCH, batch(mappings=[item(origin_ip=3221225985)]), mappings_ip(0),
              NOT_AN_IP + r"|expected a string|octets"))
    add(_case("batch-item-ip-empty", BATCH, batch(mappings=[item(origin_ip="")]), mappings_ip(0), EMPTY))
    add(_case("batch-item-vendor-upper-case", BATCH, batch(mappings=[item(vendor="AWS")]), (VENDOR, MAPPINGS), CHOICES))
    add(_case("batch-item-vendor-empty", BATCH, batch(mappings=[item(vendor="")]), (VENDOR, MAPPINGS), CHOICES + "|" + EMPTY))
    add(_case("batch-item-region-empty", BATCH, batch(mappings=[item(region="")]), (r"\bmappings\[0\]", REGION), EMPTY))
    add(_case("batch-item-region-whitespace", BATCH, batch(mappings=[item(), item(region="  ")]), (r"\bmappings\[1\]", REGION),
              EMPTY))
    add(_case("batch-region-unknown-for-vendor", BATCH, batch(mappings=[item(), item(vendor="oci", region="mars-north-1")]),
              REGION, UNKNOWN_REGION, offline=False))
    add(_case("batch-purge-empty-list", BATCH, batch(zone_id=NET_ZONE_ID, mappings=[], purge=True), r"\bpurge\b", PURGE_ALL,
              seed=purge_seed()))
    add(_case("batch-purge-only-absent-items", BATCH,
              batch(zone_id=NET_ZONE_ID, purge=True, mappings=[{"origin_ip": "198.51.100.201", "state": "absent"},
                                                               {"origin_ip": "192.0.2.99", "state": "absent"}]),
              r"\bpurge\b", PURGE_ALL, seed=purge_seed()))
    add(_case("batch-zone-and-zone-id", BATCH, batch(zone=ZONE_NAME), (r"\bzone_id\b", r"\bzone\b"), BOTH))
    add(_case("batch-zone-id-dot-dot", BATCH, batch(zone_id=".."), r"\bzone_id\b", HEX32))
    add(_case("batch-zone-id-not-hex", BATCH, batch(zone_id="023e105f4ecef8ad9ca31a8372d0c35g"), r"\bzone_id\b", HEX32))
    add(_secret_case("batch-timeout-zero", BATCH, batch(timeout=0), r"\btimeout\b", POSITIVE))
    add(_case("batch-api-base-url-ftp", BATCH, batch(api_base_url="ftp://x"), r"\bapi_base_url\b", URL))
    token, key = _token(), _key()
    add(_case("batch-token-and-email-key", BATCH, batch(api_token=token, api_email="ops@example.com", api_key=key),
              (r"\bapi_token\b", r"\bapi_key\b"), BOTH + r"|not both|both schemes", secrets=(token, key)))

    # -- origin_cloud_region_info -------------------------------------------------------
    add(_case("info-ip-cidr", INFO, info(origin_ip="192.0.2.0/25"), ORIGIN_IP, CIDR))
    add(_secret_case("info-ip-leading-zeros", INFO, info(origin_ip="192.000.2.1"), ORIGIN_IP, LEADING_ZEROS))
    add(_case("info-ip-host-name", INFO, info(origin_ip="www.example.com"), ORIGIN_IP, HOST_NAME))
    add(_case("info-ip-zone-id", INFO, info(origin_ip="fe80::1%25eth0"), ORIGIN_IP, ZONE_ID_IN_IP))
    add(_case("info-ip-empty", INFO, info(origin_ip=""), ORIGIN_IP, EMPTY))
    add(_case("info-zone-id-path-traversal", INFO, info(zone_id="../../zones"), r"\bzone_id\b", HEX32))
    add(_case("info-zone-id-31-hex", INFO, info(zone_id=ZONE_ID[1:]), r"\bzone_id\b", HEX32))
    add(_case("info-no-zone", INFO, info(zone_id=DROP), (r"\bzone_id\b", r"\bzone\b"), ONE_REQUIRED))
    add(_case("info-zone-unknown-name", INFO, info(zone_id=DROP, zone="example.org"), r"\bzone\b", UNKNOWN_ZONE, offline=False))
    add(_case("info-timeout-negative", INFO, info(timeout=-5), r"\btimeout\b", POSITIVE))
    add(_secret_case("info-api-generation-v3", INFO, info(api_generation="v3"), r"\bapi_generation\b", CHOICES))
    add(_case("info-api-base-url-not-a-url", INFO, info(api_base_url="not a url"), r"\bapi_base_url\b", URL))
    add(_case("info-email-without-key", INFO, info(api_email="ops@example.com"), r"\bapi_key\b", MISSING))
    add(_case("info-token-whitespace-only", INFO, info(api_token="\t "), r"\bapi_token\b", NO_CREDENTIALS,
              environment=NO_ENV_CREDENTIALS))

    # -- the role ------------------------------------------------------------------------
    add(_case("role-ip-invalid", ROLE, role(origin_cloud_regions_mappings=[item(origin_ip="192.0.2.300")]),
              r"\borigin_cloud_regions_mappings\[0\]\.origin_ip\b", NOT_AN_IP + r"|octet|255"))
    add(_secret_case("role-ip-cidr-with-token-variable", ROLE,
                     role(origin_cloud_regions_mappings=[item(), item(origin_ip="192.0.2.0/24")]),
                     r"\borigin_cloud_regions_mappings\[1\]\.origin_ip\b", CIDR, key="origin_cloud_regions_api_token"))
    add(_case("role-ip-leading-zeros-per-mapping-mode", ROLE,
              role(origin_cloud_regions_mode="per_mapping", origin_cloud_regions_mappings=[item(origin_ip="192.0.02.1")]),
              r"\borigin_cloud_regions_mappings\[0\]\.origin_ip\b", LEADING_ZEROS))
    add(_case("role-vendor-missing", ROLE, role(origin_cloud_regions_mappings=[item(vendor=DROP)]), (ROLE_ITEM0, VENDOR),
              CHOICES + "|" + MISSING))
    add(_case("role-vendor-upper-case", ROLE, role(origin_cloud_regions_mappings=[item(vendor="AWS")]), (ROLE_ITEM0, VENDOR),
              CHOICES))
    add(_case("role-mode-unknown", ROLE, role(origin_cloud_regions_mode="fast"), r"\borigin_cloud_regions_mode\b", CHOICES))
    add(_case("role-mapping-without-zone", ROLE, role(origin_cloud_regions_zone_id=""), ROLE_ITEM0,
              r"no zone|without (a )?zone|zone or zone_id"))
    add(_case("role-item-zone-and-zone-id", ROLE,
              role(origin_cloud_regions_mappings=[item(zone=ZONE_NAME, zone_id=ZONE_ID)]), (ROLE_ITEM0, r"\bzone_id\b"), BOTH))
    add(_case("role-items-for-one-ip-disagree", ROLE,
              role(origin_cloud_regions_mappings=[item(origin_ip="192.0.2.77"), item(origin_ip=" 192.0.2.77", region="us-west-2")]),
              r"\borigin_cloud_regions_mappings\[1\]", CONFLICTS))
    add(_case("role-item-not-a-dict", ROLE, role(origin_cloud_regions_mappings=["192.0.2.1"]),
              r"\borigin_cloud_regions_mappings\b", NOT_A_DICT))
    add(_secret_case("role-item-not-a-dict-with-token-variable", ROLE, role(origin_cloud_regions_mappings=[item(), "192.0.2.1"]),
                     r"\borigin_cloud_regions_mappings\b", NOT_A_DICT, key="origin_cloud_regions_api_token"))
    add(_case("role-purge-with-nothing-gathered", ROLE,
              role(origin_cloud_regions_zone_id=NET_ZONE_ID, origin_cloud_regions_mappings=[], origin_cloud_regions_purge=True),
              r"purge", PURGE_ALL, seed=purge_seed()))
    add(_case("role-api-generation-v3", ROLE, role(origin_cloud_regions_api_generation="v3"),
              r"\borigin_cloud_regions_api_generation\b", CHOICES))
    add(_case("role-timeout-zero", ROLE, role(origin_cloud_regions_timeout=0), r"\btimeout\b", POSITIVE))
    add(_case("role-zone-id-path-traversal", ROLE, role(origin_cloud_regions_zone_id="../../zones"), r"\bzone_id\b", HEX32))

    for index, case in enumerate(cases):
        case.group = index // GROUP_SIZE
    return cases


CASES = _cases()
BY_ID = {case.id: case for case in CASES}


# ---------------------------------------------------------------------------------- playbooks

def _stats_task(name):
    # A url lookup runs in the controller: no module, no API request (the admin endpoints
    # are not counted), just the emulator's counters at this point of the run.
    return {"name": name, "ansible.builtin.debug": {
        "msg": "{{ lookup('ansible.builtin.url', catalogue_admin_url ~ '/stats', split_lines=false, use_proxy=false) | from_json }}"}}


def case_tasks(case):
    tasks = []
    if case.seed:
        tasks.append({"name": "catalogue SEED %s" % case.id, "ansible.builtin.uri": {
            "url": "{{ catalogue_admin_url }}/seed", "method": "POST", "body_format": "json",
            "body": case.seed, "use_proxy": False}})
    tasks.append(_stats_task("catalogue BEGIN %s" % case.id))
    if case.target == ROLE:
        tasks.append({"name": "case %s" % case.id, "block": [{
            "name": "case %s: the role" % case.id,
            "ansible.builtin.include_role": {"name": ROLE_NAME},
            "vars": copy.deepcopy(case.args),
        }], "rescue": [{"name": "case %s: rescued" % case.id, "ansible.builtin.debug": {"msg": "rescued"}}]})
    else:
        task = {"name": "case %s" % case.id, case.target: copy.deepcopy(case.args), "ignore_errors": True}
        if case.environment:
            task["environment"] = dict(case.environment)
        tasks.append(task)
    tasks.append(_stats_task("catalogue END %s" % case.id))
    return tasks


class Outcome:
    """What one case did: its failed results and the requests it sent."""

    def __init__(self, case, run, entries, before, after):
        self.case = case
        self.run = run
        self.entries = entries
        self.failures = [entry for entry in entries if entry["status"] in ("failed", "item_failed")]
        self.requests = after["requests"] - before["requests"]
        self.writes = after["writes"] - before["writes"]
        self.by_method = {method: after["by_method"].get(method, 0) - before["by_method"].get(method, 0)
                          for method in set(after["by_method"]) | set(before["by_method"])}
        self.write_requests = sum(self.by_method.get(method, 0) for method in WRITE_METHODS)
        self.mappings_before = before.get("mappings")
        self.mappings_after = after.get("mappings")

    @property
    def msg(self):
        """The msg of the first failure (a role run's first failed task); None when nothing failed."""
        if not self.failures:
            return None
        result = self.failures[0]["result"]
        msg = result.get("msg")
        if isinstance(msg, str) and msg.startswith("MODULE FAILURE"):
            # A traceback: what it says is in module_stderr.
            msg = "%s %s" % (msg, str(result.get("module_stderr", "")).strip().splitlines()[-1:])
        return msg if isinstance(msg, str) else json.dumps(msg)

    def describe(self):
        return "case %s: failed=%s msg=%r requests=%s by_method=%s" % (
            self.case.id, bool(self.failures), self.msg, self.requests, self.by_method)


class Catalogue:
    """Runs each group of cases once, on first use, and hands out per-case outcomes."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.runs = {}
        self.outcomes = {}
        self.stats_after = {}

    def run_group(self, group):
        if group in self.runs:
            return self.runs[group]
        cases = [case for case in CASES if case.group == group]
        tasks = [task for case in cases for task in case_tasks(case)]
        self.emulator.reset()
        run = run_playbook(self.emulator, tasks, verbosity=3, env=AUTH_ENV,
                           extra_vars={"catalogue_admin_url": self.emulator.admin_url})
        self.runs[group] = run
        # The whole run, read right after it: every case of the group writes nothing, so neither does the run.
        self.stats_after[group] = self.emulator.stats()
        for case in cases:
            self.outcomes[case.id] = self._outcome(case, run)
        return run

    @staticmethod
    def _outcome(case, run):
        names = [entry["task"] for entry in run.results]
        begin, end = "catalogue BEGIN %s" % case.id, "catalogue END %s" % case.id
        if begin not in names or end not in names:
            return None
        start, stop = names.index(begin), names.index(end)
        return Outcome(case, run, run.results[start + 1:stop], run.results[start]["result"]["msg"],
                       run.results[stop]["result"]["msg"])

    def outcome(self, case):
        run = self.run_group(case.group)
        outcome = self.outcomes.get(case.id)
        if outcome is None:
            pytest.fail("case %s did not run to its end marker (rc=%s)\nSTDOUT (tail):\n%s\nSTDERR (tail):\n%s"
                        % (case.id, run.returncode, run.stdout[-4000:], run.stderr[-4000:]))
        return outcome


@pytest.fixture(scope="module")
def catalogue(emulator_process):
    return Catalogue(emulator_process)


def _ids(cases):
    return [case.id for case in cases]


# ---------------------------------------------------------------------------------- the table itself

def test_the_catalogue_is_large_unique_and_covers_every_target():
    assert len(CASES) >= 60
    assert len(BY_ID) == len(CASES), "duplicate case ids"
    assert {case.target for case in CASES} == {SINGLE, BATCH, INFO, ROLE}
    secrets = [secret for case in CASES for secret in case.secrets]
    assert len(secrets) == len(set(secrets)) and all(secret.startswith(SECRET_PREFIX) for secret in secrets)
    for case in CASES:
        re.compile(case.problem)
        for field in case.field:
            re.compile(field)


# ---------------------------------------------------------------------------------- (a) + (b)

@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_refused_naming_the_field_and_the_problem(catalogue, case):
    outcome = catalogue.outcome(case)
    assert outcome.failures, "not refused: %s\nresults: %s" % (outcome.describe(), [
        (entry["task"], entry["status"]) for entry in outcome.entries])
    msg = outcome.msg or ""
    missing_fields = [field for field in case.field if not re.search(field, msg)]
    assert not missing_fields, "msg does not name %s: %r" % (missing_fields, msg)
    assert re.search(case.problem, msg, re.IGNORECASE), "msg does not say /%s/: %r" % (case.problem, msg)


# ---------------------------------------------------------------------------------- (c)

@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_nothing_is_written(catalogue, case):
    outcome = catalogue.outcome(case)
    assert outcome.writes == 0, outcome.describe()
    assert outcome.write_requests == 0, outcome.describe()
    assert outcome.mappings_after == outcome.mappings_before, outcome.describe()


GROUPS = sorted({case.group for case in CASES})


@pytest.mark.parametrize("group", GROUPS, ids=["group-%d" % group for group in GROUPS])
def test_no_group_run_wrote_anything(catalogue, group):
    catalogue.run_group(group)
    stats = catalogue.stats_after[group]
    assert stats["writes"] == 0, stats
    assert not any(stats["by_method"].get(method) for method in WRITE_METHODS), stats


OFFLINE = [case for case in CASES if case.offline]


@pytest.mark.parametrize("case", OFFLINE, ids=_ids(OFFLINE))
def test_refused_before_any_request(catalogue, case):
    outcome = catalogue.outcome(case)
    assert outcome.requests == 0, outcome.describe()


# ---------------------------------------------------------------------------------- (d)

WITH_SECRETS = [case for case in CASES if case.secrets]


@pytest.mark.parametrize("case", WITH_SECRETS, ids=_ids(WITH_SECRETS))
def test_secrets_never_shown(catalogue, case):
    outcome = catalogue.outcome(case)
    recorded = json.dumps(outcome.run.results, default=str)
    for secret in case.secrets:
        assert secret not in outcome.run.stdout, "%s leaked into stdout" % secret
        assert secret not in outcome.run.stderr, "%s leaked into stderr" % secret
        assert secret not in recorded, "%s leaked into the task results" % secret
