# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AWX / Automation Controller and execution environment material of the collection:

* extras/awx/credential_type.yml: the custom credential type (structure, and that it
  injects exactly what the modules read);
* extras/awx/create_credential_type.yml: the playbook that creates it, run against a
  stand-in for the controller API on 127.0.0.1;
* meta/execution-environment.yml and extras/ee/execution-environment.yml: proven with
  ansible-builder (``create`` of the example EE from the collection's own tarball, then the
  galaxy install and the introspection that the image build runs, in the build context);
* the tarball ``ansible-galaxy collection build`` makes: what it ships and leaves out;
* the emulator as installed from that tarball, started with the command docs/emulator.md gives.
"""

from __future__ import annotations

import copy
import http.server
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
from pathlib import Path

import pytest
import requests
import yaml

from .harness import executable

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = REPO / "extras" / "awx" / "credential_type.yml"
CREATE_PLAYBOOK = REPO / "extras" / "awx" / "create_credential_type.yml"
EE_DEFINITION = REPO / "extras" / "ee" / "execution-environment.yml"
EE_METADATA = REPO / "meta" / "execution-environment.yml"
GALAXY = REPO / "galaxy.yml"
# The variables the modules read (plugins/module_utils/_auth.py and _argspec.py).
MODULE_ENV = {"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_API_BASE_URL"}
SECRET_INPUTS = {"api_token", "api_key"}


def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- credential type

def test_credential_type_structure():
    definition = credential_type()
    assert set(definition) == {"name", "description", "kind", "inputs", "injectors"}
    assert definition["kind"] == "cloud"
    fields = definition["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids))
    assert len({field["label"] for field in fields}) == len(fields)
    for field in fields:
        assert set(field) <= {"id", "label", "type", "secret", "help_text", "default", "multiline", "choices", "format"}
        assert field.get("type", "string") in ("string", "boolean")
        assert field.get("secret", False) is (field["id"] in SECRET_INPUTS), field["id"]
    assert set(definition["inputs"]["required"]) <= set(ids)
    assert set(definition["injectors"]) == {"env"}


def test_every_injector_uses_defined_inputs_and_sets_a_variable_the_modules_read():
    from jinja2 import meta
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    definition = credential_type()
    ids = {field["id"] for field in definition["inputs"]["fields"]}
    environment = ImmutableSandboxedEnvironment()
    used = set()
    for name, template in definition["injectors"]["env"].items():
        assert not name.startswith("ANSIBLE_"), "AWX ignores ANSIBLE_* injectors"
        referenced = meta.find_undeclared_variables(environment.parse(template))
        assert referenced and referenced <= ids, (name, referenced)
        used |= referenced
    assert set(definition["injectors"]["env"]) == MODULE_ENV
    assert used == ids, "inputs that are never injected: %s" % (ids - used)


def test_injected_names_match_the_module_utils():
    text = (REPO / "plugins" / "module_utils" / "_auth.py").read_text(encoding="utf-8") + \
        (REPO / "plugins" / "module_utils" / "_argspec.py").read_text(encoding="utf-8")
    for name in MODULE_ENV:
        assert '"%s"' % name in text, name


class FakeController(http.server.BaseHTTPRequestHandler):
    """Just enough of /api/v2/credential_types/ for the playbook: list by name, create, update."""

    store = {}
    calls = []
    token = "controller-token-0c1d"

    def _reply(self, status, payload):
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self):
        return self.headers.get("Authorization") == "Bearer %s" % self.token

    def do_GET(self):  # noqa: N802 (http.server API)
        self.calls.append(("GET", self.path, None))
        if not self._authorized():
            return self._reply(401, {"detail": "no"})
        results = [dict(item, id=key) for key, item in self.store.items()]
        return self._reply(200, {"count": len(results), "results": results})

    def _save(self, method):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        self.calls.append((method, self.path, body))
        if not self._authorized():
            return self._reply(401, {"detail": "no"})
        key = int(self.path.rstrip("/").rsplit("/", 1)[1]) if method == "PATCH" else len(self.store) + 7
        self.store[key] = dict(self.store.get(key, {}), **body)
        return self._reply(200 if method == "PATCH" else 201, dict(self.store[key], id=key))

    def do_POST(self):  # noqa: N802
        self._save("POST")

    def do_PATCH(self):  # noqa: N802
        self._save("PATCH")

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def controller():
    FakeController.store = {}
    FakeController.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeController)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def run_create_playbook(controller_url, tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CONTROLLER_", "CLOUDFLARE_"))}
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               CONTROLLER_HOST=controller_url, CONTROLLER_OAUTH_TOKEN=FakeController.token)
    return subprocess.run([executable("ansible-playbook"), str(CREATE_PLAYBOOK)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)


def test_create_credential_type_playbook_creates_then_leaves_it_alone(controller, tmp_path):
    first = run_create_playbook(controller, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    posts = [body for method, _path, body in FakeController.calls if method == "POST"]
    expected = credential_type()
    # The injector templates reach the controller untouched (Ansible must not render them).
    assert posts == [expected]
    assert "changed=1" in first.stdout

    second = run_create_playbook(controller, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert [method for method, _path, _body in FakeController.calls].count("POST") == 1
    assert "PATCH" not in [method for method, _path, _body in FakeController.calls]
    assert "changed=0" in second.stdout
    assert FakeController.token not in first.stdout + second.stdout

    # A changed definition on the controller is put back with PATCH.
    FakeController.store[7] = copy.deepcopy(expected)
    FakeController.store[7]["injectors"]["env"]["CLOUDFLARE_API_TOKEN"] = "{{ something_else }}"
    third = run_create_playbook(controller, tmp_path)
    assert third.returncode == 0, third.stdout + third.stderr
    patches = [(path, body) for method, path, body in FakeController.calls if method == "PATCH"]
    assert len(patches) == 1 and patches[0][0].endswith("/credential_types/7/")
    assert FakeController.store[7]["injectors"] == expected["injectors"]


# --------------------------------------------------------------------------- execution environments

def test_ee_metadata_points_at_the_collection_requirements():
    metadata = yaml.safe_load(EE_METADATA.read_text(encoding="utf-8"))
    assert metadata["version"] == 3
    requirements = REPO / metadata["dependencies"]["python"]
    assert requirements.is_file()
    assert any(line.split(">=")[0].strip() == "requests" for line in requirements.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#"))


@pytest.fixture(scope="module")
def built_collection(tmp_path_factory):
    """The collection as users get it: ansible-galaxy collection build, then install."""
    root = tmp_path_factory.mktemp("ee")
    subprocess.run([executable("ansible-galaxy"), "collection", "build", "--output-path", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, text=True, timeout=300)
    tarball = next((root / "dist").glob("edgeops-cloudflare-*.tar.gz"))
    subprocess.run([executable("ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", str(root / "collections"), str(tarball)],
                   check=True, capture_output=True, text=True, timeout=300)
    return root, tarball


# What users do not need; galaxy.yml build_ignore leaves it out.
NOT_SHIPPED = (".ansible/", ".build/", ".venv/", ".hypothesis/", ".pytest_cache/", ".ci/", ".git/", ".gitignore",
               ".ansible-lint", "benchmarks/", "scripts/", "tests/output/", "pytest.ini", "changelogs/.plugin-cache.yaml")
SHIPPED = ("README.md", "CHANGELOG.rst", "changelogs/changelog.yaml", "meta/runtime.yml", "meta/execution-environment.yml",
           "requirements.txt", "docs/docsite/links.yml", "docs/docsite/extra-docs.yml", "extras/ee/execution-environment.yml",
           "plugins/modules/origin_cloud_regions.py", "roles/origin_cloud_regions/tasks/main.yml",
           "extras/emulator/cloudflare_emulator.py", "extras/emulator/supported_regions.json")


def test_built_tarball_ships_what_users_need_and_nothing_of_this_machine(built_collection):
    _root, tarball = built_collection
    version = yaml.safe_load(GALAXY.read_text(encoding="utf-8"))["version"]
    assert tarball.name == "edgeops-cloudflare-%s.tar.gz" % version
    with tarfile.open(tarball) as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        names = [member.name for member in members]
        for name in SHIPPED:
            assert name in names, name
        for name in names:
            assert not any(name == prefix or name.startswith(prefix) for prefix in NOT_SHIPPED), name
            assert "__pycache__/" not in name and not name.endswith((".pyc", ".tar.gz")), name
        # Paths of this machine: the checkout, the home directory, and in anything but code (which
        # may match temporary paths on purpose) the temporary directory (a "here /tmp/venv/..." in a guide).
        machine = (str(REPO), os.path.expanduser("~") + os.sep)
        temporary = tempfile.gettempdir() + os.sep
        for member in members:
            text = archive.extractfile(member).read().decode("utf-8", errors="replace")
            found = [path for path in machine if path in text]
            if not member.name.endswith(".py") and temporary in text:
                found.append(temporary)
            assert not found, "%s names %s" % (member.name, found)


def test_installed_collection_ships_the_emulator_and_the_documented_command_starts_it(built_collection):
    """docs/emulator.md, "Running it": python3 <collection>/extras/emulator/cloudflare_emulator.py."""
    root, _tarball = built_collection
    installed = root / "collections" / "ansible_collections" / "edgeops" / "cloudflare"
    script = installed / "extras" / "emulator" / "cloudflare_emulator.py"
    assert script.is_file()
    assert (installed / "extras" / "emulator" / "supported_regions.json").is_file()
    # Run from an unrelated directory: the emulator finds its data file next to itself.
    process = subprocess.Popen([sys.executable, str(script), "--host", "127.0.0.1", "--port", "0"], cwd=str(root),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/client/v4"), base_url
        # The default zone and token (docs/emulator.md, "Flags"); supported_regions reads the shipped json.
        answer = requests.get(base_url + "/zones", params={"name": "example.com"},
                              headers={"Authorization": "Bearer test-token"}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert [zone["id"] for zone in answer.json()["result"]] == ["023e105f4ecef8ad9ca31a8372d0c353"]
        regions = requests.get(base_url + "/zones/023e105f4ecef8ad9ca31a8372d0c353/origin/cloud_regions/supported_regions",
                               headers={"Authorization": "Bearer test-token"}, timeout=60)
        assert regions.status_code == 200, regions.text
        shipped = json.loads((installed / "extras" / "emulator" / "supported_regions.json").read_text(encoding="utf-8"))
        assert regions.json()["result"] == shipped
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
    assert process.returncode == 0


def test_ee_definition_installs_the_collection_from_its_own_tarball():
    definition = yaml.safe_load(EE_DEFINITION.read_text(encoding="utf-8"))
    tarball = "edgeops-cloudflare-%s.tar.gz" % yaml.safe_load(GALAXY.read_text(encoding="utf-8"))["version"]
    # The file ansible-galaxy collection build makes for the current version, copied into the
    # build context and installed from there: the collection is not on Galaxy.
    assert definition["dependencies"]["galaxy"]["collections"] == [{"name": "collections/%s" % tarball, "type": "file"}]
    assert {"src": tarball, "dest": "collections"} in definition["additional_build_files"]


def test_ansible_builder_create_then_the_image_steps_install_the_tarball_and_pick_up_requests(built_collection, tmp_path):
    builder = executable("ansible-builder")
    if not Path(builder).exists() and not shutil.which(builder):
        pytest.skip("ansible-builder is not installed in this environment")
    _root, tarball = built_collection

    # 1. As extras/ee/execution-environment.yml says: the tarball next to the definition, then
    #    create (no container engine needed), which writes the build context.
    ee_dir = tmp_path / "ee"
    ee_dir.mkdir()
    shutil.copy(EE_DEFINITION, ee_dir / "execution-environment.yml")
    shutil.copy(tarball, ee_dir / tarball.name)
    created = subprocess.run([builder, "create", "-f", "ee/execution-environment.yml", "-c", "context", "--output-filename", "Containerfile"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "No matches" not in created.stdout + created.stderr
    context = tmp_path / "context"
    build = context / "_build"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "introspect" in containerfile
    assert "COPY _build /build\nWORKDIR /build\n" in containerfile
    assert (build / "collections" / tarball.name).read_bytes() == tarball.read_bytes()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    assert galaxy["collections"] == [{"name": "collections/%s" % tarball.name, "type": "file"}]

    # 2. The galaxy stage of the image: ansible-galaxy in /build (here: the context's _build),
    #    offline, from the tarball in the context.
    collections = tmp_path / "usr-share-ansible-collections"
    # As in the image, where no collection is installed yet (the test session's path has this one).
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_COLLECTIONS_PATH")}
    installed = subprocess.run([executable("ansible-galaxy"), "collection", "install", "--offline", "-r", "requirements.yml",
                                "--collections-path", str(collections)],
                               cwd=build, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    manifest = json.loads((collections / "ansible_collections" / "edgeops" / "cloudflare" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["version"] == yaml.safe_load(GALAXY.read_text(encoding="utf-8"))["version"]

    # 3. The builder stage: the context's own introspect script on what the galaxy stage installed.
    written = tmp_path / "requirements-from-collections.txt"
    introspected = subprocess.run(
        [sys.executable, str(build / "scripts" / "introspect.py"), "introspect", "--sanitize",
         "--write-pip=%s" % written, str(collections)],
        capture_output=True, text=True, timeout=300, check=False)
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    lines = written.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("requests") and "edgeops.cloudflare" in line for line in lines), lines

    # 4. The same through the ansible-builder command line.
    cli = subprocess.run([builder, "introspect", "--sanitize", str(collections)], capture_output=True, text=True, timeout=300, check=False)
    assert cli.returncode == 0, cli.stderr
    assert "requests>=2.28  # from collection edgeops.cloudflare" in cli.stdout
