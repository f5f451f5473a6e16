# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role run the way AWX / Automation Controller runs a job template.

AWX renders the injectors of the job's credential type (extras/awx/credential_type.yml)
with the credential's inputs, and starts ``ansible-runner`` with a private data
directory holding the project and the inventory and with the rendered variables in
the environment. These tests do the same with the ansible_runner Python API, against
the emulator on 127.0.0.1, and then look for the secrets in every file the run left.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from .harness import collections_path
from .role_helpers import API_EMAIL, API_KEY, COM, FIXTURES, INVENTORY, NET, SECRET
# The fixtures, used as test arguments:
from .role_helpers import emu, role_emulator  # noqa: F401 pylint: disable=unused-import

ansible_runner = pytest.importorskip("ansible_runner")
jinja2_sandbox = pytest.importorskip("jinja2.sandbox")

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = REPO / "extras" / "awx" / "credential_type.yml"

SITE_COM = {"192.0.2.10": ("aws", "us-east-1"), "198.51.100.30": ("azure", "westus2"), "203.0.113.1": ("oci", "us-ashburn-1")}
SITE_NET = {"2001:db8::20": ("gcp", "us-central1"), "203.0.113.2": ("aws", "us-west-2")}


def inject(inputs):
    """The environment AWX builds from a credential: every env injector rendered in a Jinja sandbox.

    As AWX does (awx/main/models/credential.py, CredentialType.inject_credential), fields
    the credential leaves empty are missing from the namespace and render as ''.
    """
    definition = yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))
    environment = jinja2_sandbox.ImmutableSandboxedEnvironment()
    namespace = {name: value for name, value in inputs.items() if value}
    return {name: environment.from_string(template).render(**namespace)
            for name, template in definition["injectors"]["env"].items()}


@pytest.fixture
def private_data_dir(tmp_path):
    """project/ (the playbooks, as an SCM project checkout) and inventory/ (hosts and group_vars)."""
    root = tmp_path / "job"
    shutil.copytree(FIXTURES, root / "project", ignore=shutil.ignore_patterns("inventory"))
    shutil.copytree(INVENTORY, root / "inventory")
    return root


def run_job(private_data_dir, envvars, playbook="site.yml", cmdline=None):
    envvars = dict(envvars)
    envvars.update({
        # What the execution environment provides: the collection and this Python's ansible-playbook.
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_NOCOLOR": "1",
    })
    return ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=playbook,
        inventory=str(private_data_dir / "inventory"),
        envvars=envvars,
        cmdline=cmdline,
        quiet=True,
        # AWX keeps credentials out of the files it writes; so do we.
        suppress_env_files=True,
    )


def files_containing(root, secrets):
    """Every file under root (except runner's own 'command' record, see below) that holds a secret."""
    found = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        # ansible-runner records the full process environment it was given in
        # artifacts/<ident>/command, by design (AWX stores a redacted job_env itself).
        # That is the runner's record of our input, not output of the collection.
        if path.name == "command" and path.parent.parent.name == "artifacts":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += ["%s: %s" % (path.relative_to(root), secret[:8]) for secret in secrets if secret in text]
    return found


def events(runner):
    return list(runner.events)


def test_job_template_run_with_injected_token(emu, private_data_dir):
    envvars = inject({"api_token": SECRET, "api_base_url": emu.base_url})
    # AWX injects every env variable of the type, also those of the empty fields.
    assert envvars["CLOUDFLARE_EMAIL"] == "" and envvars["CLOUDFLARE_API_KEY"] == ""
    runner = run_job(private_data_dir, envvars)
    assert runner.status == "successful", runner.stdout.read()
    assert runner.rc == 0
    assert emu.state(COM[1]) == SITE_COM
    assert emu.state(NET[1]) == SITE_NET

    job_events = list((private_data_dir / "artifacts").glob("*/job_events/*.json"))
    assert job_events, "no job events written"
    assert (private_data_dir / "artifacts" / runner.config.ident / "stdout").exists()
    assert files_containing(private_data_dir, [SECRET]) == []
    # The search itself finds a secret where there is one.
    (private_data_dir / "artifacts" / "planted.txt").write_text("x%sx" % SECRET, encoding="utf-8")
    assert files_containing(private_data_dir, [SECRET]) == ["artifacts/planted.txt: %s" % SECRET[:8]]

    # The per-zone summary reaches the job output (what an AWX user reads).
    summary = [event for event in events(runner)
               if event.get("event") == "runner_on_ok"
               and event["event_data"].get("task", "").endswith("Report the changes of each zone")]
    assert summary and summary[0]["event_data"]["res"]["msg"]["zone=example.com"]["created"] == 3


def test_check_job_type_with_diff_writes_nothing(emu, private_data_dir):
    """A job template of job type "Check" with "Show changes" runs ansible-playbook --check --diff."""
    before = emu.stats()["writes"]
    runner = run_job(private_data_dir, inject({"api_token": SECRET, "api_base_url": emu.base_url}), cmdline="--check --diff")
    assert runner.status == "successful", runner.stdout.read()
    assert emu.stats()["writes"] == before
    assert emu.state(COM[1]) == {}
    stdout = runner.stdout.read()
    assert "+192.0.2.10 aws/us-east-1" in stdout
    assert files_containing(private_data_dir, [SECRET]) == []


def test_legacy_email_and_global_key_credential(emu, private_data_dir):
    envvars = inject({"api_email": API_EMAIL, "api_key": API_KEY, "api_base_url": emu.base_url})
    assert envvars["CLOUDFLARE_API_TOKEN"] == ""
    runner = run_job(private_data_dir, envvars, playbook="localhost.yml")
    assert runner.status == "successful", runner.stdout.read()
    assert emu.state(COM[1]) == {"203.0.113.1": ("oci", "us-ashburn-1")}
    assert files_containing(private_data_dir, [API_KEY]) == []


def test_failed_validation_is_a_failed_job_without_secrets(emu, private_data_dir):
    group_vars = private_data_dir / "inventory" / "group_vars" / "all.yml"
    data = yaml.safe_load(group_vars.read_text(encoding="utf-8"))
    data["origin_cloud_regions_mappings"].append({"origin_ip": "203.0.113.9", "vendor": "amazon", "region": "us-east-1"})
    group_vars.write_text(yaml.safe_dump(data), encoding="utf-8")
    runner = run_job(private_data_dir, inject({"api_token": SECRET, "api_base_url": emu.base_url}))
    assert runner.status == "failed"
    assert "origin_cloud_regions_mappings[2] (203.0.113.9)" in runner.stdout.read()
    assert emu.stats()["requests"] == 0
    assert files_containing(private_data_dir, [SECRET]) == []


def test_default_base_url_is_injected_when_the_field_is_empty():
    envvars = inject({"api_token": "x"})
    assert envvars["CLOUDFLARE_API_BASE_URL"] == "https://api.cloudflare.com/client/v4"
    assert json.dumps(envvars)  # plain strings, as AWX passes them
