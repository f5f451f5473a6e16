# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the ``get-pip.py`` script that ansible-test downloads.

ansible-test (``ansible_test/_util/target/setup/requirements.py``, function
``bootstrap``) fetches ``https://ci-files.testing.ansible.com/ansible-test/get-pip-<ver>.py``
into ``~/.ansible/test/cache/get_pip_<ver with _>.py`` unless that file already
exists, and then runs it through its ``quiet_pip.py`` wrapper as::

    GET_PIP=<cache file> python quiet_pip.py --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

(the wrapper ``runpy``-runs this file as ``__main__`` with those arguments, inside
a fresh virtual environment that has no pip yet).  That host is unreachable here,
so ``scripts/test.sh`` copies this file to the cache path instead.

What it does, like the real get-pip.py: bootstrap pip (from the wheel that
``ensurepip`` bundles with the interpreter, or ``python -m ensurepip`` as a
fallback), then ``pip install`` the requested packages from the configured
indexes.  ``--no-setuptools``/``--no-wheel`` (and ``PIP_NO_SETUPTOOLS``/
``PIP_NO_WHEEL``) are honoured; every other argument is passed to
``pip install`` unchanged.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

PIP_FROM_PATH = """
import runpy
import sys
sys.path[0:0] = [{wheel!r}]
sys.argv[1:] = {args!r}
runpy.run_module("pip", run_name="__main__", alter_sys=True)
"""


def log(message):
    """Print a progress message on stderr."""
    sys.stderr.write('get-pip stand-in: %s\n' % message)
    sys.stderr.flush()


def env_flag(name):
    """Return True when the environment variable is set to a true value."""
    return os.environ.get(name, '').lower() in ('1', 'true', 'yes', 'on')


def split_arguments(argv):
    """Split get-pip.py arguments into pip install arguments."""
    no_setuptools = env_flag('PIP_NO_SETUPTOOLS')
    no_wheel = env_flag('PIP_NO_WHEEL')
    pip_args = []

    for arg in argv:
        if arg == '--no-setuptools':
            no_setuptools = True
        elif arg == '--no-wheel':
            no_wheel = True
        else:
            pip_args.append(arg)

    if not any(a == 'pip' or a.startswith(('pip=', 'pip<', 'pip>', 'pip!', 'pip~')) for a in pip_args):
        pip_args.append('pip')

    if not no_setuptools:
        pip_args.append('setuptools')

    if not no_wheel:
        pip_args.append('wheel')

    return pip_args


def bundled_pip_wheel():
    """Return the path of the pip wheel that ensurepip would install, or None."""
    try:
        import ensurepip  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None

    directories = [os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')]
    wheel_pkg_dir = getattr(ensurepip, '_WHEEL_PKG_DIR', None)  # Debian/Fedora patch

    if wheel_pkg_dir:
        directories.insert(0, wheel_pkg_dir)

    for directory in directories:
        wheels = sorted(glob.glob(os.path.join(directory, 'pip-*.whl')))

        if wheels:
            return wheels[-1]

    return None


def run(command, description):
    """Run a command, returning its exit code."""
    log(description)
    return subprocess.call(command)


def main():
    """Bootstrap pip and install the requested packages."""
    install_args = ['install'] + split_arguments(sys.argv[1:])
    wheel = bundled_pip_wheel()

    if wheel:
        code = PIP_FROM_PATH.format(wheel=wheel, args=install_args)
        return run([sys.executable, '-W', 'ignore::DeprecationWarning', '-c', code],
                   'pip %s (bootstrapped from the ensurepip wheel %s)' % (' '.join(install_args), wheel))

    result = run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'], 'no bundled pip wheel found, running ensurepip')

    if result:
        return result

    return run([sys.executable, '-m', 'pip'] + install_args, 'pip %s' % ' '.join(install_args))


if __name__ == '__main__':
    sys.exit(main())
