# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest wiring: make ``ansible_collections.edgeops.cloudflare`` importable.

Plain ``python -m pytest`` from the repository root (which is the collection
root, not a ``.../ansible_collections/edgeops/cloudflare/`` directory) works on
ansible-core 2.18 and 2.19 because this file, before any test module is
imported:

1. creates ``.build/collections/ansible_collections/edgeops/cloudflare`` as a
   symlink to the checkout (when the checkout already lives at
   ``.../ansible_collections/edgeops/cloudflare`` that tree is used instead);
2. puts that collections root first on ``sys.path`` and installs ansible's own
   collection loader for it, as ``ansible-test units`` does, so module,
   module_utils, plugin and ``tests.unit`` imports resolve the same way they
   do at run time;
3. exports it as ``ANSIBLE_COLLECTIONS_PATH`` (prepended) for every process a
   test starts, e.g. ``ansible-playbook`` in the integration tests; the same
   value is available as the ``collections_path`` fixture and as
   ``EDGEOPS_CLOUDFLARE_COLLECTIONS_PATH``.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = 'edgeops'
NAME = 'cloudflare'


def _collections_root():
    """Return the directory that holds ``ansible_collections/edgeops/cloudflare``."""
    parents = REPO_ROOT.parents
    if (REPO_ROOT.name, parents[0].name, parents[1].name) == (NAME, NAMESPACE, 'ansible_collections'):
        return parents[2]

    root = REPO_ROOT / '.build' / 'collections'
    link = root / 'ansible_collections' / NAMESPACE / NAME

    if link.is_symlink() and link.resolve() == REPO_ROOT:
        return root

    link.parent.mkdir(parents=True, exist_ok=True)
    # Atomic replace: parallel pytest workers may get here at the same time.
    temporary = link.parent / ('.%s.%s' % (NAME, uuid.uuid4().hex))
    temporary.symlink_to(REPO_ROOT, target_is_directory=True)
    try:
        os.replace(str(temporary), str(link))
    except OSError:
        temporary.unlink()
        if not (link.is_symlink() and link.resolve() == REPO_ROOT):
            raise

    return root


def _install_collection_loader(root):
    """Let ansible's collection finder own ``ansible_collections`` (like ansible-test units)."""
    # pylint: disable-next=import-outside-toplevel
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    # pylint: disable-next=protected-access
    _AnsibleCollectionFinder(paths=[str(root)], scan_sys_paths=False)._install()


def _export(root):
    existing = [entry for entry in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep) if entry]
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join([str(root)] + [entry for entry in existing if entry != str(root)])
    os.environ['EDGEOPS_CLOUDFLARE_COLLECTIONS_PATH'] = str(root)

    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


COLLECTIONS_ROOT = _collections_root()
_export(COLLECTIONS_ROOT)
_install_collection_loader(COLLECTIONS_ROOT)


@pytest.fixture(scope='session')
def collections_path():
    """The collections root to use as ANSIBLE_COLLECTIONS_PATH for ansible-playbook and friends."""
    return str(COLLECTIONS_ROOT)


@pytest.fixture
def patch_ansible_module_exits():
    """Make AnsibleModule.exit_json/fail_json raise AnsibleExitJson/AnsibleFailJson (see tests/unit/utils.py)."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.edgeops.cloudflare.tests.unit.utils import patch_exit_fail

    with patch_exit_fail():
        yield
