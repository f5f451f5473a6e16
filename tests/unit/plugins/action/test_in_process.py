# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins' in-process path (plugin_utils/_in_process.py).

The central check: for the same arguments and the same HTTP answers, ``run_in_process`` returns
exactly what the module itself prints through a real ``AnsibleModule`` (``main()``, with its own
``exit_json``/``fail_json``): every field, ``invocation.module_args`` masked, warnings. Then the
choice between the two paths, and the loop's view of a zone.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.edgeops.cloudflare.plugins.action import origin_cloud_region as single_action
from ansible_collections.edgeops.cloudflare.plugins.action import origin_cloud_region_info as info_action
from ansible_collections.edgeops.cloudflare.plugins.action import origin_cloud_regions as batch_action
from ansible_collections.edgeops.cloudflare.plugins.action import zone_info as zones_action
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import OriginCloudRegionsClient
from ansible_collections.edgeops.cloudflare.plugins.module_utils._http import HTTPResponse, TransportError
from ansible_collections.edgeops.cloudflare.plugins.modules import origin_cloud_region, origin_cloud_region_info, origin_cloud_regions
from ansible_collections.edgeops.cloudflare.plugins.modules import zone_info
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils import _in_process
from ansible_collections.edgeops.cloudflare.tests.unit.fake_api import (
    BASE_URL,
    NOT_FOUND_1142,
    SUPPORTED_REGIONS,
    TOKEN,
    V1,
    V2,
    ZONE_ID,
    Call,
    FakeTransport,
    clear_cloudflare_env,
    failure,
    page_info,
    success,
    v1_entry,
    v1_setting,
    v2_entry,
)
from ansible_collections.edgeops.cloudflare.tests.unit.utils import set_module_args

T0 = "2026-03-01T12:00:00Z"
T1 = "2026-06-01T08:00:00Z"
SINGLE = "edgeops.cloudflare.origin_cloud_region"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_cloudflare_env(monkeypatch)
    monkeypatch.delenv(_in_process.IN_PROCESS_ENV, raising=False)
    monkeypatch.delenv(_in_process.LOOP_VIEW_ENV, raising=False)
    # Every test starts without a remembered loop.
    monkeypatch.setitem(_in_process._LOOP, "key", None)


@pytest.fixture
def module_warnings_in_result(monkeypatch):
    """A module's warnings go into its own result, collected afresh for each run, as on a target."""
    # pylint: disable-next=import-outside-toplevel
    from ansible.module_utils import _internal

    if hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(module_warnings, "_global_warnings", type(module_warnings._global_warnings)())
    monkeypatch.setattr(module_warnings, "_global_deprecations", type(module_warnings._global_deprecations)())


# -- the two paths on the same answers ---------------------------------------------------------


def module_result(monkeypatch, capsys, module, args, calls, check_mode=False, diff=False, name=SINGLE):
    """What the module prints through a real AnsibleModule (its own exit_json/fail_json)."""
    fake = FakeTransport(calls)
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    capsys.readouterr()
    with set_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_module_name=name)):
        with pytest.raises(SystemExit):
            module.main()
    fake.assert_done()
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def in_process_result(monkeypatch, module, logic, args, calls, check_mode=False, diff=False, name=SINGLE):
    fake = FakeTransport(calls)
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    result = _in_process.run_in_process(name, module, getattr(module, logic), getattr(module, "prepare", None),
                                        _in_process.plain(args), check_mode, diff)
    fake.assert_done()
    if fake.built_with is not None:
        assert fake.closed
    # The module's answer travels as JSON: compare what the controller would read.
    return json.loads(json.dumps(result))


def warning_texts(result):
    """The warnings' messages, whether plain texts (2.18, in-process) or encoded summaries (2.19 modules)."""
    texts = []
    for warning in result.pop("warnings", []):
        if isinstance(warning, dict):
            event = warning.get("event", warning)
            warning = event.get("msg", event)
        texts.append(warning)
    return texts


def same(monkeypatch, capsys, module, logic, args, calls, check_mode=False, diff=False, name=SINGLE):
    """Run both paths on the same calls; assert the results are equal; return the result."""
    expected = module_result(monkeypatch, capsys, module, args, calls, check_mode, diff, name=name)
    actual = in_process_result(monkeypatch, module, logic, args, calls, check_mode, diff, name=name)
    expected.pop("exception", None)
    actual.pop("exception", None)
    texts = warning_texts(actual)
    assert texts == warning_texts(expected)
    assert actual == expected
    if texts:
        actual["warnings"] = texts
    return actual


def args(**overrides):
    values = {"zone_id": ZONE_ID, "origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1", "api_token": TOKEN}
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def get(ip, vendor=None, region=None, modified_on=T0):
    if vendor is None:
        return Call("GET", V2 + "/" + ip, status=404, data=NOT_FOUND_1142)
    return Call("GET", V2 + "/" + ip, data=success(v2_entry(ip, vendor, region, modified_on)))


def put(ip, vendor, region, modified_on=T1, **kwargs):
    return Call("PUT", V2 + "/" + ip, json={"origin_ip": ip, "vendor": vendor, "region": region},
                data=kwargs.pop("data", success(v2_entry(ip, vendor, region, modified_on))), **kwargs)


def supported():
    return Call("GET", V2 + "/supported_regions", data=success(SUPPORTED_REGIONS))


def listing(*entries):
    return Call("GET", V2, params={"page": 1, "per_page": 100},
                data=success(list(entries), result_info=page_info(1, 100, len(entries), len(entries), 1)))


@pytest.mark.parametrize("check_mode, diff", [(False, False), (False, True), (True, True)])
def test_create_is_the_same(monkeypatch, capsys, module_warnings_in_result, check_mode, diff):
    calls = [get("192.0.2.1"), supported()] + ([] if check_mode else [put("192.0.2.1", "aws", "us-east-1")])
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(), calls, check_mode, diff)
    assert result["changed"] is True
    assert result["invocation"]["module_args"]["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert ("diff" in result) is diff


def test_unchanged_update_and_delete_are_the_same(monkeypatch, capsys, module_warnings_in_result):
    assert same(monkeypatch, capsys, origin_cloud_region, "apply", args(), [get("192.0.2.1", "aws", "us-east-1")])["changed"] is False
    update = [get("192.0.2.1", "aws", "us-east-1"), supported(), put("192.0.2.1", "aws", "us-west-2")]
    assert same(monkeypatch, capsys, origin_cloud_region, "apply", args(region="us-west-2"), update, diff=True)["changed"] is True
    delete = [get("192.0.2.1", "aws", "us-east-1"), Call("DELETE", V2 + "/192.0.2.1", data=success({"origin_ip": "192.0.2.1"}))]
    assert same(monkeypatch, capsys, origin_cloud_region, "apply", args(state="absent", vendor=None, region=None), delete)["changed"]


@pytest.mark.parametrize("overrides", [
    {"bogus": 1},                                  # unsupported parameter
    {"vendor": None},                              # required_if state=present
    {"vendor": "ibm"},                             # choices
    {"zone": "example.com"},                       # mutually exclusive with zone_id
    {"zone_id": None},                             # required_one_of
    {"origin_ip": "10.0.0.0/8"},                   # prepare refuses it before any request
    {"region": "  "},                              # prepare: blank region
    {"timeout": 0},                                # connection_problems
    {"timeout": "soon"},                           # type
    {"api_token": None},                           # no credentials at all
], ids=lambda overrides: ",".join(sorted(overrides)))
def test_refusals_before_any_request_are_the_same(monkeypatch, capsys, module_warnings_in_result, overrides):
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(**overrides), [])
    assert result["failed"] is True and result["msg"]


def test_api_failures_are_the_same(monkeypatch, capsys, module_warnings_in_result):
    denied = Call("GET", V2 + "/192.0.2.1", status=403, data=failure((10000, "Authentication error")))
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(), [denied])
    assert result["api_error"]["status"] == 403
    refused = [get("192.0.2.1"), put("192.0.2.1", "aws", "us-nowhere-1", status=400, data=failure((1157, "bad region")))]
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(region="us-nowhere-1", validate_region=False), refused)
    assert "[1157]" in result["msg"]
    lost = [get("192.0.2.1"), supported(), put("192.0.2.1", "aws", "us-east-1", raises=TransportError("reset")), get("192.0.2.1")]
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(), lost)
    assert "not in place" in result["msg"]


def test_secrets_from_the_environment_are_masked_alike(monkeypatch, capsys, module_warnings_in_result):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN + "\n")
    # The token travels in an error message the API echoes: both paths mask it.
    echoed = Call("GET", V2 + "/192.0.2.1", status=403, data=failure((10000, "token %s is not valid" % TOKEN)))
    result = same(monkeypatch, capsys, origin_cloud_region, "apply", args(api_token=None), [echoed])
    assert TOKEN not in json.dumps(result)
    assert "********" in result["msg"]


def test_warnings_are_the_same(monkeypatch, capsys, module_warnings_in_result):
    # The alias warning of the argument spec and the module's own (v1's end of life).
    v1_get = Call("GET", V1 + "/192.0.2.1", data=success(v1_setting(v1_entry("192.0.2.1", "aws", "us-east-1"))))
    zone = Call("GET", BASE_URL + "/zones", params={"name": "example.com"}, data=success([{"id": ZONE_ID, "name": "example.com"}]))
    result = same(monkeypatch, capsys, origin_cloud_region, "apply",
                  args(zone_id=None, zone="example.com", zone_name="example.com", api_generation="v1"), [zone, v1_get])
    assert result["changed"] is False
    assert result["warnings"][0] == "Both option zone and its alias zone_name are set."
    assert "2026-10-01" in result["warnings"][1]


def test_info_and_batch_modules_are_the_same(monkeypatch, capsys, module_warnings_in_result):
    entries = [v2_entry("192.0.2.%d" % number, "aws", "us-east-1") for number in (1, 2)]
    info = same(monkeypatch, capsys, origin_cloud_region_info, "read", {"zone_id": ZONE_ID, "api_token": TOKEN},
                [listing(*entries)], name="edgeops.cloudflare.origin_cloud_region_info")
    assert info["count"] == 2
    wanted = [{"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"}, {"origin_ip": "192.0.2.3", "vendor": "gcp", "region": "us-central1"}]
    batch = [listing(*entries), supported(),
             Call("PUT", V2 + "/batch", json=[wanted[1]], data=success({"succeeded": [wanted[1]], "failed": []}))]
    result = same(monkeypatch, capsys, origin_cloud_regions, "apply", {"zone_id": ZONE_ID, "api_token": TOKEN, "mappings": wanted},
                  batch, diff=True, name="edgeops.cloudflare.origin_cloud_regions")
    assert result["created"] == ["192.0.2.3"]
    bad = [{"origin_ip": "192.0.2.1"}, "not a dict"]
    result = same(monkeypatch, capsys, origin_cloud_regions, "apply", {"zone_id": ZONE_ID, "api_token": TOKEN, "mappings": bad}, [],
                  name="edgeops.cloudflare.origin_cloud_regions")
    assert result["failed"] is True and "mappings[1]" in result["msg"]


ZONES = "edgeops.cloudflare.zone_info"


def zones_page(*names, **params):
    entries = [{"id": "%032x" % number, "name": name, "status": "active", "account": {"id": "a" * 32}}
               for number, name in enumerate(names, start=1)]
    return Call("GET", BASE_URL + "/zones", params=dict({"per_page": 50, "page": 1}, **params),
                data=success(entries, result_info=page_info(1, 50, len(entries), len(entries), 1)))


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_zone_info_is_the_same(monkeypatch, capsys, module_warnings_in_result, check_mode):
    every = same(monkeypatch, capsys, zone_info, "read", {"api_token": TOKEN}, [zones_page("example.net", "example.com")],
                 check_mode=check_mode, name=ZONES)
    assert [zone["name"] for zone in every["zones"]] == ["example.com", "example.net"]
    assert every["count"] == 2 and every["missing"] == [] and every["api_requests"] == 1 and "zone_id" not in every
    account = {"account.id": "a" * 32}
    named = same(monkeypatch, capsys, zone_info, "read", {"api_token": TOKEN, "name": ["Example.com.", "nope.example"], "account_id": "a" * 32},
                 [zones_page("example.com", name="example.com", **account), zones_page(name="nope.example", **account)],
                 check_mode=check_mode, name=ZONES)
    assert named["missing"] == ["nope.example"] and named["invocation"]["module_args"]["names"] == ["Example.com.", "nope.example"]
    assert named["invocation"]["module_args"]["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


@pytest.mark.parametrize("overrides", [
    {"names": ["ok.example", "no/such"], "timeout": 0},   # the module's own check, with the shared options'
    {"zone": "example.com"},                              # zone_info has no zone option
    {"api_token": None},                                  # no credentials at all
], ids=["names", "zone", "credentials"])
def test_zone_info_refusals_are_the_same(monkeypatch, capsys, module_warnings_in_result, overrides):
    result = same(monkeypatch, capsys, zone_info, "read", args(zone_id=None, origin_ip=None, vendor=None, region=None, **overrides),
                  [], name=ZONES)
    assert result["failed"] is True and result["msg"]


def test_zone_info_failures_are_the_same_and_mask_the_token(monkeypatch, capsys, module_warnings_in_result):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN + "\n")
    echoed = Call("GET", BASE_URL + "/zones", params={"per_page": 50, "page": 1}, status=403,
                  data=failure((10000, "token %s is not valid" % TOKEN)))
    result = same(monkeypatch, capsys, zone_info, "read", {}, [echoed], name=ZONES)
    assert TOKEN not in json.dumps(result) and result["api_error"]["status"] == 403
    short = Call("GET", BASE_URL + "/zones", params={"per_page": 50, "page": 1},
                 data=success([], result_info=page_info(1, 50, 0, 3, 1)))
    result = same(monkeypatch, capsys, zone_info, "read", {}, [short], name=ZONES)
    assert "the list of zones is incomplete or inconsistent" in result["msg"]


def test_an_unexpected_error_fails_the_task_with_its_traceback(monkeypatch):
    monkeypatch.setattr(origin_cloud_region, "apply", mock.Mock(side_effect=KeyError("boom")))
    fake = FakeTransport([])
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    result = _in_process.run_in_process(SINGLE, origin_cloud_region, origin_cloud_region.apply, origin_cloud_region.prepare,
                                        args(), False, False)
    assert result["failed"] is True
    assert "KeyError" in result["msg"] and "Traceback" in result["exception"]
    assert result["invocation"]["module_args"]["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


# -- the stand-in and its helpers --------------------------------------------------------------


def test_stand_in_formats_like_ansible_module():
    module = _in_process.InProcessModule("m", {"api_token": "t0k3n", "flag": True}, no_log_values=["t0k3n"])
    module.warn("careful with t0k3n")
    module.deprecate("old", version="2.0.0", collection_name="edgeops.cloudflare")
    with pytest.raises(_in_process.ModuleExit) as exit_:
        module.exit_json(changed=False, echo="t0k3n", nothing=None)
    result = exit_.value.result
    assert result["invocation"] == {"module_args": {"api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "flag": True}}
    assert result["echo"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["warnings"] == ["careful with ********"]
    assert result["deprecations"] == [{"msg": "old", "version": "2.0.0", "collection_name": "edgeops.cloudflare"}]
    assert result["changed"] is False and result["nothing"] is None
    with pytest.raises(_in_process.ModuleExit) as fail:
        module.fail_json(msg="no")
    assert fail.value.result["failed"] is True and fail.value.result["msg"] == "no"


# Few letters, so that values often hold a secret, and the characters JSON escapes.
_TEXT = st.text(alphabet='ab"\\\n\u00e9', max_size=6)
_KEYS = st.one_of(_TEXT, st.integers(0, 12), st.booleans(), st.none())
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-20, 2000), st.floats(allow_nan=False, allow_infinity=False), _TEXT)
_RESULTS = st.recursive(_SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
                                                             st.dictionaries(_KEYS, children, max_size=4)), max_leaves=20)
_SECRETS = st.sets(st.one_of(_TEXT, st.sampled_from(["1", "20", "0.5", "ru", "None", 'a"b', "a", "b"])), max_size=3)


def _typed(value):
    """The value with the type of every part: True is not 1, 1 is not 1.0, a key 1 is not "1"."""
    if isinstance(value, dict):
        return ("dict", [(_typed(key), _typed(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, repr(value))


def _as_the_module_path_gives_it(result, secrets):
    # A module masks its result with remove_values and prints it as JSON; the controller parses it.
    return json.loads(json.dumps(remove_values(result, secrets), ensure_ascii=False))


@settings(max_examples=500, deadline=None)
@given(result=_RESULTS, secrets=_SECRETS)
@example(result={"invocation": {"module_args": {"api_token": "t0k", "mappings": [{"origin_ip": "192.0.2.1"}]}}, "n": 10},
         secrets={"t0k"})
@example(result={"count": 12, "echo": ["xa\"by"], "flag": [True, None]}, secrets={"1", 'a"b'})
@example(result={"x": {1: "a", "1": "b"}, "t": "t0k", "tuple": ("t0k", 1)}, secrets={"t0k"})
@example(result={"many": ["a"] * 20, "deep": [[[[[[[["a"]]]]]]]]}, secrets={"a"})
def test_masking_gives_what_the_module_path_gives(result, secrets):
    # The shortcut (JSON copies of the parts without a secret) must not change a single value or type.
    assert _typed(_in_process.masked(result, secrets)) == _typed(_as_the_module_path_gives_it(result, secrets))


def test_masking_leaves_what_json_cannot_carry_to_remove_values():
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    result = {"when": when, "tuple": ("t0k", 1), "set": {"x"}, "text": "t0k!"}
    assert _in_process.masked(result, {"t0k"}) == remove_values(result, {"t0k"})


def test_masking_takes_no_log_values_as_remove_values_does():
    # Bytes are compared as text, as remove_values does (to_native).
    assert _in_process.masked({"x": "tok", "y": ["a tok b"]}, {b"tok"}) == {"x": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "y": ["a ******** b"]}


@pytest.mark.parametrize("leaf, expected", [("a", "a"), ("t0k", "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")],
                         ids=["no secret", "secret at the bottom"])
def test_masking_a_result_nested_deeper_than_json_goes_takes_remove_values(leaf, expected):
    # remove_values walks any depth (ansible/ansible#24560); JSON and the split recurse.
    result = leaf
    for _level in range(5000):
        result = [result]
    value = _in_process.masked({"x": result}, {"t0k"})["x"]
    for _level in range(5000):  # == itself would recurse too deep
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == expected


class TaggedText(str):
    """Stands in for ansible-core's tagged strings."""


def test_plain_rebuilds_what_a_module_receives():
    value = {TaggedText("a"): (1, TaggedText("b")), "set": frozenset([2]), "when": datetime.date(2026, 1, 2), "none": None,
             "yes": True, "number": 1.5}
    result = _in_process.plain(value)
    assert result == {"a": [1, "b"], "set": [2], "when": "2026-01-02", "none": None, "yes": True, "number": 1.5}
    assert list(result)[0].__class__ is str and result["a"][1].__class__ is str


def test_plain_gives_keys_as_json_text_as_the_module_receives_them():
    # YAML gives keys that are not text (``1:``, ``null:``); the module's JSON makes them text.
    value = {1: "a", 2.5: "b", None: "c", False: "d", "e": {7: "f"}}
    assert _in_process.plain(value) == {"1": "a", "2.5": "b", "null": "c", "false": "d", "e": {"7": "f"}}


@pytest.mark.parametrize("key", [datetime.date(2026, 1, 2), ("a", "b")])
def test_plain_refuses_keys_a_module_cannot_receive(key):
    with pytest.raises(AnsibleActionFail, match="dict key of type (date|tuple)"):
        _in_process.plain({"mappings": [{key: "x"}]})


def test_task_environment_is_applied_and_restored(monkeypatch):
    monkeypatch.setenv("EDGEOPS_TEST_KEEP", "kept")
    monkeypatch.delenv("EDGEOPS_TEST_NEW", raising=False)
    with _in_process.task_environment({"EDGEOPS_TEST_KEEP": "changed", "EDGEOPS_TEST_NEW": 5}):
        assert os.environ["EDGEOPS_TEST_KEEP"] == "changed" and os.environ["EDGEOPS_TEST_NEW"] == "5"
    assert os.environ["EDGEOPS_TEST_KEEP"] == "kept" and "EDGEOPS_TEST_NEW" not in os.environ


# -- which path ----------------------------------------------------------------------------------


def action(plugin=single_action, transport="local", become=False, async_val=0, task_args=None, check_mode=False, diff=False,
           environment=None):
    task = mock.MagicMock()
    task.args = dict(task_args if task_args is not None else args())
    task.action = SINGLE
    task.async_val = async_val
    task.check_mode = check_mode
    task.diff = diff
    task.environment = environment or []
    task._uuid = "task-uuid"
    connection = mock.MagicMock()
    connection.transport = transport
    connection._shell.tmpdir = None
    connection.has_native_async = False
    play_context = mock.MagicMock()
    play_context.become = become
    templar = mock.MagicMock()
    templar.template.side_effect = lambda value: value
    return plugin.ActionModule(task, connection, play_context, loader=None, templar=templar, shared_loader_obj=None)


@pytest.mark.parametrize("kwargs, task_vars, environ, words", [
    ({}, {}, {}, None),
    ({"transport": "ssh"}, {}, {}, "connection 'ssh'"),
    ({"become": True}, {}, {}, "become"),
    ({"async_val": 30}, {}, {}, "async"),
    ({}, {"edgeops_cloudflare_in_process": False}, {}, "switched off"),
    ({}, {"edgeops_cloudflare_in_process": "no"}, {}, "switched off"),
    ({}, {}, {"EDGEOPS_CLOUDFLARE_IN_PROCESS": "false"}, "switched off"),
    # the task variable wins over the environment
    ({}, {"edgeops_cloudflare_in_process": True}, {"EDGEOPS_CLOUDFLARE_IN_PROCESS": "false"}, None),
])
def test_which_path(monkeypatch, kwargs, task_vars, environ, words):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    reason = _in_process.module_path_reason(action(**kwargs), task_vars)
    assert (reason is None) if words is None else (words in reason), reason


def test_a_switch_that_is_not_a_boolean_fails_the_task():
    with pytest.raises(AnsibleActionFail, match="edgeops_cloudflare_in_process must be true or false"):
        _in_process.module_path_reason(action(), {"edgeops_cloudflare_in_process": "maybe"})


@pytest.mark.parametrize("kwargs, wrap_async", [({"transport": "ssh"}, 0), ({"async_val": 30}, True)])
def test_the_module_path_is_the_normal_action(kwargs, wrap_async):
    plugin = action(**kwargs)
    with mock.patch.object(plugin, "_execute_module", return_value={"changed": True, "from": "module"}) as execute, \
            mock.patch.object(plugin, "_remove_tmp_path"):
        result = plugin.run(task_vars={})
    execute.assert_called_once_with(task_vars={}, wrap_async=wrap_async)
    assert result["from"] == "module"


@pytest.mark.parametrize("plugin, module", [(single_action, origin_cloud_region), (info_action, origin_cloud_region_info),
                                            (batch_action, origin_cloud_regions), (zones_action, zone_info)])
def test_each_plugin_names_its_module_and_logic(plugin, module):
    assert plugin.ActionModule.MODULE is module
    assert callable(getattr(module, plugin.ActionModule.LOGIC))
    assert plugin.ActionModule.LOOP_VIEW is (module is origin_cloud_region)


def test_run_in_process_uses_check_diff_and_the_task_environment(monkeypatch):
    fake = FakeTransport([get("192.0.2.1", "aws", "us-east-1"), supported()])
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    plugin = action(task_args=args(api_token=None, region="us-west-2"), check_mode=True, diff=True,
                    environment=[{"CLOUDFLARE_API_TOKEN": TOKEN}])
    plugin._connection._shell.env_prefix.return_value = ""
    with mock.patch.object(plugin, "_execute_module") as execute:
        result = plugin.run(task_vars={})
    execute.assert_not_called()
    fake.assert_done()
    assert result["changed"] is True and result["diff"]["after"]["region"] == "us-west-2"
    assert result["_ansible_parsed"] is True
    assert fake.built_with[0]["Authorization"] == "Bearer " + TOKEN
    assert "CLOUDFLARE_API_TOKEN" not in os.environ


def test_no_garbage_collection_while_the_logic_runs_and_after_it_as_before(monkeypatch):
    fake = FakeTransport([get("192.0.2.1", "aws", "us-east-1")])
    seen = []

    def make_transport(*arguments, **options):
        seen.append(gc.isenabled())
        return fake.make_transport(*arguments, **options)

    monkeypatch.setattr(_module, "make_transport", make_transport)
    assert gc.isenabled()
    assert action(task_args=args()).run(task_vars={})["changed"] is False
    assert seen == [False] and gc.isenabled()
    # A failure inside gives collections back too; a caller that had them off keeps them off.
    with pytest.raises(RuntimeError), _in_process.collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with _in_process.collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_zone_info_plugin_runs_its_module_in_process_or_as_a_module(monkeypatch):
    fake = FakeTransport([zones_page("example.com", name="example.com")])
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    plugin = action(plugin=zones_action, task_args={"names": ["example.com"]}, check_mode=True,
                    environment=[{"CLOUDFLARE_API_TOKEN": TOKEN}])
    plugin._task.action = ZONES
    plugin._connection._shell.env_prefix.return_value = ""
    with mock.patch.object(plugin, "_execute_module") as execute:
        result = plugin.run(task_vars={})
    execute.assert_not_called()
    fake.assert_done()
    assert result["zones"][0]["name"] == "example.com" and result["changed"] is False and "zone_id" not in result
    assert fake.built_with[0]["Authorization"] == "Bearer " + TOKEN
    assert "CLOUDFLARE_API_TOKEN" not in os.environ
    with mock.patch.object(plugin, "_execute_module", return_value={"from": "module"}) as execute, \
            mock.patch.object(plugin, "_remove_tmp_path"):
        result = plugin.run(task_vars={"edgeops_cloudflare_in_process": False})
    execute.assert_called_once_with(task_vars={"edgeops_cloudflare_in_process": False}, wrap_async=0)
    assert result["from"] == "module"


# -- where a loop item is ----------------------------------------------------------------------


class TaskExecutor:  # pylint: disable=too-few-public-methods
    """Named like ansible-core's: loop_position looks for its _run_loop frame."""

    def _run_loop(self, items):
        for item_index, _item in enumerate(items):
            return _in_process.loop_position({"ansible_loop_var": "item"}), item_index
        return None


def test_loop_position_from_the_executor_frame_or_ansible_loop():
    assert TaskExecutor()._run_loop(["a", "b", "c"]) == ((0, 3), 0)
    assert _in_process.loop_position({}) is None
    assert _in_process.loop_position({"ansible_loop_var": "item"}) is None
    extended = {"ansible_loop_var": "item", "ansible_loop": {"index0": 4, "length": 9}}
    assert _in_process.loop_position(extended) == (4, 9)


# -- the loop's view -----------------------------------------------------------------------------


class Answers:
    """A transport answering from a dict of (method, url, page) -> HTTPResponse, counting requests."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []

    def request(self, method, url, params=None, json_body=None):
        page = (params or {}).get("page")
        self.sent.append((method, url.replace(V2, ""), page))
        answer = self.answers[(method, url, page)]
        if isinstance(answer, Exception):
            raise answer
        return answer() if callable(answer) else answer

    def close(self):
        pass


def zone_pages(count, per_page=100):
    entries = [v2_entry("198.18.%d.%d" % (number // 250, number % 250 + 1), "aws", "us-east-1") for number in range(count)]
    pages = [entries[start:start + per_page] for start in range(0, count, per_page)] or [[]]
    total_pages = len(pages)
    return {("GET", V2, number + 1): HTTPResponse(200, {}, success(page, result_info=page_info(number + 1, per_page, len(page), count, total_pages)))
            for number, page in enumerate(pages)}, [entry["origin_ip"] for entry in entries]


def item_client(state, transport, length, index):
    client = OriginCloudRegionsClient(transport, BASE_URL)
    state.items.add(index)
    return _in_process.LoopViewClient(client, state, (BASE_URL, "v2", "digest"), remaining=length - index, items_seen=len(state.items))


def item_answers(ips, found=True):
    answers = {}
    for ip in ips:
        answers[("GET", V2 + "/" + ip, None)] = (HTTPResponse(200, {}, success(v2_entry(ip, "aws", "us-east-1"))) if found
                                                 else HTTPResponse(404, {}, NOT_FOUND_1142))
    return answers


def test_a_long_loop_reads_the_zone_once_after_two_single_reads():
    pages, ips = zone_pages(250)
    transport = Answers({**pages, **item_answers(ips)})
    state = _in_process.LoopState()
    for index, ip in enumerate(ips[:50]):
        assert item_client(state, transport, 50, index).get_mapping(ZONE_ID, ip)["origin_ip"] == ip
    assert transport.sent == [("GET", "/" + ips[0], None), ("GET", "/" + ips[1], None),
                              ("GET", "", 1), ("GET", "", 2), ("GET", "", 3)]


def test_a_loop_too_short_for_the_zone_keeps_single_reads_and_tries_once():
    pages, ips = zone_pages(250)
    transport = Answers({**pages, **item_answers(ips)})
    state = _in_process.LoopState()
    for index, ip in enumerate(ips[:4]):
        item_client(state, transport, 4, index).get_mapping(ZONE_ID, ip)
    # Item 3 expected 2 reads: page 1 announced 3 pages, more than 1, so the listing stopped there.
    assert transport.sent == [("GET", "/" + ips[0], None), ("GET", "/" + ips[1], None), ("GET", "", 1),
                              ("GET", "/" + ips[2], None), ("GET", "/" + ips[3], None)]


@pytest.mark.parametrize("length", [1, 2, 3])
def test_short_loops_and_single_tasks_read_one_mapping_each(length):
    pages, ips = zone_pages(10)
    transport = Answers({**pages, **item_answers(ips)})
    state = _in_process.LoopState()
    for index in range(length):
        item_client(state, transport, length, index).get_mapping(ZONE_ID, ips[index])
    assert transport.sent == [("GET", "/" + ip, None) for ip in ips[:length]]


def test_the_view_follows_the_loops_own_writes_and_forgets_failed_ones():
    pages, ips = zone_pages(5)
    new_ip = "192.0.2.77"
    answers = {**pages, **item_answers(ips)}
    answers[("PUT", V2 + "/" + new_ip, None)] = HTTPResponse(200, {}, success(v2_entry(new_ip, "gcp", "us-central1", T1)))
    answers[("DELETE", V2 + "/" + ips[4], None)] = HTTPResponse(200, {}, success({"origin_ip": ips[4]}))
    answers[("PUT", V2 + "/" + ips[3], None)] = TransportError("reset")
    answers[("GET", V2 + "/" + ips[3], None)] = HTTPResponse(200, {}, success(v2_entry(ips[3], "gcp", "us-central1", T1)))
    transport = Answers(answers)
    state = _in_process.LoopState()
    for index in range(3):
        item_client(state, transport, 20, index).get_mapping(ZONE_ID, ips[index])
    assert ("GET", "", 1) in transport.sent
    client = item_client(state, transport, 20, 3)
    assert client.get_mapping(ZONE_ID, new_ip) is None
    client.upsert_mapping(ZONE_ID, new_ip, "gcp", "us-central1", exists=False)
    client = item_client(state, transport, 20, 4)
    client.get_mapping(ZONE_ID, ips[4])
    assert client.delete_mapping(ZONE_ID, ips[4]) is True
    client = item_client(state, transport, 20, 5)
    client.get_mapping(ZONE_ID, ips[3])
    with pytest.raises(TransportError):
        client.upsert_mapping(ZONE_ID, ips[3], "gcp", "us-central1")
    before = len(transport.sent)
    # The read-back after the failed write goes to the API, and so does the next read of that IP.
    assert client.get_mapping(ZONE_ID, ips[3])["vendor"] == "gcp"
    assert transport.sent[before:] == [("GET", "/" + ips[3], None)]
    later = item_client(state, transport, 20, 6)
    assert later.get_mapping(ZONE_ID, new_ip)["modified_on"] == T1
    assert item_client(state, transport, 20, 7).get_mapping(ZONE_ID, ips[4]) is None
    assert item_client(state, transport, 20, 8).get_mapping(ZONE_ID, ips[3])["vendor"] == "gcp"
    assert transport.sent[before + 1:] == []


def test_catalogue_and_zone_ids_are_read_once_per_loop():
    answers = {("GET", V2 + "/supported_regions", None): HTTPResponse(200, {}, success(SUPPORTED_REGIONS)),
               ("GET", BASE_URL + "/zones", None): HTTPResponse(200, {}, success([{"id": ZONE_ID, "name": "example.com"}]))}
    transport = Answers(answers)
    state = _in_process.LoopState()
    for index in range(3):
        client = item_client(state, transport, 3, index)
        assert client.resolve_zone_id("Example.com.") == ZONE_ID
        assert client.supported_regions(ZONE_ID)["vendors"]["aws"]
    assert len(transport.sent) == 2


def test_a_listing_that_fails_leaves_single_reads():
    pages, ips = zone_pages(150)
    pages[("GET", V2, 2)] = HTTPResponse(200, {}, success([], result_info=page_info(2, 100, 0, 150, 2)))
    transport = Answers({**pages, **item_answers(ips)})
    state = _in_process.LoopState()
    for index in range(6):
        assert item_client(state, transport, 100, index).get_mapping(ZONE_ID, ips[index])["origin_ip"] == ips[index]
    assert [sent for sent in transport.sent if sent[1] == ""] == [("GET", "", 1), ("GET", "", 2)]
    assert len(transport.sent) == 8


def test_two_zones_in_one_loop_are_judged_by_their_share():
    other = "0bd1a5a0b3b8c4d5e6f708192a3b4c5d"
    pages, ips = zone_pages(5)
    answers = {**pages, **item_answers(ips)}
    answers.update({("GET", V2.replace(ZONE_ID, other) + "/" + ip, None): HTTPResponse(404, {}, NOT_FOUND_1142) for ip in ips})
    answers[("GET", V2.replace(ZONE_ID, other), 1)] = HTTPResponse(200, {}, success([], result_info=page_info(1, 100, 0, 0, 0)))
    transport = Answers(answers)
    state = _in_process.LoopState()
    # 8 items: zone A, zone B, A, B, ... each zone read 4 times.
    for index in range(8):
        zone = ZONE_ID if index % 2 == 0 else other
        item_client(state, transport, 8, index).get_mapping(zone, ips[index // 2])
    # Zone A at item 5 (its 3rd read): 4 items left, 3 of 5 so far read A: 3 expected reads, 1 page.
    # Zone B at item 6: 3 items left, half of them B: 2 expected reads, its 1 page is cheaper.
    assert transport.sent[4:] == [("GET", "", 1), ("GET", V2.replace(ZONE_ID, other), 1)]
    assert len(transport.sent) == 6


def test_the_factory_builds_a_view_client_only_in_a_loop(monkeypatch):
    monkeypatch.setattr(_in_process, "loop_position", lambda task_vars: (1, 10) if task_vars.get("ansible_loop_var") else None)
    plugin = action()
    assert plugin._client_factory({}) is None
    assert plugin._client_factory({"ansible_loop_var": "item", "edgeops_cloudflare_loop_view": False}) is None
    monkeypatch.setenv(_in_process.LOOP_VIEW_ENV, "false")
    assert plugin._client_factory({"ansible_loop_var": "item"}) is None
    monkeypatch.delenv(_in_process.LOOP_VIEW_ENV)
    assert action(plugin=batch_action)._client_factory({"ansible_loop_var": "item"}) is None
    factory = plugin._client_factory({"ansible_loop_var": "item", "inventory_hostname": "localhost"})
    fake = FakeTransport([])
    monkeypatch.setattr(_module, "make_transport", fake.make_transport)
    module = _in_process.InProcessModule(SINGLE, {"api_token": TOKEN, "api_email": None, "api_key": None, "api_base_url": BASE_URL,
                                                  "api_generation": "v2", "timeout": 30, "validate_certs": True, "max_retry_wait": 0})
    client = factory(module)
    assert isinstance(client, _in_process.LoopViewClient)
    assert client.requests_sent == 0
