# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers of the role tests: an emulator with two zones and a secret token, and real
``ansible-playbook`` runs of the playbooks and inventory in ``role_fixtures/``.

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import EmulatorProcess, ansible_playbook

FIXTURES = Path(__file__).resolve().parent / "role_fixtures"
INVENTORY = FIXTURES / "inventory"
# Twenty hosts web01..web20 in group 'origins', 192.0.2.1..20 -> aws/us-east-1 in example.com.
FLEET = FIXTURES / "fleet"
FLEET_MAPPINGS = {"192.0.2.%d" % number: ("aws", "us-east-1") for number in range(1, 21)}
# A token that appears nowhere else, so that finding it in any output is a leak.
SECRET = "cf-role-secret-5b0e9d3c7a41"
# The legacy scheme: an account e-mail and a global API key (the key is secret too).
API_EMAIL = "ops@example.com"
API_KEY = "cf-role-global-key-8e27c4f1d9"
COM = ("example.com", "023e105f4ecef8ad9ca31a8372d0c353")
NET = ("example.net", "0bd1a5a0b3b8c4d5e6f708192a3b4c5d")


def start_emulator():
    return EmulatorProcess("--zone", "%s=%s" % COM, "--zone", "%s=%s" % NET, "--api-token", SECRET,
                           "--api-email", API_EMAIL, "--api-key", API_KEY).start()


@pytest.fixture(scope="module")
def role_emulator():
    """One emulator process per test module (import this fixture together with ``emu``)."""
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(role_emulator):
    """The module's emulator, emptied before each test."""
    role_emulator.reset()
    return role_emulator


def states(emulator):
    """The mappings of example.com and of example.net."""
    return emulator.state(COM[1]), emulator.state(NET[1])


def seed(emulator, zone_id, mappings):
    """Put {ip: (vendor, region)} in place behind the role's back."""
    answer = emulator.api("PUT", "/zones/%s/origin/cloud_regions/batch" % zone_id, token=SECRET,
                          json=[{"origin_ip": ip, "vendor": vendor, "region": region} for ip, (vendor, region) in mappings.items()])
    answer.raise_for_status()


def run_role(emulator, playbook="site.yml", *options, token_env=True, extra_vars=None, env=None, inventory=INVENTORY):
    """Run a fixture playbook against the emulator; the token comes from the environment unless token_env=False."""
    extra_env = {"CLOUDFLARE_API_TOKEN": SECRET} if token_env else {}
    extra_env.update(env or {})
    arguments = [FIXTURES / playbook, "-i", inventory] + list(options)
    return ansible_playbook(emulator, arguments, env=extra_env, extra_vars=extra_vars)


class Counter:
    """Requests and writes the emulator saw between two points."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.before = emulator.stats()

    def delta(self):
        after = self.emulator.stats()
        methods = {name: after["by_method"].get(name, 0) - self.before["by_method"].get(name, 0)
                   for name in set(after["by_method"]) | set(self.before["by_method"])}
        return {"requests": after["requests"] - self.before["requests"], "writes": after["writes"] - self.before["writes"],
                "by_method": {name: count for name, count in methods.items() if count}}


def recap_changed(run):
    """{host: changed count} from the PLAY RECAP."""
    counts = {}
    for line in run.stdout.splitlines():
        if " changed=" in line and " ok=" in line:
            host = line.split(":")[0].strip()
            counts[host] = int(line.split(" changed=")[1].split()[0])
    return counts
