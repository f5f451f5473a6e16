# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The emulator's own IP text parser and renderer (decision 52 in docs/emulator.md).

1. Fixed vectors: every expected string below was typed by hand from RFC 4291 section 2.2,
   RFC 5952 sections 2, 4 and 5, and RFC 791 dotted quads; none is computed.
2. Cross-check: the collection's ``normalize_ip`` (plugins/module_utils/_ip.py, loaded by
   file path HERE, in the test only) must give the same answer, or reject too, for every
   vector.  The emulator must never import it: two independent implementations that agree
   are the point, and when they disagree the failure says so loudly.
3. Properties (hypothesis): random 128-bit and 32-bit addresses, spelled in random valid
   ways, normalize to what a small reference renderer written here from RFC 5952 computes
   from the integer, in the emulator AND in the collection.
"""

from __future__ import annotations

import ast
import importlib.util
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .loader import EMULATOR_PATH, load_emulator

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_IP_PATH = os.path.normpath(os.path.join(HERE, "..", "..", "plugins", "module_utils", "_ip.py"))


def _load_collection_ip():
    """The collection's normalizer, by file path, for the cross-check only."""
    spec = importlib.util.spec_from_file_location("_edgeops_cloudflare_ip_under_cross_check", COLLECTION_IP_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EMU = load_emulator()
COLLECTION = _load_collection_ip()

# (spelling, canonical text): typed by hand.
ACCEPTED = [
    # RFC 5952 4.1: leading zeros MUST be suppressed
    ("2001:0db8::0001", "2001:db8::1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:01", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
    # RFC 5952 4.2.1: '::' shortens as much as possible
    ("2001:db8::0:1", "2001:db8::1"),
    ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
    # RFC 5952 4.2.2: one 16-bit 0 field is never shortened to '::'
    ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd::1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:0:1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1"),
    # RFC 5952 4.2.3: the longest run is shortened; on a tie the first one
    ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:db8:0:0:1::1", "2001:db8::1:0:0:1"),
    ("2001:db8::0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:0db8::1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:db8:0000:0:1::1", "2001:db8::1:0:0:1"),
    ("2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1"),
    ("1:0:0:0:1:0:0:0", "1::1:0:0:0"),
    ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ("0:0:1:0:0:0:0:1", "0:0:1::1"),
    # RFC 5952 4.3: lower case
    ("2001:DB8::1", "2001:db8::1"),
    ("2001:DB8:0:0:1::1", "2001:db8::1:0:0:1"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"),
    ("2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"),
    ("FE80::ABCD:EF01", "fe80::abcd:ef01"),
    # the unspecified address, loopback, edges of the zero runs
    ("::", "::"),
    ("0:0:0:0:0:0:0:0", "::"),
    ("::1", "::1"),
    ("0:0:0:0:0:0:0:1", "::1"),
    ("1::", "1::"),
    ("1:0:0:0:0:0:0:0", "1::"),
    ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
    ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
    ("2001:db8:1:0:0:0:0:0", "2001:db8:1::"),
    ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    # RFC 5952 5: IPv4-mapped (::ffff:0:0/96) in mixed notation, and it stays IPv6
    ("::ffff:c000:0201", "::ffff:192.0.2.1"),
    ("::ffff:c000:201", "::ffff:192.0.2.1"),
    ("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("::FFFF:192.0.2.1", "::ffff:192.0.2.1"),
    ("0000:0000:0000:0000:0000:FFFF:C000:0201", "::ffff:192.0.2.1"),
    ("::ffff:0:0", "::ffff:0.0.0.0"),
    ("::ffff:ffff:ffff", "::ffff:255.255.255.255"),
    # RFC 4291 2.2 form 3 (x:x:x:x:x:x:d.d.d.d) for other addresses: rendered in hex
    ("::192.0.2.1", "::c000:201"),
    ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
    ("2001:db8:0:0:0:0:192.0.2.1", "2001:db8::c000:201"),
    ("::ffff:0:192.0.2.1", "::ffff:0:c000:201"),
    # IPv4 dotted quads
    ("192.0.2.1", "192.0.2.1"),
    ("0.0.0.0", "0.0.0.0"),
    ("255.255.255.255", "255.255.255.255"),
    ("10.0.0.10", "10.0.0.10"),
]

# Refused by both: typed by hand, each for a stated reason.
REJECTED = [
    ("", "empty"),
    ("   ", "only whitespace"),
    ("192.0.2.001", "IPv4 leading zero"),
    ("010.0.2.1", "IPv4 leading zero"),
    ("192.0.2.00", "IPv4 leading zero"),
    ("256.0.2.1", "octet > 255"),
    ("192.0.2.1000", "octet > 255, 4 digits"),
    ("192.0.2", "3 parts"),
    ("192.0.2.1.5", "5 parts"),
    ("192.0.2.", "empty part"),
    ("192.0.2.0/24", "CIDR"),
    ("192.0.2.1/32", "CIDR"),
    ("2001:db8::/32", "CIDR"),
    ("fe80::1%eth0", "zone id"),
    ("fe80::1%2", "zone id"),
    ("example.com", "host name"),
    ("localhost", "host name"),
    ("cafe", "hex-only host name"),
    ("192.0.2.1a", "trailing letter"),
    ("\uff11\uff19\uff12.0.2.1", "full-width digits"),
    ("1:2:3:4:5:6:7:8:9", "9 groups"),
    ("1:2:3:4:5:6:7", "7 groups without '::'"),
    ("2001:db8::1::2", "two '::'"),
    ("1::2::", "two '::'"),
    ("12345::1", "group of 5 hex digits"),
    ("2001:db8:00000::1", "group of 5 hex digits"),
    ("2001:db8:gggg::1", "not hex"),
    (":::", "three colons"),
    ("1:::2", "three colons"),
    (":1:2:3:4:5:6:7:8", "leading single colon"),
    ("1:2:3:4:5:6:7:8:", "trailing single colon"),
    ("1:2:3:4:5:6:7:8::", "'::' standing for no group"),
    ("::1:2:3:4:5:6:7:8", "'::' standing for no group"),
    ("::ffff:192.0.2.001", "embedded IPv4 leading zero"),
    ("::ffff:192.0.2.256", "embedded IPv4 octet > 255"),
    ("::ffff:192.0.2", "embedded IPv4 with 3 parts"),
    ("::192.0.2.1:1", "dotted part not last"),
    ("1:2:3:4:5:6:7:192.0.2.1", "9 groups with the dotted part"),
    ("1.2.3.4::", "dotted part first"),
    (None, "not a string"),
    (3221225985, "not a string"),
    (["192.0.2.1"], "not a string"),
]

# The one deliberate difference: the collection strips surrounding whitespace from what
# users type; the emulator plays a strict server and refuses it (decision 52).
WHITESPACE = [
    (" 192.0.2.1", "192.0.2.1"),
    ("2001:db8::1\n", "2001:db8::1"),
    ("\t::FFFF:192.0.2.1 ", "::ffff:192.0.2.1"),
]


def emulator_answer(value):
    """('ok', canonical) or ('rejected', None) from the emulator."""
    try:
        return "ok", EMU.normalize_ip(value)
    except EMU.InvalidIPError:
        return "rejected", None


def collection_answer(value):
    """('ok', canonical) or ('rejected', None) from the collection."""
    try:
        return "ok", COLLECTION.normalize_ip(value)
    except COLLECTION.InvalidIPError:
        return "rejected", None


def assert_agree(value, expected):
    """Emulator, collection and the expectation must be one answer; say who disagrees, on which input."""
    emulator, collection = emulator_answer(value), collection_answer(value)
    assert emulator == collection, (
        "EMULATOR AND COLLECTION DISAGREE on input %r: emulator -> %s %r, collection -> %s %r (expected %r)"
        % (value, emulator[0], emulator[1], collection[0], collection[1], expected))
    assert emulator == expected, "emulator and collection agree on %r but both give %r, expected %r" % (value, emulator, expected)


def test_there_are_enough_vectors():
    assert len(ACCEPTED) + len(REJECTED) >= 40


@pytest.mark.parametrize("spelling, canonical", ACCEPTED)
def test_emulator_canonical_form(spelling, canonical):
    assert EMU.normalize_ip(spelling) == canonical
    assert EMU.normalize_ip(canonical) == canonical, "the canonical form must be its own canonical form"


@pytest.mark.parametrize("value, reason", REJECTED)
def test_emulator_rejects(value, reason):
    with pytest.raises(EMU.InvalidIPError):
        EMU.normalize_ip(value)
    assert issubclass(EMU.InvalidIPError, ValueError)


@pytest.mark.parametrize("value, _canonical", WHITESPACE)
def test_emulator_refuses_surrounding_whitespace(value, _canonical):
    """D52: unlike the collection, the emulator does not strip."""
    with pytest.raises(EMU.InvalidIPError):
        EMU.normalize_ip(value)


@pytest.mark.parametrize("value, expected", [(spelling, ("ok", canonical)) for spelling, canonical in ACCEPTED]
                         + [(value, ("rejected", None)) for value, _reason in REJECTED])
def test_cross_check_emulator_and_collection_agree(value, expected):
    assert_agree(value, expected)


@pytest.mark.parametrize("value, canonical", WHITESPACE)
def test_cross_check_the_documented_whitespace_difference(value, canonical):
    """The only known difference, pinned so that it cannot grow silently."""
    assert emulator_answer(value) == ("rejected", None)
    assert collection_answer(value) == ("ok", canonical), "the collection no longer strips whitespace: update D52"


def test_ipv4_mapped_is_not_folded_into_ipv4():
    assert EMU.normalize_ip("::ffff:192.0.2.1") != EMU.normalize_ip("192.0.2.1")
    assert EMU.parse_ip("::ffff:192.0.2.1") == (6, 0xFFFFC0000201)
    assert EMU.parse_ip("192.0.2.1") == (4, 0xC0000201)


def test_emulator_does_not_import_the_collection_or_ipaddress():
    """Task of D52: the emulator's IP handling is its own; no ipaddress, no plugins/ import."""
    with open(EMULATOR_PATH, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"ipaddress", "importlib", "ansible_collections", "plugins"}, imported
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [text for text in strings if "module_utils" in text or "_ip.py" in text]


# --------------------------------------------------------------------------- properties

def reference_text(version, number):
    """Canonical text computed here from the integer, straight from RFC 5952 (independent of the emulator)."""
    if version == 4:
        return ".".join(str((number >> shift) & 0xFF) for shift in (24, 16, 8, 0))
    if number >> 32 == 0xFFFF:
        return "::ffff:" + reference_text(4, number & 0xFFFFFFFF)
    hextets = [format((number >> (112 - 16 * index)) & 0xFFFF, "x") for index in range(8)]
    runs = [(start, stop) for start in range(8) for stop in range(start + 2, 9)
            if all(hextet == "0" for hextet in hextets[start:stop])]
    if not runs:
        return ":".join(hextets)
    start, stop = min(runs, key=lambda run: (run[0] - run[1], run[0]))
    return ":".join(hextets[:start]) + "::" + ":".join(hextets[stop:])


def test_reference_renderer_on_the_fixed_vectors():
    """The property tests' yardstick itself agrees with the hand-typed vectors."""
    for spelling, canonical in ACCEPTED:
        assert reference_text(*EMU.parse_ip(spelling)) == canonical, spelling


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])


@st.composite
def hex_group(draw, value):
    """One 16-bit group: random case, random leading zeros up to 4 digits."""
    digits = format(value, "x")
    digits = "0" * draw(st.integers(0, 4 - len(digits))) + digits
    return "".join(char.upper() if draw(st.booleans()) else char for char in digits)


@st.composite
def ipv6_spelling(draw):
    """(number, one valid RFC 4291 spelling of it)."""
    kind = draw(st.sampled_from(["random", "sparse", "mapped"]))
    if kind == "mapped":
        groups = [0, 0, 0, 0, 0, 0xFFFF, draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 0xFFFF))]
    else:
        one = st.integers(0, 0xFFFF) if kind == "random" else st.sampled_from([0, 0, 0, 1, 0xFFFF, 0xDB8])
        groups = draw(st.lists(one, min_size=8, max_size=8))
    number = 0
    for group in groups:
        number = (number << 16) | group
    dotted = draw(st.booleans()) if kind != "mapped" else draw(st.sampled_from([True, True, False]))
    hex_count = 6 if dotted else 8
    texts = [draw(hex_group(group)) for group in groups[:hex_count]]
    tail = ".".join(str(octet) for octet in (groups[6] >> 8, groups[6] & 0xFF, groups[7] >> 8, groups[7] & 0xFF)) if dotted else None
    zero_runs = [(start, stop) for start in range(hex_count) for stop in range(start + 1, hex_count + 1)
                 if all(group == 0 for group in groups[start:stop])]
    run = draw(st.sampled_from([None] + zero_runs))
    if run is None:
        text = ":".join(texts + ([tail] if tail else []))
    else:
        right = texts[run[1]:] + ([tail] if tail else [])
        text = ":".join(texts[:run[0]]) + "::" + ":".join(right)
    return number, text


@PROPERTY_SETTINGS
@given(ipv6_spelling())
def test_property_ipv6_spellings_normalize_to_the_reference(case):
    number, spelling = case
    expected = ("ok", reference_text(6, number))
    assert emulator_answer(spelling) == expected, "emulator: %r should be %r" % (spelling, expected[1])
    assert_agree(spelling, expected)


@PROPERTY_SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(0, 3))
def test_property_ipv4_and_its_leading_zero_spelling(number, padded_octet):
    text = reference_text(4, number)
    assert_agree(text, ("ok", text))
    octets = text.split(".")
    octets[padded_octet] = "0" + octets[padded_octet]
    assert_agree(".".join(octets), ("rejected", None))


@PROPERTY_SETTINGS
@given(st.text(alphabet="0123456789abcdefABCDEF:.", max_size=41))
def test_property_any_text_of_address_characters_gets_one_answer(text):
    """Fuzz: whatever the text, both accept it with the same canonical form, or both reject it."""
    emulator, collection = emulator_answer(text), collection_answer(text)
    assert emulator == collection, ("EMULATOR AND COLLECTION DISAGREE on input %r: emulator -> %s %r, collection -> %s %r"
                                    % (text, emulator[0], emulator[1], collection[0], collection[1]))
    if emulator[0] == "ok":
        assert emulator[1] == reference_text(*EMU.parse_ip(text))
