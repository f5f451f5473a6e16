# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docs/adopt.md and the README's "Adopt an existing zone" work as written: their files laid out,
their commands run one after the other against the emulator on 127.0.0.1."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from .harness import ansible_playbook
from .role_helpers import COM, NET, SECRET, Counter, recap_changed
from .test_export_roundtrip import custom_stats, drift_lines, seed_api
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

REPO = Path(__file__).resolve().parents[2]
ADOPT = REPO / "docs" / "adopt.md"
README = REPO / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SEEDED = [{"origin_ip": "192.0.2.10", "vendor": "aws", "region": "us-east-1"},
          {"origin_ip": "198.51.100.7", "vendor": "azure", "region": "westeurope"},
          {"origin_ip": "2001:DB8:0::20", "vendor": "gcp", "region": "us-central1"}]


def section(path, title):
    text = path.read_text(encoding="utf-8")
    start = text.index("\n%s\n" % title)
    end = text.find("\n## ", start + len(title) + 2)
    return text[start:end if end > 0 else len(text)]


def blocks(text):
    """({path: text} of the yaml blocks whose first line is '# <path>', [commands of the console blocks])."""
    files, commands = {}, []
    for language, body in FENCE.findall(text):
        first = body.splitlines()[0]
        match = re.match(r"^# (\S+/\S+)$", first)
        if language == "yaml" and match:
            files[match.group(1)] = body
        elif language == "console":
            commands += [shlex.split(line[2:]) for line in body.splitlines() if line.startswith("$ ")]
    return files, commands


def lay_out(root, files):
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


def run(emulator, command, workdir):
    assert command[0] == "ansible-playbook", command
    return ansible_playbook(emulator, command[1:], workdir=workdir,
                            env={"CLOUDFLARE_API_TOKEN": SECRET, "ANSIBLE_SHOW_CUSTOM_STATS": "1"})


def test_the_walkthrough_runs_as_written_without_a_write(emu, tmp_path):
    seed_api(emu, COM[1], SEEDED)
    files, commands = blocks(section(ADOPT, "## Walkthrough"))
    assert set(files) == {"inventory/hosts.yml", "playbooks/cloudflare_origins.yml"}
    assert [command[1] for command in commands] == ["edgeops.cloudflare.export_mappings"] + ["-i"] * 4 + [
        "edgeops.cloudflare.export_mappings"]
    lay_out(tmp_path, files)
    counter = Counter(emu)
    runs = []
    for command in commands:
        runs.append(run(emu, command, tmp_path))
        assert runs[-1].returncode == 0, runs[-1]
    assert counter.delta()["writes"] == 0
    exported = tmp_path / "inventory" / "group_vars" / "all" / "origin_cloud_regions.yml"
    assert yaml.safe_load(exported.read_text(encoding="utf-8"))["origin_cloud_regions_mappings"] == [
        {"origin_ip": "192.0.2.10", "vendor": "aws", "region": "us-east-1", "zone": "example.com"},
        {"origin_ip": "198.51.100.7", "vendor": "azure", "region": "westeurope", "zone": "example.com"},
        {"origin_ip": "2001:db8::20", "vendor": "gcp", "region": "us-central1", "zone": "example.com"},
    ]
    # The lines the walkthrough shows for its example zone are the file's lines.
    text = exported.read_text(encoding="utf-8")
    for line in section(ADOPT, "## Walkthrough").splitlines():
        if line.startswith("  - {origin_ip:"):
            assert line in text.splitlines()
    # Step 2: the drift report as shown, and changed=0 everywhere but the first export.
    assert drift_lines(runs[1]) == ["drift of 1 zone(s) (check mode): 0 change(s), 0 unmanaged",
                                    "example.com: 0 to create, 0 to update, 0 to delete, 3 unchanged, 0 unmanaged"]
    assert custom_stats(runs[1])["origin_cloud_regions_drift_changes"] == 0
    # The first export creates group_vars/all/ and writes the file; nothing else changes anything.
    assert [recap_changed(one) for one in runs] == [{"localhost": 2}] + [{"localhost": 0}] * 5


def test_several_zones_and_hosts_sections_run_as_written(emu, tmp_path):
    seed_api(emu, COM[1], SEEDED)
    seed_api(emu, NET[1], [{"origin_ip": "192.0.2.10", "vendor": "oci", "region": "us-ashburn-1"}])
    walkthrough, _commands = blocks(section(ADOPT, "## Walkthrough"))

    several = tmp_path / "several"
    lay_out(several, walkthrough)
    _files, commands = blocks(section(ADOPT, "## Several zones, every zone"))
    assert len(commands) == 2
    for command in commands:
        done = run(emu, command, several)
        assert done.returncode == 0, done
        data = yaml.safe_load((several / "inventory" / "group_vars" / "all" / "origin_cloud_regions.yml").read_text(encoding="utf-8"))
        assert [item["zone"] for item in data["origin_cloud_regions_mappings"]] == ["example.com"] * 3 + ["example.net"]

    hosts = tmp_path / "hosts"
    files, commands = blocks(section(ADOPT, "## One host per origin"))
    # inventory/origins.yml is what the export writes: the section shows it, the export makes it.
    assert set(files) == {"inventory/origins.yml", "playbooks/cloudflare_origin_hosts.yml"}
    lay_out(hosts, {"inventory/hosts.yml": walkthrough["inventory/hosts.yml"]})
    lay_out(hosts, {"playbooks/cloudflare_origin_hosts.yml": files["playbooks/cloudflare_origin_hosts.yml"]})
    counter = Counter(emu)
    export, check = (run(emu, command, hosts) for command in commands)
    assert export.returncode == 0, export
    assert check.returncode == 0, check
    assert counter.delta()["writes"] == 0
    inventory = yaml.safe_load((hosts / "inventory" / "origins.yml").read_text(encoding="utf-8"))
    names = ["origin-192-0-2-10", "origin-198-51-100-7", "origin-2001-db8--20"]
    assert list(inventory["all"]["children"]["origins"]["hosts"]) == names
    # The lines the section shows are lines of the file the export wrote.
    for line in files["inventory/origins.yml"].splitlines():
        if line.startswith("        origin-"):
            assert line in (hosts / "inventory" / "origins.yml").read_text(encoding="utf-8").splitlines()
    assert drift_lines(check)[1] == "example.com: 0 to create, 0 to update, 0 to delete, 3 unchanged, 0 unmanaged"


def test_the_readme_shows_the_same_export_command():
    _files, readme = blocks(section(README, "## Adopt an existing zone"))
    _files, adopt = blocks(section(ADOPT, "## Walkthrough"))
    assert readme[0] == adopt[0]
