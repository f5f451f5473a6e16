# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._ip import InvalidIPError, normalize_ip


def is_valid_ip(value):
    try:
        normalize_ip(value)
    except InvalidIPError:
        return False
    return True


CANONICAL = [
    # IPv4 stays as it is
    ("192.0.2.1", "192.0.2.1"),
    ("0.0.0.0", "0.0.0.0"),
    ("255.255.255.255", "255.255.255.255"),
    # surrounding white space is dropped
    ("  198.51.100.7\n", "198.51.100.7"),
    # upper case hex becomes lower case
    ("2001:DB8::1", "2001:db8::1"),
    ("2001:Db8::aBcD", "2001:db8::abcd"),
    # leading zeros of groups are dropped, zero groups compressed
    ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("2001:DB8:0:0::1", "2001:db8::1"),
    ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
    # the longest run of zero groups is the one compressed
    ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
    ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
    # of two runs of equal length, the first one is compressed
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:db8::1:0:0:1", "2001:db8::1:0:0:1"),
    # a single zero group is never compressed (RFC 5952 4.2.2)
    ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    # all zeros, loopback
    ("::", "::"),
    ("0:0:0:0:0:0:0:0", "::"),
    ("::1", "::1"),
    ("0000:0000:0000:0000:0000:0000:0000:0001", "::1"),
    # trailing zero run
    ("2001:db8:1:0:0:0:0:0", "2001:db8:1::"),
    # IPv4-mapped: mixed notation (RFC 5952 section 5), and it stays IPv6
    ("::ffff:C000:0201", "::ffff:192.0.2.1"),
    ("::FFFF:c000:201", "::ffff:192.0.2.1"),
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("::ffff:0:0", "::ffff:0.0.0.0"),
    # only IPv4-mapped addresses use the mixed notation
    ("::192.0.2.1", "::c000:201"),
    ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
]


@pytest.mark.parametrize("spelling, canonical", CANONICAL)
def test_normalize_ip_canonical_spelling(spelling, canonical):
    assert normalize_ip(spelling) == canonical
    # idempotent: the canonical form is its own canonical form
    assert normalize_ip(canonical) == canonical
    assert is_valid_ip(spelling) is True


def test_ipv4_mapped_is_not_folded_into_ipv4():
    assert normalize_ip("::ffff:192.0.2.1") != normalize_ip("192.0.2.1")


def test_two_spellings_of_one_address_compare_equal():
    assert normalize_ip("2001:0DB8:0000::0001") == normalize_ip("2001:db8:0:0:0:0:0:1")


REJECTED = [
    # (value, exact message)
    ("", "the IP address is empty"),
    ("   ", "the IP address is empty"),
    ("192.0.2.0/24", "'192.0.2.0/24' is a network (CIDR prefix), not a single IP address"),
    ("192.0.2.1/32", "'192.0.2.1/32' is a network (CIDR prefix), not a single IP address"),
    ("2001:db8::/32", "'2001:db8::/32' is a network (CIDR prefix), not a single IP address"),
    ("fe80::1%eth0", "'fe80::1%eth0' carries an IPv6 zone id; zone ids are not allowed in origin IPs"),
    ("fe80::1%2", "'fe80::1%2' carries an IPv6 zone id; zone ids are not allowed in origin IPs"),
    ("example.com", "'example.com' is not an IP address (host names are not accepted)"),
    ("localhost", "'localhost' is not an IP address (host names are not accepted)"),
    ("192.0.2.1a", "'192.0.2.1a' is not an IP address (host names are not accepted)"),
    (None, "a value of type NoneType is not an IP address: expected a string"),
    (3221225985, "a value of type int is not an IP address: expected a string"),
    (["192.0.2.1"], "a value of type list is not an IP address: expected a string"),
]


@pytest.mark.parametrize("value, message", REJECTED)
def test_normalize_ip_rejects_with_exact_message(value, message):
    with pytest.raises(InvalidIPError) as excinfo:
        normalize_ip(value)
    assert str(excinfo.value) == message
    assert is_valid_ip(value) is False


# The parser's own reason follows the prefix; check the prefix exactly and the key words of the reason.
REJECTED_BY_PARSER = [
    ("192.0.2.001", "leading zeros"),
    ("010.0.2.1", "leading zeros"),
    ("256.0.2.1", "256"),
    ("192.0.2", "4 octets"),
    ("192.0.2.1.5", "4 octets"),
    ("2001:db8::1::2", "at most one '::'"),
    ("2001:db8:gggg::1", "hex digits"),
    ("12345::1", "at most 4 characters"),
    ("1:2:3:4:5:6:7:8:9", "8 parts"),
]


@pytest.mark.parametrize("value, reason", REJECTED_BY_PARSER)
def test_normalize_ip_rejects_with_the_parsers_reason(value, reason):
    with pytest.raises(InvalidIPError) as excinfo:
        normalize_ip(value)
    message = str(excinfo.value)
    assert message.startswith("%r is not a valid IP address: " % value)
    assert reason in message.lower()
    assert is_valid_ip(value) is False


def test_invalid_ip_error_is_a_value_error_without_chained_cause():
    with pytest.raises(ValueError) as excinfo:
        normalize_ip("192.0.2.001")
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__ is True


def test_a_value_met_again_gives_the_same_answer_and_a_refused_one_is_refused_again():
    # Answers are remembered for speed; a refusal must not be, nor turn into an answer.
    for _attempt in range(3):
        assert normalize_ip("2001:DB8:0:0:0:0:0:1") == "2001:db8::1"
        assert normalize_ip(" 2001:db8::1 ") == "2001:db8::1"
        with pytest.raises(InvalidIPError, match="CIDR"):
            normalize_ip("2001:db8::/64")
        with pytest.raises(InvalidIPError, match="expected a string"):
            normalize_ip(20010)
