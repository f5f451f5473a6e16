# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No secret in any output, on any path, at -vvvv: tokens and keys pasted with stray whitespace,
given as options or in the environment, on success and on every kind of failure."""

from __future__ import annotations

import pytest

from .harness import TOKEN, ZONE_ID, run_playbook

SINGLE = "edgeops.cloudflare.origin_cloud_region"
BATCH = "edgeops.cloudflare.origin_cloud_regions"
INFO = "edgeops.cloudflare.origin_cloud_region_info"
# The emulator of conftest.py accepts this pair and TOKEN.
EMAIL = "ops@example.com"
KEY = "global-key-123"
WRONG_TOKEN = "wrong-token-7f3a9c21e5"
WRONG_KEY = "wrong-key-51d0b8e2aa"
UNREACHABLE = "http://127.0.0.1:9/client/v4"


def task(module, **args):
    args.setdefault("zone_id", ZONE_ID)
    if module != INFO:
        args.setdefault("origin_ip", "192.0.2.1")
    if module == SINGLE:
        args.setdefault("vendor", "aws")
        args.setdefault("region", "us-east-1")
    if module == BATCH:
        args = dict(args, mappings=[{"origin_ip": args.pop("origin_ip"), "vendor": "aws", "region": "us-east-1"}])
    return {"name": "case", module: args, "ignore_errors": True}


# (id, module, task options, environment, secrets that must never show, should the task succeed)
CASES = [
    ("token-option-trailing-newline", SINGLE, {"api_token": TOKEN + "\n"}, {}, [TOKEN], True),
    ("token-env-trailing-newline", BATCH, {}, {"CLOUDFLARE_API_TOKEN": " %s\r\n" % TOKEN}, [TOKEN], True),
    ("key-pair-env-whitespace", INFO, {}, {"CLOUDFLARE_EMAIL": EMAIL + " ", "CLOUDFLARE_API_KEY": "\t%s\n" % KEY}, [KEY], True),
    ("key-pair-options-whitespace", SINGLE, {"api_email": EMAIL, "api_key": KEY + "\n"}, {}, [KEY], True),
    ("wrong-token-option-403", SINGLE, {"api_token": WRONG_TOKEN + "\n"}, {}, [WRONG_TOKEN], False),
    ("wrong-token-env-403", INFO, {}, {"CLOUDFLARE_API_TOKEN": WRONG_TOKEN + "\n"}, [WRONG_TOKEN], False),
    ("wrong-key-pair-403", BATCH, {"api_email": EMAIL, "api_key": WRONG_KEY + " "}, {}, [WRONG_KEY], False),
    ("token-with-inner-newline", SINGLE, {"api_token": "abc\n" + WRONG_TOKEN}, {}, [WRONG_TOKEN], False),
    ("env-token-inner-newline", BATCH, {}, {"CLOUDFLARE_API_TOKEN": WRONG_TOKEN + "\nX-Evil: 1"}, [WRONG_TOKEN], False),
    ("token-unreachable-api", SINGLE, {"api_token": WRONG_TOKEN, "api_base_url": UNREACHABLE, "max_retry_wait": 0},
     {}, [WRONG_TOKEN], False),
    ("key-unreachable-api", INFO, {"api_base_url": UNREACHABLE, "max_retry_wait": 0},
     {"CLOUDFLARE_EMAIL": EMAIL, "CLOUDFLARE_API_KEY": WRONG_KEY + "\n"}, [WRONG_KEY], False),
    ("token-unknown-zone", INFO, {"api_token": TOKEN + " ", "zone_id": "f" * 32}, {}, [TOKEN], False),
    ("token-bad-input", SINGLE, {"api_token": WRONG_TOKEN + "\n", "origin_ip": "192.0.2.0/24"}, {}, [WRONG_TOKEN], False),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_no_secret_in_any_output_at_vvvv(emulator, case):
    _name, module, options, environment, secrets, succeeds = case
    run = run_playbook(emulator, [task(module, **options)], verbosity=4, diff=True, env=environment)
    result = run.task("case")
    assert (result["status"] != "failed") is succeeds, run
    output = run.stdout + run.stderr
    for secret in secrets:
        assert secret not in output, "secret shown in the output of %s" % _name
        assert secret not in str(result), "secret in the recorded result of %s" % _name
    if not succeeds:
        assert result["result"]["msg"], run
