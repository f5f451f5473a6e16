# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.edgeops.cloudflare.plugins.module_utils._argspec import (
    API_GENERATIONS,
    DEFAULT_API_BASE_URL,
    DEFAULT_MAX_RETRY_WAIT,
    ArgumentSpec,
    common_argument_spec,
    connection_argument_spec,
    connection_problems,
    zone_argument_spec,
)
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _http


def test_constants():
    assert DEFAULT_API_BASE_URL == "https://api.cloudflare.com/client/v4"
    assert API_GENERATIONS == ("v2", "v1")


def test_connection_argument_spec_exact():
    spec = connection_argument_spec()
    assert spec.argument_spec == {
        "api_token": {"type": "str", "no_log": True},
        "api_email": {"type": "str"},
        "api_key": {"type": "str", "no_log": True},
        "api_base_url": {"type": "str", "fallback": (env_fallback, ["CLOUDFLARE_API_BASE_URL"]),
                         "default": "https://api.cloudflare.com/client/v4"},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30},
        "max_retry_wait": {"type": "float", "default": 180.0},
        "api_generation": {"type": "str", "choices": ["v2", "v1"], "default": "v2"},
    }
    # credentials come from _auth, not from an env fallback that would collide with task options
    for name in ("api_token", "api_email", "api_key"):
        assert "fallback" not in spec.argument_spec[name]
    assert spec.to_kwargs() == {"argument_spec": spec.argument_spec}


def test_zone_argument_spec_exact():
    spec = zone_argument_spec()
    assert spec.argument_spec == {"zone_id": {"type": "str"}, "zone": {"type": "str", "aliases": ["zone_name"]}}
    assert spec.to_kwargs() == {
        "argument_spec": spec.argument_spec,
        "mutually_exclusive": [("zone_id", "zone")],
        "required_one_of": [("zone_id", "zone")],
    }


def test_common_argument_spec_merges_both():
    kwargs = common_argument_spec().to_kwargs()
    assert sorted(kwargs["argument_spec"]) == sorted([
        "api_token", "api_email", "api_key", "api_base_url", "validate_certs", "timeout", "max_retry_wait", "api_generation",
        "zone_id", "zone"])
    assert kwargs["mutually_exclusive"] == [("zone_id", "zone")]
    assert kwargs["required_one_of"] == [("zone_id", "zone")]
    assert set(kwargs) == {"argument_spec", "mutually_exclusive", "required_one_of"}


def test_merge_extends_constraints_and_overrides_options():
    first = ArgumentSpec({"a": {"type": "str"}, "b": {"type": "int"}}, mutually_exclusive=[("a", "b")])
    second = ArgumentSpec({"b": {"type": "str"}, "c": {"type": "bool"}}, mutually_exclusive=[("b", "c")],
                          required_if=[("c", True, ("a",))])
    merged = first.merge(second)
    assert merged is first
    assert merged.argument_spec == {"a": {"type": "str"}, "b": {"type": "str"}, "c": {"type": "bool"}}
    assert merged.to_kwargs() == {
        "argument_spec": merged.argument_spec,
        "mutually_exclusive": [("a", "b"), ("b", "c")],
        "required_if": [("c", True, ("a",))],
    }
    # the merged-in spec is left as it was
    assert second.constraints["mutually_exclusive"] == [("b", "c")]


def test_constructor_copies_its_input():
    options = {"a": {"type": "str"}}
    together = [("a", "b")]
    spec = ArgumentSpec(options, required_together=together)
    spec.merge(ArgumentSpec({"z": {}}, required_together=[("y", "z")]))
    assert options == {"a": {"type": "str"}}
    assert together == [("a", "b")]


def test_unknown_constraint_is_refused():
    with pytest.raises(TypeError) as excinfo:
        ArgumentSpec({}, required_by={"a": "b"}, mutual_exclusive=[], bogus=[])
    assert str(excinfo.value) == "unknown constraints: bogus, mutual_exclusive"


def _validate(parameters):
    spec = common_argument_spec()
    validator = ArgumentSpecValidator(spec.argument_spec, mutually_exclusive=spec.constraints["mutually_exclusive"],
                                      required_one_of=spec.constraints["required_one_of"])
    return validator.validate(parameters)


def test_validation_defaults(monkeypatch):
    monkeypatch.delenv("CLOUDFLARE_API_BASE_URL", raising=False)
    result = _validate({"zone_id": "z"})
    assert result.error_messages == []
    params = result.validated_parameters
    assert params["api_base_url"] == "https://api.cloudflare.com/client/v4"
    assert params["validate_certs"] is True
    assert params["timeout"] == 30.0
    assert params["max_retry_wait"] == 180.0
    assert params["api_generation"] == "v2"


def test_max_retry_wait_default_is_the_transport_default():
    assert DEFAULT_MAX_RETRY_WAIT == _http.DEFAULT_MAX_RETRY_WAIT == 180.0


def test_validation_max_retry_wait_is_a_float():
    result = _validate({"zone_id": "z", "max_retry_wait": "2.5"})
    assert result.error_messages == []
    assert result.validated_parameters["max_retry_wait"] == 2.5
    assert _validate({"zone_id": "z", "max_retry_wait": "soon"}).error_messages


def test_validation_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:8080/client/v4")
    assert _validate({"zone_id": "z"}).validated_parameters["api_base_url"] == "http://127.0.0.1:8080/client/v4"
    # an explicit option wins over the environment
    assert _validate({"zone_id": "z", "api_base_url": "https://x.example/v4"}).validated_parameters["api_base_url"] == "https://x.example/v4"


def test_validation_zone_alias():
    result = _validate({"zone_name": "example.com"})
    assert result.error_messages == []
    assert result.validated_parameters["zone"] == "example.com"


@pytest.mark.parametrize("parameters, fragment", [
    ({}, "one of the following is required: zone_id, zone"),
    ({"zone_id": "z", "zone": "example.com"}, "parameters are mutually exclusive: zone_id|zone"),
    ({"zone_id": "z", "api_generation": "v3"}, "api_generation"),
])
def test_validation_errors(parameters, fragment):
    result = _validate(parameters)
    assert result.error_messages
    assert fragment in " ".join(result.error_messages)


# -- connection_problems: what the API would refuse, checked before any request ------------------

ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"


def good(**overrides):
    params = {"api_base_url": DEFAULT_API_BASE_URL, "timeout": 30.0, "max_retry_wait": 180.0, "zone_id": ZONE_ID, "zone": None}
    params.update(overrides)
    return params


@pytest.mark.parametrize("overrides", [
    {},
    {"timeout": 0.001},
    {"max_retry_wait": 0.0},
    {"max_retry_wait": 0},
    {"api_base_url": "http://127.0.0.1:8787/client/v4"},
    {"api_base_url": "https://api.cloudflare.com"},
    {"api_base_url": ""},        # AWX's blank field: the default endpoint
    {"api_base_url": None},
    {"zone_id": ZONE_ID.upper()},
    {"zone_id": "0123456789abcdefABCDEF0123456789"},
    {"zone_id": None, "zone": "example.com"},
    {"zone_id": None, "zone": "Example.COM."},
    {"zone_id": None, "zone": "xn--bcher-kva.example"},
    {"zone_id": None, "zone": "_acme.example.co.uk"},
    {"zone_id": None, "zone": "localhost"},
    {"timeout": None, "max_retry_wait": None},
])
def test_no_problems(overrides):
    assert connection_problems(good(**overrides)) == []


@pytest.mark.parametrize("overrides, problem", [
    ({"timeout": 0}, "timeout: must be greater than 0 seconds, got 0"),
    ({"timeout": 0.0}, "timeout: must be greater than 0 seconds, got 0.0"),
    ({"timeout": -5.0}, "timeout: must be greater than 0 seconds, got -5.0"),
    ({"timeout": float("nan")}, "timeout: must be greater than 0 seconds, got nan"),
    ({"max_retry_wait": -1.0}, "max_retry_wait: must be 0 or more seconds, got -1.0"),
    ({"max_retry_wait": float("nan")}, "max_retry_wait: must be 0 or more seconds, got nan"),
    ({"api_base_url": "api.cloudflare.com/client/v4"},
     "api_base_url: must be an http:// or https:// URL with a host, got 'api.cloudflare.com/client/v4'"),
    ({"api_base_url": "ftp://api.cloudflare.com/client/v4"},
     "api_base_url: must be an http:// or https:// URL with a host, got 'ftp://api.cloudflare.com/client/v4'"),
    ({"api_base_url": "https://"}, "api_base_url: must be an http:// or https:// URL with a host, got 'https://'"),
    ({"api_base_url": "https:///client/v4"}, "api_base_url: must be an http:// or https:// URL with a host, got 'https:///client/v4'"),
    ({"zone_id": "023e105f4ecef8ad9ca31a8372d0c35"}, "zone_id: must be a zone id of 32 hex digits, got '023e105f4ecef8ad9ca31a8372d0c35'"),
    ({"zone_id": ZONE_ID + "3"}, "zone_id: must be a zone id of 32 hex digits, got '%s3'" % ZONE_ID),
    ({"zone_id": "g23e105f4ecef8ad9ca31a8372d0c353"}, "zone_id: must be a zone id of 32 hex digits, got 'g23e105f4ecef8ad9ca31a8372d0c353'"),
    ({"zone_id": "../../user/tokens"}, "zone_id: must be a zone id of 32 hex digits, got '../../user/tokens'"),
    ({"zone_id": ZONE_ID[:16] + "/" + ZONE_ID[17:]}, "zone_id: must be a zone id of 32 hex digits, got '%s'" % (ZONE_ID[:16] + "/" + ZONE_ID[17:])),
    ({"zone_id": ZONE_ID[:8] + " " + ZONE_ID[8:31]}, "zone_id: must be a zone id of 32 hex digits, got '%s'" % (ZONE_ID[:8] + " " + ZONE_ID[8:31])),
    ({"zone_id": ZONE_ID[:16] + "\n" + ZONE_ID[16:]}, "zone_id: must be a zone id of 32 hex digits, got %r" % (ZONE_ID[:16] + "\n" + ZONE_ID[16:])),
    ({"zone_id": ""}, "zone_id: must be a zone id of 32 hex digits, got ''"),
    ({"zone_id": None, "zone": "exa mple.com"}, "zone: must be a DNS name such as example.com, got 'exa mple.com'"),
    ({"zone_id": None, "zone": "example..com"}, "zone: must be a DNS name such as example.com, got 'example..com'"),
    ({"zone_id": None, "zone": "-example.com"}, "zone: must be a DNS name such as example.com, got '-example.com'"),
    ({"zone_id": None, "zone": "https://example.com"}, "zone: must be a DNS name such as example.com, got 'https://example.com'"),
    ({"zone_id": None, "zone": "example.com/zones"}, "zone: must be a DNS name such as example.com, got 'example.com/zones'"),
    ({"zone_id": None, "zone": ""}, "zone: must be a DNS name such as example.com, got ''"),
    ({"zone_id": None, "zone": "a" * 64 + ".com"}, "zone: must be a DNS name such as example.com, got '%s.com'" % ("a" * 64)),
])
def test_one_problem_naming_the_option(overrides, problem):
    problems = connection_problems(good(**overrides))
    assert problems == [problem]
    option = problem.split(":", 1)[0]
    assert option in overrides


@pytest.mark.parametrize("zone_id", [ZONE_ID + "\n", ZONE_ID.upper() + "\r\n", " %s " % ZONE_ID, "\t%s" % ZONE_ID])
def test_zone_id_with_stray_whitespace_around_it_is_refused_or_accepted_as_its_digits(zone_id):
    # A value from a file lookup or a YAML block scalar ends in a newline. Either it is refused here, or it
    # passes and the modules use the 32 digits alone (test_origin_cloud_region.py checks the URL it reaches).
    # What must never happen is a check that passes on a value it did not check: "$" matching before "\n".
    problems = connection_problems(good(zone_id=zone_id))
    assert problems in ([], ["zone_id: must be a zone id of 32 hex digits, got %r" % zone_id])


@pytest.mark.parametrize("zone", ["example.com\n", " example.com ", "Example.COM.\n"])
def test_zone_with_stray_whitespace_around_it_is_refused_or_accepted_as_its_name(zone):
    problems = connection_problems(good(zone_id=None, zone=zone))
    assert problems in ([], ["zone: must be a DNS name such as example.com, got %r" % zone])


def test_every_problem_is_reported_at_once():
    problems = connection_problems(good(timeout=0.0, max_retry_wait=-2.0, api_base_url="ftp://x", zone_id="nope", zone="a b"))
    assert [problem.split(":", 1)[0] for problem in problems] == ["timeout", "max_retry_wait", "api_base_url", "zone_id", "zone"]


def test_missing_options_are_no_problem():
    # connection_problems reads only what is there: the argument spec handles required options
    assert connection_problems({}) == []
