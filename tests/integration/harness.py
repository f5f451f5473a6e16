# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Integration harness: the emulator as a real process, and real ansible-playbook runs.

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
EMULATOR = REPO / "extras" / "emulator" / "cloudflare_emulator.py"
CALLBACK_DIR = Path(__file__).resolve().parent / "callback_plugins"
TOKEN = "test-token"
ZONE_NAME = "example.com"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"


def collections_path():
    """The tree holding ansible_collections/edgeops/cloudflare, set up by tests/conftest.py."""
    return os.environ["EDGEOPS_CLOUDFLARE_COLLECTIONS_PATH"]


class EmulatorProcess:
    """extras/emulator/cloudflare_emulator.py run as users run it, on a free loopback port."""

    def __init__(self, *args):
        self.args = list(args)
        self.process = None
        self.stderr = None
        self.base_url = None

    def start(self):
        command = [sys.executable, str(EMULATOR), "--host", "127.0.0.1", "--port", "0"] + self.args
        # stderr goes to a file: an unread pipe could fill up and stall a long run.
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            self.stderr.seek(0)
            raise RuntimeError("emulator did not start: %r %s" % (line, self.stderr.read()))
        self.base_url = line
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def admin_url(self):
        return self.base_url.split("/client/v4")[0] + "/__emulator__"

    def reset(self):
        requests.post(self.admin_url + "/reset", timeout=10).raise_for_status()

    def stats(self):
        return requests.get(self.admin_url + "/stats", timeout=10).json()

    def log(self, limit):
        """The emulator's last ``limit`` requests: [{method, path, route, status, ms}]."""
        return requests.get(self.admin_url + "/log", params={"limit": limit}, timeout=10).json()["requests"]

    def state(self, zone_id=ZONE_ID):
        """{canonical ip: (vendor, region)} of one zone, read from the emulator itself."""
        data = requests.get(self.admin_url + "/state", timeout=10).json()
        zones = data.get("zones", data)
        entries = zones.get(zone_id, {})
        if isinstance(entries, list):
            return {entry["origin_ip"]: (entry["vendor"], entry["region"]) for entry in entries}
        return {ip: (entry["vendor"], entry["region"]) for ip, entry in entries.items()}

    def add_faults(self, *rules):
        """Queue deterministic fault rules (docs/emulator.md, "Deterministic fault rules").

        Returns the emulator's answer ``{"ok": true, "rules": N}`` (N: rules now queued); a rule
        the emulator refuses raises ValueError with its message, which names the bad field.
        """
        response = requests.post(self.admin_url + "/faults", json={"rules": list(rules)}, timeout=10)
        if response.status_code != 200:
            raise ValueError("emulator refused the fault rules: %s" % response.text)
        return response.json()

    def clear_faults(self):
        """Remove every fault rule."""
        requests.delete(self.admin_url + "/faults", timeout=10).raise_for_status()

    def faults(self):
        """The queued rules as given, each plus ``hits`` and ``remaining``."""
        return requests.get(self.admin_url + "/faults", timeout=10).json()["rules"]

    def api(self, method, path, token=TOKEN, **kwargs):
        """A direct API call, for seeding and for looking behind a playbook's back."""
        headers = {"Authorization": "Bearer %s" % token}
        return requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def seed(self, mappings, zone_id=ZONE_ID):
        """Put mappings in place through the batch API (100 a request)."""
        for start in range(0, len(mappings), 100):
            answer = self.api("PUT", "/zones/%s/origin/cloud_regions/batch" % zone_id, json=mappings[start:start + 100])
            answer.raise_for_status()
            assert not answer.json()["result"]["failed"], answer.text


class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, returncode, stdout, stderr, results):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    def task(self, name):
        """The recorded result of the task called ``name`` (the last one when it ran twice)."""
        matches = [entry for entry in self.results if entry["task"] == name]
        if not matches:
            raise AssertionError("task %r did not run; ran: %s\n%s" % (name, [entry["task"] for entry in self.results], self.stdout))
        return matches[-1]

    def __repr__(self):
        return "PlaybookRun(rc=%s)\nSTDOUT:\n%s\nSTDERR:\n%s" % (self.returncode, self.stdout, self.stderr)


def playbook_env(emulator, **extra):
    env = dict(os.environ)
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_API_BASE_URL"):
        env.pop(name, None)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "CLOUDFLARE_API_BASE_URL": emulator.base_url,
    })
    env.update(extra)
    return env


def ansible_playbook(emulator, arguments, env=None, extra_vars=None, workdir=None):
    """Run ``ansible-playbook ARGUMENTS`` against the emulator and record every task result."""
    with tempfile.TemporaryDirectory(prefix="edgeops-run-") as scratch:
        record = Path(scratch, "results.jsonl")
        command = [executable("ansible-playbook")] + [str(argument) for argument in arguments]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        full_env = playbook_env(emulator, RECORD_RESULTS_FILE=str(record), **(env or {}))
        completed = subprocess.run(command, env=full_env, cwd=workdir or scratch, capture_output=True, text=True,
                                   timeout=600, check=False)
        results = []
        if record.exists():
            results = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line.strip()]
        return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results)


def executable(name):
    """The ansible-* command of the running Python's environment, else the one on PATH."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def run_playbook(emulator, tasks, check=False, diff=False, verbosity=0, env=None, extra_vars=None):
    """Run ``tasks`` (a list of task dicts) in a localhost play against the emulator."""
    play = [{
        "name": "integration",
        "hosts": "localhost",
        "gather_facts": False,
        # An explicit localhost would otherwise use the system Python, without requests.
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": tasks,
    }]
    with tempfile.TemporaryDirectory(prefix="edgeops-it-") as workdir:
        playbook = Path(workdir, "playbook.yml")
        playbook.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
        arguments = [playbook, "-i", "localhost,", "-c", "local"]
        arguments += ["--check"] if check else []
        arguments += ["--diff"] if diff else []
        arguments += ["-" + "v" * verbosity] if verbosity else []
        return ansible_playbook(emulator, arguments, env=env, extra_vars=extra_vars)
