# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where the role's credentials come from, and which wins: the environment (an AWX credential),
play-level module_defaults for group/edgeops.cloudflare.cloudflare, role variables. And that
secrets given as role variables never show, also at -vvvv."""

from __future__ import annotations

import json

import pytest

from .role_helpers import API_EMAIL, API_KEY, COM, NET, SECRET, run_role, states
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

# What localhost.yml (group_vars list of role_fixtures/inventory) applies.
LISTED = ({"203.0.113.1": ("oci", "us-ashburn-1")}, {"203.0.113.2": ("aws", "us-west-2")})
WRONG = "cf-wrong-token-0000"


@pytest.mark.parametrize("play_token, role_token, env_token", [
    pytest.param(SECRET, None, False, id="play-module-defaults-only"),
    pytest.param(WRONG, SECRET, False, id="role-variable-beats-play-module-defaults"),
    pytest.param(WRONG, SECRET, True, id="role-variable-beats-play-module-defaults-and-environment"),
])
def test_play_level_module_defaults_and_role_variables(emu, play_token, role_token, env_token):
    extra_vars = {"play_api_token": play_token}
    if role_token:
        extra_vars["origin_cloud_regions_api_token"] = role_token
    run = run_role(emu, "play_module_defaults.yml", token_env=env_token, extra_vars=extra_vars,
                   env={"CLOUDFLARE_API_TOKEN": WRONG} if env_token else None)
    assert run.returncode == 0, run
    assert states(emu) == LISTED
    assert SECRET not in run.stdout + run.stderr


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_play_level_module_defaults_reach_every_module_task(emu, mode):
    """per_mapping runs both modules (check with the batch module, then one task per mapping)."""
    run = run_role(emu, "play_module_defaults.yml", token_env=False,
                   extra_vars={"play_api_token": SECRET, "origin_cloud_regions_mode": mode})
    assert run.returncode == 0, run
    assert states(emu) == LISTED


def test_environment_only(emu):
    run = run_role(emu, "localhost.yml")
    assert run.returncode == 0, run
    assert states(emu) == LISTED


def test_a_wrong_role_variable_is_not_hidden_by_a_right_play_default(emu):
    """The role variable really is what the modules get: a wrong one fails, even with a right play default."""
    run = run_role(emu, "play_module_defaults.yml", token_env=False,
                   extra_vars={"play_api_token": SECRET, "origin_cloud_regions_api_token": WRONG})
    assert run.returncode != 0
    assert states(emu) == ({}, {})
    assert SECRET not in run.stdout + run.stderr


def test_a_blank_role_variable_is_unset(emu):
    """An empty role variable (a blank AWX survey or credential field) leaves the play default in force."""
    run = run_role(emu, "play_module_defaults.yml", token_env=False,
                   extra_vars={"play_api_token": SECRET, "origin_cloud_regions_api_token": "",
                               "origin_cloud_regions_api_base_url": ""})
    assert run.returncode == 0, run
    assert states(emu) == LISTED


@pytest.mark.parametrize("no_log", [True, False], ids=["no_log", "no_log-off"])
@pytest.mark.parametrize("credentials", [
    pytest.param({"origin_cloud_regions_api_token": SECRET + "\n"}, id="token-with-trailing-newline"),
    pytest.param({"origin_cloud_regions_api_email": API_EMAIL + "\n", "origin_cloud_regions_api_key": " " + API_KEY + "\n"},
                 id="email-and-key-with-whitespace"),
])
@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_role_variable_secrets_never_show_even_at_vvvv(emu, tmp_path, credentials, no_log, mode):
    # From a vars file, as from a vault: at -vvvv ansible-playbook echoes its own command line.
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(json.dumps(credentials), encoding="utf-8")
    run = run_role(emu, "site.yml", "-vvvv", "--diff", "-e", "@%s" % secrets, token_env=False,
                   extra_vars={"origin_cloud_regions_no_log": no_log, "origin_cloud_regions_mode": mode})
    assert run.returncode == 0, run
    assert emu.state(COM[1]) and emu.state(NET[1])
    output = run.stdout + run.stderr
    for secret in (SECRET, API_KEY):
        assert secret not in output
    if no_log:
        assert "censored" in run.stdout
    else:  # the diff (batch) or the item labels (per_mapping) are shown
        assert "192.0.2.10" in run.stdout and "aws/us-east-1" in run.stdout


@pytest.mark.parametrize("mode", ["batch", "per_mapping"])
def test_role_variable_secrets_are_not_left_in_any_host_variable(emu, tmp_path, mode):
    credentials = {"origin_cloud_regions_api_token": SECRET, "origin_cloud_regions_timeout": 40}
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(json.dumps(credentials), encoding="utf-8")
    run = run_role(emu, "site_then_hostvars.yml", token_env=False,
                   extra_vars={"origin_cloud_regions_mode": mode, "secrets_file": str(secrets)})
    assert run.returncode == 0, run
    assert emu.state(COM[1]) and emu.state(NET[1])
    # The settings the role worked out are there (so the dump shows facts), the token is not.
    assert '"timeout": 40' in run.stdout, run.stdout
    assert SECRET not in run.stdout + run.stderr
