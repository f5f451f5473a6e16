# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property tests (hypothesis) of IP normalization and of batch planning.

Normalization: an address is drawn as an integer and spelled in many valid ways (case,
leading zeros, any legal ``::``, full form, dotted-quad tails, surrounding spaces); every
spelling must normalize to the one string that an independent RFC 5952 renderer, written
here without ``ipaddress``, produces.

Planning: a zone's current mappings and a wanted list (present and absent items, spelled
variously, overlapping the zone) are drawn, with purge on or off; ``desired_state`` +
``build_plan`` must never delete what they must not, write nothing when nothing differs,
classify every IP correctly and deterministically, and the batch module must need at
most ceil(n/100) batch requests of each kind.

Item checks: lists of mapping items of many shapes (aliases, missing and unknown keys,
wrong types, empty text, bad choices, items that are not dicts) must get exactly the
verdicts that ArgumentSpecValidator gives each item on its own: ``checked_mapping_items``
judges one item of each shape and lets the others of that shape share its verdict.

Settings are deterministic (``derandomize``), with no deadline (the test machines are
busy) and no example database written into the checkout.
"""

from __future__ import annotations

import ipaddress
import math

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import BATCH_LIMIT, BatchResult, chunks
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import VENDORS, checked_mapping_items
from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import normalize_ip
from ansible_collections.edgeops.cloudflare.plugins.module_utils._mapping import build_plan, desired_state
from ansible_collections.edgeops.cloudflare.plugins.modules import origin_cloud_regions as batch_module

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ================================================================ an independent reference

def v4_text(value):
    """Dotted quad of a 32-bit integer."""
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def v6_groups(value):
    return [(value >> (16 * (7 - index))) & 0xFFFF for index in range(8)]


def rfc5952(value):
    """The RFC 5952 text of a 128-bit integer, from the RFC's rules alone (no ``ipaddress``).

    Section 5: an IPv4-mapped address (``::ffff:0:0/96``) is written ``::ffff:a.b.c.d``.
    Section 4: no leading zeros (4.1); ``::`` replaces the longest run of two or more zero
    groups (4.2.1, 4.2.2), the first of equally long runs (4.2.3); lower case (4.3).
    """
    groups = v6_groups(value)
    if groups[:6] == [0, 0, 0, 0, 0, 0xFFFF]:
        return "::ffff:" + v4_text(value & 0xFFFFFFFF)
    best_start, best_length = None, 0
    index = 0
    while index < 8:
        if groups[index] != 0:
            index += 1
            continue
        end = index
        while end < 8 and groups[end] == 0:
            end += 1
        if end - index > best_length:  # strictly longer: the first run wins a tie
            best_start, best_length = index, end - index
        index = end
    fields = ["%x" % group for group in groups]
    if best_length < 2:
        return ":".join(fields)
    return ":".join(fields[:best_start]) + "::" + ":".join(fields[best_start + best_length:])


def test_the_reference_renders_the_examples_of_rfc_5952():
    examples = {
        "2001:db8::1": 0x20010DB8000000000000000000000001,
        "2001:db8:0:1:1:1:1:1": 0x20010DB8000000010001000100010001,  # 4.2.2: one zero group stays
        "2001:0:0:1::1": 0x20010000000000010000000000000001,  # 4.2.3: the longest run
        "2001:db8::1:0:0:1": 0x20010DB8000000000001000000000001,  # 4.2.3: the first of equal runs
        "2001:db8::aaaa:0:0:1": 0x20010DB800000000AAAA000000000001,  # 4.2.3: first of equal runs again
        "::ffff:192.0.2.1": 0x00000000000000000000FFFFC0000201,  # section 5
        "::": 0,
        "::1": 1,
        "1::": 1 << 112,
        "::c000:201": 0xC0000201,  # IPv4-compatible (deprecated) is not IPv4-mapped: hex
    }
    for text, value in examples.items():
        assert rfc5952(value) == text


# ================================================================ spellings

SPACES = st.text(alphabet=" \t", max_size=3)
# Groups drawn so that runs of zeros, equal runs and the 0xffff of mapped addresses are common.
GROUP = st.one_of(st.just(0), st.just(0), st.integers(0, 0xFFFF), st.sampled_from([1, 0xA, 0xFF, 0x100, 0xFFFF]))


def ipv6_values():
    grouped = st.lists(GROUP, min_size=8, max_size=8).map(lambda groups: sum(g << (16 * (7 - i)) for i, g in enumerate(groups)))
    return st.one_of(grouped, st.integers(0, (1 << 128) - 1), st.integers(0, 0xFFFF), ipv4_mapped_values())


def ipv4_mapped_values():
    return st.integers(0, (1 << 32) - 1).map(lambda v4: (0xFFFF << 32) | v4)


@st.composite
def spelled_group(draw, group):
    digits = "%x" % group
    width = draw(st.integers(len(digits), 4))
    digits = digits.rjust(width, "0")
    return "".join(draw(st.sampled_from([char.lower(), char.upper()])) for char in digits)


@st.composite
def ipv6_spelling(draw, value, dotted_tail=None):
    """Any valid text of a 128-bit value: case, leading zeros, any legal '::', optional dotted tail."""
    groups = v6_groups(value)
    if dotted_tail is None:
        dotted_tail = draw(st.booleans())
    count = 6 if dotted_tail else 8
    fields = [draw(spelled_group(group)) for group in groups[:count]]
    tail = [v4_text(value & 0xFFFFFFFF)] if dotted_tail else []
    # '::' may stand for any run of one or more zero groups (RFC 4291 2.2), or for none of them.
    runs = [(start, length) for start in range(count) for length in range(1, count - start + 1)
            if all(group == 0 for group in groups[start:start + length])]
    run = draw(st.sampled_from([None] + runs))
    if run is None:
        text = ":".join(fields + tail)
    else:
        start, length = run
        text = ":".join(fields[:start]) + "::" + ":".join(fields[start + length:] + tail)
    return draw(SPACES) + text + draw(SPACES)


@st.composite
def ipv4_spelling(draw, value):
    return draw(SPACES) + v4_text(value) + draw(SPACES)


# ================================================================ normalization properties

@PROPERTY
@given(st.integers(0, (1 << 32) - 1), st.data())
def test_every_spelling_of_an_ipv4_address_normalizes_to_its_dotted_quad(value, data):
    spelling = data.draw(ipv4_spelling(value))
    assert normalize_ip(spelling) == v4_text(value)


@PROPERTY
@given(ipv6_values(), st.data())
def test_every_spelling_of_an_ipv6_address_normalizes_to_the_rfc_5952_reference(value, data):
    spelling = data.draw(ipv6_spelling(value), label="spelling")
    assert normalize_ip(spelling) == rfc5952(value)


@PROPERTY
@given(ipv4_mapped_values(), st.data())
def test_ipv4_mapped_addresses_normalize_to_mixed_notation_from_hex_and_mixed_spellings(value, data):
    hex_spelling = data.draw(ipv6_spelling(value, dotted_tail=False), label="hex")
    mixed_spelling = data.draw(ipv6_spelling(value, dotted_tail=True), label="mixed")
    expected = "::ffff:" + v4_text(value & 0xFFFFFFFF)
    assert normalize_ip(hex_spelling) == expected
    assert normalize_ip(mixed_spelling) == expected


@PROPERTY
@given(ipv6_values(), st.data())
def test_all_spellings_of_one_address_normalize_to_one_string(value, data):
    spellings = data.draw(st.lists(ipv6_spelling(value), min_size=2, max_size=6), label="spellings")
    assert len({normalize_ip(spelling) for spelling in spellings}) == 1


@PROPERTY
@given(st.one_of(ipv6_values().map(lambda value: (6, value)), st.integers(0, (1 << 32) - 1).map(lambda value: (4, value))),
       st.data())
def test_normalization_is_idempotent(version_and_value, data):
    version, value = version_and_value
    spelling = data.draw(ipv4_spelling(value) if version == 4 else ipv6_spelling(value))
    once = normalize_ip(spelling)
    assert normalize_ip(once) == once
    # The canonical text has no surrounding spaces and no upper case.
    assert once == once.strip() and once == once.lower()


# ================================================================ planning

# A pool of canonical IPs, small enough that current and wanted overlap often.
POOL = ["192.0.2.%d" % index for index in range(1, 13)] + ["2001:db8::%x" % index for index in range(1, 13)] + [
    "::ffff:198.51.100.%d" % index for index in range(1, 5)]
REGIONS = ["r-one", "r-two", "r-three"]
TARGET = st.tuples(st.sampled_from(VENDORS), st.sampled_from(REGIONS))


def respellings(ip):
    """Other valid spellings of a canonical IP, as users write them (the planner must not care)."""
    address = ipaddress.ip_address(ip)
    spellings = [ip, " %s " % ip]
    if address.version == 6:
        spellings += [ip.upper(), address.exploded, address.exploded.upper()]
    return st.sampled_from(spellings)


@st.composite
def zones_and_wishes(draw):
    """(current {ip: (vendor, region)}, wanted {ip: target or 'absent'}, items as a user lists them)."""
    current = draw(st.dictionaries(st.sampled_from(POOL), TARGET, max_size=len(POOL)))
    wanted = draw(st.dictionaries(st.sampled_from(POOL), st.one_of(TARGET, st.just("absent")), max_size=len(POOL)))
    items = []
    for ip, target in wanted.items():
        for _copy in range(draw(st.integers(1, 2))):  # identical duplicates are merged
            spelled = draw(respellings(ip))
            if target == "absent":
                items.append({"origin_ip": spelled, "state": "absent"})
            else:
                items.append({"origin_ip": spelled, "vendor": target[0], "region": target[1],
                              "state": draw(st.sampled_from(["present", None]))})
    items = draw(st.permutations(items))
    return current, wanted, items


def current_list(current):
    return [{"origin_ip": ip, "vendor": vendor, "region": region, "modified_on": "2026-01-01T00:00:00Z"}
            for ip, (vendor, region) in current.items()]


def plan_for(current, items, purge):
    present, absent, problems = desired_state(items)
    assert problems == []
    return present, absent, build_plan(current_list(current), present, absent, purge=purge)


def ips_of(mappings):
    return [mapping["origin_ip"] for mapping in mappings]


@PROPERTY
@given(zones_and_wishes(), st.booleans())
def test_desired_state_reads_every_spelling_as_its_canonical_ip(zone_and_wish, purge):
    _current, wanted, items = zone_and_wish
    present, absent, problems = desired_state(items)
    assert problems == []
    assert set(present) == {ip for ip, target in wanted.items() if target != "absent"}
    assert sorted(absent) == sorted(ip for ip, target in wanted.items() if target == "absent")
    for ip, mapping in present.items():
        assert (mapping["vendor"], mapping["region"]) == wanted[ip] and mapping["origin_ip"] == ip


@PROPERTY
@given(zones_and_wishes(), st.booleans())
def test_never_deletes_what_is_wanted_present_nor_unlisted_mappings_without_purge(zone_and_wish, purge):
    current, wanted, items = zone_and_wish
    present, absent, plan = plan_for(current, items, purge)
    deleted = set(ips_of(plan.delete))
    assert not deleted & set(present)
    assert deleted <= set(current)
    if purge:
        assert deleted == set(current) - set(present)
    else:
        # Without purge only what is listed as absent (and exists) is deleted.
        assert deleted == set(absent) & set(current)
    assert len(plan.delete) == len(deleted)  # no IP deleted twice


@PROPERTY
@given(st.dictionaries(st.sampled_from(POOL), TARGET, max_size=len(POOL)), st.lists(st.sampled_from(POOL), max_size=6),
       st.booleans(), st.data())
def test_nothing_to_do_when_the_wanted_state_is_the_current_state(current, absent_candidates, purge, data):
    items = [{"origin_ip": data.draw(respellings(ip)), "vendor": vendor, "region": region} for ip, (vendor, region) in current.items()]
    # Absent items for IPs that are not in the zone change nothing either.
    items += [{"origin_ip": ip, "state": "absent"} for ip in absent_candidates if ip not in current]
    items = data.draw(st.permutations(items))
    _present, _absent, plan = plan_for(current, items, purge)
    assert plan.writes == [] and plan.create == [] and plan.update == []
    assert plan.delete == []
    assert not (plan.create or plan.update or plan.delete)
    assert sorted(ips_of(plan.unchanged)) == sorted(current)


@PROPERTY
@given(zones_and_wishes(), st.booleans())
def test_create_update_unchanged_partition_the_present_ips_correctly(zone_and_wish, purge):
    current, _wanted, items = zone_and_wish
    present, _absent, plan = plan_for(current, items, purge)
    created, updated, unchanged = ips_of(plan.create), ips_of(plan.update), ips_of(plan.unchanged)
    for ip in created:
        assert ip not in current
    for mapping in plan.update:
        ip = mapping["origin_ip"]
        assert ip in current and current[ip] != (mapping["vendor"], mapping["region"])
        assert (mapping["vendor"], mapping["region"]) == (present[ip]["vendor"], present[ip]["region"])
    for ip in unchanged:
        assert ip in current and current[ip] == (present[ip]["vendor"], present[ip]["region"])
    assert sorted(created + updated + unchanged) == sorted(present)
    assert len(set(created + updated + unchanged)) == len(created) + len(updated) + len(unchanged)
    assert plan.size_after(len(current)) == len(current) + len(created) - len(plan.delete)


def _plan_view(plan):
    return (plan.create, plan.update, plan.unchanged, plan.delete)


@PROPERTY
@given(zones_and_wishes(), st.booleans(), st.data())
def test_planning_is_deterministic_and_ignores_the_order_of_the_listing(zone_and_wish, purge, data):
    current, _wanted, items = zone_and_wish
    present, absent, first = plan_for(current, items, purge)
    second = build_plan(current_list(current), present, absent, purge=purge)
    assert _plan_view(first) == _plan_view(second)
    # The API's page order must not matter.
    shuffled = data.draw(st.permutations(current_list(current)))
    third = build_plan(shuffled, present, absent, purge=purge)
    assert _plan_view(third) == _plan_view(first)
    # The same wishes, planned again from scratch, give the same plan.
    again_present, again_absent, again_problems = desired_state(items)
    assert again_problems == [] and again_present == present and again_absent == absent


@PROPERTY
@given(zones_and_wishes(), st.data())
def test_two_items_for_one_ip_that_disagree_are_always_a_problem(zone_and_wish, data):
    _current, wanted, items = zone_and_wish
    assume(wanted)
    ip = data.draw(st.sampled_from(sorted(wanted)))
    target = wanted[ip]
    other = data.draw(st.one_of(TARGET, st.just("absent")).filter(lambda candidate: candidate != target))
    extra = {"origin_ip": data.draw(respellings(ip)), "state": "absent"} if other == "absent" else {
        "origin_ip": data.draw(respellings(ip)), "vendor": other[0], "region": other[1]}
    position = data.draw(st.integers(0, len(items)))
    _present, _absent, problems = desired_state(items[:position] + [extra] + items[position:])
    assert len(problems) >= 1 and all("conflicts with" in problem for problem in problems)
    assert any(ip in problem for problem in problems)


# ================================================================ batch requests

@PROPERTY
@given(st.integers(0, 1000), st.integers(-(1 << 64), 1 << 64))
@example(0, 0)
@example(1, 0)
@example(99, 0)
@example(100, 0)
@example(101, 0)
@example(200, 0)
@example(201, 0)
@example(3500, 0)
def test_chunks_are_at_most_the_batch_limit_and_concatenate_to_the_input(count, offset):
    items = list(range(offset, offset + count))
    pieces = list(chunks(items))
    assert all(0 < len(piece) <= BATCH_LIMIT for piece in pieces)
    assert [item for piece in pieces for item in piece] == items
    assert len(pieces) == math.ceil(len(items) / BATCH_LIMIT)
    assert BATCH_LIMIT == 100


class RecordingClient:
    """Answers every batch request with every item applied, and records the requests."""

    def __init__(self):
        self.requests = []

    def batch_delete(self, zone_id, origin_ips):
        origin_ips = list(origin_ips)
        self.requests.append(("delete", origin_ips))
        return BatchResult(succeeded=origin_ips)

    def batch_upsert(self, zone_id, mappings):
        mappings = list(mappings)
        self.requests.append(("upsert", [mapping["origin_ip"] for mapping in mappings]))
        return BatchResult(succeeded=[mapping["origin_ip"] for mapping in mappings])


def _many_ips(count, offset):
    return ["10.%d.%d.%d" % (((offset + index) >> 16) & 0xFF, ((offset + index) >> 8) & 0xFF, (offset + index) & 0xFF)
            for index in range(count)]


@PROPERTY
@given(st.integers(0, 450), st.integers(0, 450), st.integers(0, 450), st.booleans())
@example(100, 0, 101, False)
@example(0, 201, 100, True)
def test_the_batch_module_sends_at_most_ceil_n_over_100_requests_of_each_kind(creates, updates, deletes, purge):
    to_create = _many_ips(creates, 0)
    to_update = _many_ips(updates, 100000)
    to_delete = _many_ips(deletes, 200000)
    current = {ip: ("aws", "us-east-1") for ip in to_update + to_delete}
    present = {ip: {"origin_ip": ip, "vendor": "gcp", "region": "us-central1"} for ip in to_create + to_update}
    absent = [] if purge else list(to_delete)
    plan = build_plan(current_list(current), present, absent, purge=purge)
    assert len(plan.create) == creates and len(plan.update) == updates and len(plan.delete) == deletes

    client = RecordingClient()
    outcome = batch_module.Outcome(plan)
    batch_module.write_plan(client, "0" * 32, plan, outcome)

    for kind, planned in (("delete", ips_of(plan.delete)), ("upsert", ips_of(plan.writes))):
        requests = [ips for request_kind, ips in client.requests if request_kind == kind]
        assert len(requests) <= math.ceil(len(planned) / BATCH_LIMIT)
        assert len(requests) == math.ceil(len(planned) / BATCH_LIMIT)
        assert all(0 < len(ips) <= BATCH_LIMIT for ips in requests)
        assert [ip for ips in requests for ip in ips] == planned
    # Deletes go first, so that a zone near its limit has room for the new mappings.
    kinds = [kind for kind, _ips in client.requests]
    assert kinds == sorted(kinds, key=lambda kind: kind != "delete")
    assert outcome.error is None and outcome.failed == {}


# ================================================================ item checks

# The batch module's item options, written out here (the module's docs say the same).
ITEM_SPEC = {
    "origin_ip": {"type": "str", "required": True, "aliases": ["ip"]},
    "vendor": {"type": "str", "choices": ["aws", "azure", "gcp", "oci"]},
    "region": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "modified_on": {"type": "raw"},
}
ITEM_REQUIRED_IF = [("state", "present", ("vendor", "region"))]

item_values = st.one_of(
    st.sampled_from(["", " ", "aws", "gcp", "AWS", "nope", "present", "absent", "192.0.2.1", "2001:DB8::1",
                     "us-east-1", "europe-west1", "2026-03-01T12:00:00Z"]),
    st.none(), st.booleans(), st.integers(-2, 2), st.just(1.5), st.just(["aws"]), st.just({"a": 1}))
item_keys = st.sampled_from(["origin_ip", "ip", "vendor", "region", "state", "modified_on", "extra", "Vendor", "1"])
# Items close to valid ones (either spelling of the IP, with or without state), then changed:
# keys dropped, added or given other values.
item_bases = st.sampled_from([
    {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
    {"ip": "192.0.2.2", "vendor": "gcp", "region": "europe-west1", "state": "present"},
    {"origin_ip": "2001:DB8::1", "state": "absent"},
    {"ip": "2001:db8::2", "vendor": "oci", "region": "eu-frankfurt-1", "modified_on": "2026-03-01T12:00:00Z"},
])
near_valid_items = st.builds(
    lambda base, dropped, added: dict({key: value for key, value in base.items() if key not in dropped}, **added),
    item_bases, st.sets(item_keys, max_size=2), st.dictionaries(item_keys, item_values, max_size=2))
items = st.one_of(near_valid_items, st.dictionaries(item_keys, item_values, max_size=6),
                  st.sampled_from(["192.0.2.1", None, 3, ["a"]]))


def validated_one_by_one(mapping_items):
    """What ArgumentSpecValidator says of each item alone, in checked_mapping_items' terms."""
    valid, labels, problems = [], [], []
    for index, item in enumerate(mapping_items):
        label = "mappings[%d]" % index
        if not isinstance(item, dict):
            problems.append("%s: must be a dict with origin_ip, vendor, region and state, got %s" % (label, type(item).__name__))
            continue
        result = ArgumentSpecValidator(ITEM_SPEC, required_if=ITEM_REQUIRED_IF).validate(item)
        if result.error_messages:
            problems.extend("%s: %s%s" % (label, "unsupported parameter(s) " if type(error).__name__ == "UnsupportedError" else "", error)
                            for error in result.errors)
            continue
        valid.append(result.validated_parameters)
        labels.append(label)
    return valid, labels, problems


@PROPERTY
@given(st.lists(items, max_size=12), st.data())
@example([{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
          {"ip": "192.0.2.2", "vendor": "aws", "region": "us-east-1"},
          {"origin_ip": "192.0.2.3", "vendor": "aws", "region": ""},
          {"origin_ip": "192.0.2.4", "vendor": "aws", "region": "eu-west-1"}], None)
@example([{"origin_ip": "192.0.2.1", "ip": "192.0.2.2", "vendor": "aws", "region": "r"},
          {"ip": "192.0.2.4", "origin_ip": "192.0.2.3", "vendor": "aws", "region": "r"}], None)
@example([{"ip": "192.0.2.2", "vendor": "aws", "region": "us-east-1"}, {"ip": "192.0.2.3", "vendor": "aws", "region": "us-east-2"},
          {"ip": "192.0.2.4", "vendor": "azure", "region": "eastus"}, {"ip": "192.0.2.5", "vendor": "nope", "region": "x"}], None)
def test_item_checks_give_each_item_the_verdict_argument_spec_validator_gives_it_alone(pool, data):
    # Items repeat in many shapes: drawn from a small pool, some with values replaced.
    mapping_items = []
    if pool and data is not None:
        for _number in range(data.draw(st.integers(0, 30), label="items")):
            item = data.draw(st.sampled_from(pool), label="item")
            if isinstance(item, dict):
                item = dict(data.draw(st.permutations(list(item.items())), label="key order"))
                for key in list(item):
                    if data.draw(st.booleans(), label="new value"):
                        item[key] = data.draw(st.one_of(st.sampled_from(["198.51.100.7", "2001:db8::7", "ap-south-1"]), item_values),
                                              label="value")
            mapping_items.append(item)
    else:
        mapping_items = list(pool)
    assert checked_mapping_items(mapping_items) == validated_one_by_one(mapping_items)
