# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role README's own layout works as written, and a run that gathers nothing fails saying
where the role looked, instead of reporting ok. Real ansible-playbook runs, emulator on 127.0.0.1."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from .harness import ansible_playbook
from .role_helpers import COM, NET, SECRET, Counter, run_role, seed, states
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

README = Path(__file__).resolve().parents[2] / "roles" / "origin_cloud_regions" / "README.md"
SECTION = "### Explicit list in group_vars"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_example():
    """({relative path: text}, command) of the README section: yaml blocks that start with '# <path>'."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n### ", len(SECTION))]
    files, commands = {}, []
    for language, body in FENCE.findall(section):
        first = body.splitlines()[0]
        if language == "yaml" and first.startswith("# ") and "/" in first:
            files[first[2:].strip()] = body
        elif language == "console":
            commands += [line[2:] for line in body.splitlines() if line.startswith("$ ")]
    assert len(commands) == 1 and files, section
    return files, shlex.split(commands[0])


def lay_out(root, files):
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


def run_command(emulator, command, workdir):
    assert command[0] == "ansible-playbook", command
    return ansible_playbook(emulator, command[1:], env={"CLOUDFLARE_API_TOKEN": SECRET}, workdir=workdir)


def test_the_readme_layout_runs_as_documented(emu, tmp_path):
    files, command = readme_example()
    assert "playbooks/cloudflare_origins.yml" in files
    assert any(path.startswith("inventory/group_vars/") for path in files)
    lay_out(tmp_path, files)
    seed(emu, COM[1], {"198.51.100.9": ("aws", "us-east-2")})  # the README marks it absent
    run = run_command(emu, command, tmp_path)
    assert run.returncode == 0, run
    assert states(emu) == ({"192.0.2.10": ("aws", "us-east-1"), "2001:db8::20": ("gcp", "us-central1")},
                           {"203.0.113.7": ("azure", "westeurope")})


def test_group_vars_where_ansible_does_not_read_them_fail_saying_where_the_role_looked(emu, tmp_path):
    """The layout the README used to show: group_vars/ in the project root, beside inventory/ and playbooks/."""
    files, command = readme_example()
    lay_out(tmp_path, {path.replace("inventory/group_vars/", "group_vars/"): body for path, body in files.items()})
    counter = Counter(emu)
    run = run_command(emu, command, tmp_path)
    assert run.returncode != 0, run
    assert counter.delta()["requests"] == 0
    message = " ".join(run.stdout.split())
    assert ("no mapping was gathered and no zone is named (origin_cloud_regions_zone and origin_cloud_regions_zone_id "
            "are empty), nothing to do") in message, run.stdout
    assert "origin_cloud_regions_mappings (empty or unset)" in message
    assert "not at any host (origin_cloud_regions_from_hosts is false)" in message
    assert "next to the inventory file (inside an inventory directory) and next to the playbook" in message


def test_host_derived_mappings_from_a_play_on_localhost_without_hosts_fail_naming_the_hosts_examined(emu):
    counter = Counter(emu)
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [], "origin_cloud_regions_from_hosts": True})
    assert run.returncode != 0, run
    assert counter.delta()["requests"] == 0
    message = " ".join(run.stdout.split())
    assert "no mapping was gathered, nothing to do" in message, run.stdout
    assert ("at the 1 host(s) of origin_cloud_regions_hosts (origin_cloud_regions_from_hosts is true), none of which defines "
            "origin_cloud_regions_host_vendor, origin_cloud_regions_host_region or origin_cloud_regions_host_state") in message
    assert "set origin_cloud_regions_hosts to the group of the origins" in message


def test_an_emptied_zone_on_purpose_is_not_nothing_gathered(emu):
    seed(emu, NET[1], {"192.0.2.78": ("gcp", "us-east1")})
    run = run_role(emu, "localhost.yml", extra_vars={"origin_cloud_regions_mappings": [], "origin_cloud_regions_zone": "example.net",
                                                     "origin_cloud_regions_purge": True, "origin_cloud_regions_allow_purge_all": True})
    assert run.returncode == 0, run
    assert emu.state(NET[1]) == {}
