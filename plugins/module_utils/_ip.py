# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Origin IP normalization: one canonical spelling per address (RFC 5952 for IPv6).

Every IP that enters the collection (module options, inventory, the API's answers)
goes through ``normalize_ip`` so that two spellings of one address compare equal.
"""

from __future__ import annotations

import functools
import ipaddress
import re

_LOOKS_LIKE_IPV4 = re.compile(r'^[0-9.]+$')


class InvalidIPError(ValueError):
    """The value is not a single, plain IPv4 or IPv6 address."""


def _describe(value):
    return repr(value) if isinstance(value, str) else "a value of type %s" % type(value).__name__


def normalize_ip(value):
    """Return the canonical text form of one IPv4 or IPv6 address.

    IPv6 follows RFC 5952: lower case, leading zeros dropped, the longest run of
    zero groups compressed, and IPv4-mapped addresses in the mixed notation
    ``::ffff:192.0.2.1`` that section 5 recommends (Python's ``str()`` would give
    ``::ffff:c000:201``).  IPv4-mapped addresses stay IPv6: they are not folded
    into their IPv4 form.

    Raises InvalidIPError, with the reason, for anything else: empty strings,
    CIDR prefixes, IPv6 zone ids, IPv4 with leading zeros, host names.
    """
    if not isinstance(value, str):
        raise InvalidIPError("%s is not an IP address: expected a string" % _describe(value))
    return _canonical_text(value)


# A batch task meets each IP at least twice (its input, then the zone's listing): parse it once.
# Errors are not cached; they carry the value as given.
@functools.lru_cache(maxsize=16384)
def _canonical_text(value):
    text = value.strip()
    if not text:
        raise InvalidIPError("the IP address is empty")
    if "/" in text:
        raise InvalidIPError("%r is a network (CIDR prefix), not a single IP address" % value)
    if "%" in text:
        raise InvalidIPError("%r carries an IPv6 zone id; zone ids are not allowed in origin IPs" % value)
    if ":" in text:
        parser = ipaddress.IPv6Address
    elif _LOOKS_LIKE_IPV4.match(text):
        parser = ipaddress.IPv4Address
    else:
        raise InvalidIPError("%r is not an IP address (host names are not accepted)" % value)
    try:
        address = parser(text)
    except ValueError as exc:
        # ipaddress names the exact problem (leading zeros, octet out of range, ...).
        raise InvalidIPError("%r is not a valid IP address: %s" % (value, exc)) from None
    if address.version == 6 and address.ipv4_mapped is not None:
        return "::ffff:%s" % address.ipv4_mapped
    return str(address)
