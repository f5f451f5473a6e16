# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every YAML example of the documentation runs as written, with ansible-playbook, against the emulator.

Where the examples are: the ```yaml blocks of README.md, roles/*/README.md and docs/*.md, and the
EXAMPLES of every module (plugins/modules/*.py) and filter (plugins/filter/*.yml or *.py).

What the test adds, and nothing else: values for the placeholders in PLACEHOLDERS (only those an
example uses), the emulator's URL and token in the environment (CLOUDFLARE_API_BASE_URL,
CLOUDFLARE_API_TOKEN, as an AWX credential sets them), and for the plugins' examples, which are
task lists, a play on localhost with the inventory PLUGIN_INVENTORY. ANSIBLE_TRANSPORT=local keeps
any task that would reach a documented host from leaving the machine.

How Markdown blocks are put together, in the order they appear in a file:

* a block whose first line is a ``# path`` comment is that file of an example project; a block
  naming a path the current project already has starts a new project;
* a block of variables is inventory data of the current project: host variables (of a host in the
  group ``origins``) when it sets ``ansible_host``, variables of the group ``all`` otherwise;
* a block of plays (or tasks, run in a play on localhost) is a playbook. When a ```console block
  after it runs ``ansible-playbook ... PATH``, the playbook runs as that command says, as PATH of the
  project that has PATH (the command's options, e.g. ``--check --diff``, included); otherwise it runs
  in the current project, with ``-i inventory`` when the project has an inventory;
* an execution environment definition must be extras/ee/execution-environment.yml;
* examples for other collections that need other services (EXTERNAL) are checked offline only.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from .harness import TOKEN, ansible_playbook

REPO = Path(__file__).resolve().parents[2]
MARKDOWN = ["README.md"] + sorted(str(path.relative_to(REPO)) for path in (REPO / "roles").glob("*/README.md")) \
    + sorted(str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md"))
PLUGINS = sorted(str(path.relative_to(REPO)) for pattern in ("plugins/modules/*.py", "plugins/filter/*.yml", "plugins/filter/*.py")
                 for path in REPO.glob(pattern) if path.name != "__init__.py")
EE_DEFINITION = REPO / "extras" / "ee" / "execution-environment.yml"

# Values of the variables that examples leave to the user.
PLACEHOLDERS = {
    "vault_cloudflare_api_token": TOKEN,
    "origin_mappings": [
        {"origin_ip": "192.0.2.1", "vendor": "aws", "region": "us-east-1"},
        {"origin_ip": "2001:db8::10", "vendor": "gcp", "region": "us-central1", "zone": "example.net"},
    ],
}
# The inventory of the plugins' examples: the controller, and origins with the host variables
# the examples read (cloud_vendor/cloud_region; the role's origin_cloud_regions_host_*).
PLUGIN_INVENTORY = {"all": {
    "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
    "children": {"origins": {"hosts": {
        "web-1": {"ansible_host": "192.0.2.21", "cloud_vendor": "aws", "cloud_region": "us-east-1",
                  "origin_cloud_regions_host_vendor": "aws", "origin_cloud_regions_host_region": "us-east-1"},
        "web-2": {"ansible_host": "2001:db8::22", "cloud_vendor": "gcp", "cloud_region": "europe-west1",
                  "origin_cloud_regions_host_vendor": "gcp", "origin_cloud_regions_host_region": "europe-west1"},
    }}},
}}
# Examples known not to run as written, by title (file: first play's name), and why: reported to
# the owners of the file; non-strict, so a fixed example simply passes.
KNOWN_FAILING = {}
# Collections whose examples cannot run here, and why.
EXTERNAL = {"awx.awx": "talks to an AWX / Automation Controller"}
OUR_MODULES = ("ansible.builtin.", "edgeops.cloudflare.")
PATH_COMMENT = re.compile(r"#\s*([\w./-]+\.ya?ml)\s*$")
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.S | re.M)
# ansible-playbook options that take a value (so that value is not the playbook).
VALUE_OPTIONS = {"-i", "--inventory", "-e", "--extra-vars", "-l", "--limit", "-t", "--tags", "--skip-tags",
                 "-c", "--connection", "-u", "--user", "-f", "--forks", "--vault-id", "--vault-password-file"}


@dataclass
class Example:
    """One thing to check: a playbook run in a project, an EE definition or an external example."""

    ref: str
    kind: str  # run | ee | external | error
    files: dict = field(default_factory=dict)
    playbook: str = ""
    args: list = field(default_factory=list)
    data: object = None

    @property
    def title(self):
        """The name of the example's first play, or its reference."""
        try:
            plays = yaml.safe_load(self.files[self.playbook])
            return "%s: %s" % (self.ref.split(":")[0].split(" ")[0], plays[0]["name"])
        except (KeyError, IndexError, TypeError, yaml.YAMLError):
            return self.ref


def task_modules(data):
    """The FQCN-looking module names of the tasks in a list of plays or tasks."""
    names = set()

    def walk(tasks):
        for task in tasks or []:
            if not isinstance(task, dict):
                continue
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
                walk(task.get(key))
            names.update(key for key in task if "." in key and not key.startswith("group/"))

    walk(data if isinstance(data, list) else [])
    return names


def is_playbook(data):
    return isinstance(data, list) and bool(data) and all(isinstance(item, dict) for item in data)


def as_playbook(data):
    """Plays as they are; a task list in a play on localhost."""
    if all("hosts" in item or "import_playbook" in item or "ansible.builtin.import_playbook" in item for item in data):
        return data
    return [{"name": "Example", "hosts": "localhost", "gather_facts": False, "tasks": data}]


def playbook_of(command):
    """(playbook, options) of an ``ansible-playbook ...`` command line."""
    words = shlex.split(command)[1:]
    playbook, options, skip = None, [], False
    for word in words:
        if skip:
            options.append(word)
            skip = False
        elif word in VALUE_OPTIONS:
            options.append(word)
            skip = True
        elif not word.startswith("-") and playbook is None:
            playbook = word
        else:
            options.append(word)
    return playbook, options


class MarkdownExamples:
    """The examples of one Markdown file, put together as the module docstring says."""

    def __init__(self, relative):
        self.relative = relative
        self.projects = [{}]
        self.pending = None  # (ref, path or None, text) of a playbook not run yet
        self.examples = []
        self.host_count = 0

    @property
    def project(self):
        return self.projects[-1]

    def parse(self, text=None):
        if text is None:
            text = (REPO / self.relative).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            language, body = match.group(1), match.group(2)
            ref = "%s:%d" % (self.relative, text.count("\n", 0, match.start()) + 1)
            try:
                if language in ("yaml", "yml"):
                    self.yaml_block(ref, body)
                elif language == "console":
                    self.console_block(body)
            except Exception as error:  # pylint: disable=broad-exception-caught  # reported as a failing example
                self.examples.append(Example(ref, "error", data="%s: %s" % (type(error).__name__, error)))
        self.flush()
        return self.examples

    def yaml_block(self, ref, body):
        self.flush()
        data = yaml.safe_load(body)
        lines = body.splitlines()
        path_match = PATH_COMMENT.match(lines[0]) if lines else None
        modules = task_modules(data)
        foreign = sorted(module for module in modules if not module.startswith(OUR_MODULES))
        if foreign:
            self.examples.append(Example(ref, "external", data=foreign))
        elif isinstance(data, dict) and {"version", "dependencies"} <= set(data):
            self.examples.append(Example(ref, "ee", data=data))
        elif path_match:
            path = path_match.group(1)
            if path in self.project:
                self.projects.append({})
            self.project[path] = body
            if is_playbook(data) and all("hosts" in play for play in data):
                self.pending = (ref, path, body)
        elif is_playbook(data):
            self.pending = (ref, None, yaml.safe_dump(as_playbook(data), sort_keys=False))
        elif isinstance(data, dict):
            self.inventory_data(ref, data)
        else:
            raise ValueError("a YAML example this test does not know how to run: %r" % (lines[:1],))

    def inventory_data(self, ref, data):
        if "ansible_host" in data:
            self.host_count += 1
            name = "origin-%d" % self.host_count
            hosts = yaml.safe_load(self.project.get("inventory/example_hosts.yml", "{}")) or {}
            hosts.setdefault("all", {}).setdefault("children", {}).setdefault("origins", {}).setdefault("hosts", {})[name] = None
            self.project["inventory/example_hosts.yml"] = yaml.safe_dump(hosts)
            self.project["inventory/host_vars/%s.yml" % name] = yaml.safe_dump(data)
        else:
            self.project["inventory/group_vars/all/%s.yml" % ref.rsplit(":", 1)[1]] = yaml.safe_dump(data)

    def console_block(self, body):
        for line in body.splitlines():
            if not line.startswith("$ ansible-playbook "):
                continue
            playbook, options = playbook_of(line[2:])
            holder = next((project for project in reversed(self.projects) if playbook in project), None)
            if self.pending and self.pending[1] in (None, playbook):
                ref, _path, text = self.pending
                project = dict(holder if holder is not None else self.project)
                project[playbook] = text
                self.pending = None
            elif holder is not None:
                ref, project = "%s (%s)" % (self.relative, line[2:]), dict(holder)
            else:
                continue  # a command about something else (a file of the collection, say)
            self.examples.append(Example(ref, "run", files=project, playbook=playbook, args=options))

    def flush(self):
        if not self.pending:
            return
        ref, path, text = self.pending
        self.pending = None
        project = dict(self.project)
        if path is None:
            path = "example.yml"
            project[path] = text
        args = ["-i", "inventory"] if any(name.startswith("inventory/") for name in project) else []
        self.examples.append(Example(ref, "run", files=project, playbook=path, args=args))


def plugin_examples(relative):
    """The EXAMPLES of a module or filter, as a play on localhost with PLUGIN_INVENTORY."""
    path = REPO / relative
    ref = "%s EXAMPLES" % relative
    try:
        if path.suffix == ".yml":
            text = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("EXAMPLES")
        else:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            text = next((node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets)), None)
        if not text or not text.strip():
            return []
        data = yaml.safe_load(text)
    except Exception as error:  # pylint: disable=broad-exception-caught  # reported as a failing example
        return [Example(ref, "error", data="%s: %s" % (type(error).__name__, error))]
    foreign = sorted(module for module in task_modules(data) if not module.startswith(OUR_MODULES))
    if foreign:
        return [Example(ref, "external", data=foreign)]
    files = {"example.yml": yaml.safe_dump(as_playbook(data), sort_keys=False),
             "inventory.yml": yaml.safe_dump(PLUGIN_INVENTORY, sort_keys=False)}
    return [Example(ref, "run", files=files, playbook="example.yml", args=["-i", "inventory.yml"])]


def all_examples():
    examples = []
    for relative in MARKDOWN:
        examples += MarkdownExamples(relative).parse()
    for relative in PLUGINS:
        examples += plugin_examples(relative)
    return examples


EXAMPLES = all_examples()
RUNS = [example for example in EXAMPLES if example.kind in ("run", "error")]


def test_the_examples_are_found():
    refs = [example.ref for example in EXAMPLES]
    assert any(ref.startswith("README.md:") for ref in refs)
    assert any(ref.startswith("roles/origin_cloud_regions/README.md") for ref in refs)
    assert any(ref.startswith("docs/awx.md:") for ref in refs)
    for module in ("origin_cloud_region", "origin_cloud_regions", "origin_cloud_region_info"):
        assert "plugins/modules/%s.py EXAMPLES" % module in refs
    assert "plugins/filter/origin_mappings_by_zone.yml EXAMPLES" in refs


@pytest.mark.parametrize("example", RUNS, ids=[example.ref for example in RUNS])
def test_example_runs_against_the_emulator(example, emulator, tmp_path, request):
    assert example.kind == "run", "%s: cannot be read: %s" % (example.ref, example.data)
    if example.title in KNOWN_FAILING:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_FAILING[example.title], strict=False))
    for name, text in example.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    everything = "\n".join(example.files.values())
    extra_vars = {name: value for name, value in PLACEHOLDERS.items() if re.search(r"\b%s\b" % name, everything)}

    run = ansible_playbook(emulator, [example.playbook] + example.args, workdir=tmp_path, extra_vars=extra_vars or None,
                           env={"CLOUDFLARE_API_TOKEN": TOKEN, "ANSIBLE_TRANSPORT": "local"})

    assert run.returncode == 0, "%s\n%r" % (example.ref, run)
    assert not [entry for entry in run.results if entry["status"] in ("failed", "item_failed")], run
    assert emulator.stats()["requests"] > 0, "%s sent no request to the API" % example.ref


@pytest.mark.parametrize("example", [example for example in EXAMPLES if example.kind == "ee"],
                         ids=lambda example: example.ref)
def test_execution_environment_example_is_the_shipped_definition(example):
    assert example.data == yaml.safe_load(EE_DEFINITION.read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", [example for example in EXAMPLES if example.kind == "external"],
                         ids=lambda example: example.ref)
def test_external_examples_use_only_known_collections(example):
    # They cannot run here; what they use must be a collection named in EXTERNAL (with the reason),
    # not something the collection forgot to declare (as json_query from community.general was).
    unknown = [module for module in example.data if module.rsplit(".", 1)[0] not in EXTERNAL]
    assert not unknown, "%s uses %s: not ansible.builtin, not this collection, not in EXTERNAL" % (example.ref, unknown)


SAMPLE = """
```yaml
# inventory/hosts.yml
all:
  hosts:
    localhost:
```

```yaml
# playbooks/site.yml
- name: Site
  hosts: localhost
  roles:
    - edgeops.cloudflare.origin_cloud_regions
```

```console
$ ansible-playbook -i inventory playbooks/site.yml
```

```yaml
- name: Site in check mode
  hosts: localhost
  roles:
    - edgeops.cloudflare.origin_cloud_regions
```

```console
$ ansible-playbook -i inventory playbooks/site.yml --check --diff
```

```yaml
# inventory/hosts.yml
all:
  children:
    origins:
```

```yaml
origin_cloud_regions_zone: example.com
```

```yaml
ansible_host: 192.0.2.10
```

```yaml
- name: A task
  edgeops.cloudflare.origin_cloud_region_info:
    zone: example.com
```

```yaml
- name: Elsewhere
  awx.awx.job_template:
    name: x
```
"""


def test_markdown_rules():
    examples = MarkdownExamples("sample.md").parse(SAMPLE)
    assert [(example.ref, example.kind) for example in examples] == [
        ("sample.md:9", "run"), ("sample.md:21", "run"), ("sample.md:47", "run"), ("sample.md:53", "external")]
    site, check, task, external = examples
    # The path-commented playbook, run by the command that follows it.
    assert site.playbook == "playbooks/site.yml" and site.args == ["-i", "inventory"]
    assert set(site.files) == {"inventory/hosts.yml", "playbooks/site.yml"}
    # A play without a path, run by a command naming a playbook: that playbook of its project.
    assert check.playbook == "playbooks/site.yml" and check.args == ["-i", "inventory", "--check", "--diff"]
    assert "Site in check mode" in check.files["playbooks/site.yml"] and "localhost:" in check.files["inventory/hosts.yml"]
    # A repeated path starts a new project; variables become its inventory data; tasks get a play.
    assert task.args == ["-i", "inventory"] and task.playbook == "example.yml"
    assert "origins:" in task.files["inventory/hosts.yml"] and "playbooks/site.yml" not in task.files
    assert yaml.safe_load(task.files["inventory/group_vars/all/39.yml"]) == {"origin_cloud_regions_zone": "example.com"}
    assert yaml.safe_load(task.files["inventory/host_vars/origin-1.yml"]) == {"ansible_host": "192.0.2.10"}
    assert "origin-1" in task.files["inventory/example_hosts.yml"]
    assert yaml.safe_load(task.files["example.yml"])[0]["hosts"] == "localhost"
    assert external.data == ["awx.awx.job_template"]


def test_playbook_of_a_command_line():
    assert playbook_of("ansible-playbook -i inventory playbooks/x.yml --check --diff") == \
        ("playbooks/x.yml", ["-i", "inventory", "--check", "--diff"])
    assert playbook_of("ansible-playbook -e 'a=b' site.yml") == ("site.yml", ["-e", "a=b"])
