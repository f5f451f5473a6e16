# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the collection: it may change at any time.

"""Cloudflare credentials: which scheme, from where, and the headers it sends.

Two schemes exist: an API token (``Authorization: Bearer``) or the legacy e-mail plus
global API key pair (``X-Auth-Email`` / ``X-Auth-Key``).  Options given to the task win
over the environment, so an AWX credential in the environment never collides with a
token set in the play; within one source exactly one scheme must be complete.
"""

from __future__ import annotations

import os
import re

ENV_API_TOKEN = "CLOUDFLARE_API_TOKEN"
ENV_API_EMAIL = "CLOUDFLARE_EMAIL"
ENV_API_KEY = "CLOUDFLARE_API_KEY"


# What an HTTP header value may hold: visible ASCII and inner spaces (RFC 9110 field-value, no obs-text).
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")


class CredentialsError(ValueError):
    """No usable, unambiguous credentials."""


def _clean(value, name):
    """A credential without the whitespace a paste or a file adds around it; None when blank.

    A value that still cannot travel in an HTTP header is refused without being shown.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not _HEADER_SAFE.match(text):
        raise CredentialsError("%s: contains a line break, control or non-ASCII character inside it, which an HTTP "
                               "header cannot carry; the value is not shown" % name)
    return text


class Credentials:
    """A resolved scheme. ``secrets`` lists the values that must never be shown."""

    def __init__(self, token=None, email=None, key=None, source="options"):
        self.token = token
        self.email = email
        self.key = key
        self.source = source

    @property
    def scheme(self):
        return "api_token" if self.token else "api_key"

    @property
    def secrets(self):
        return [value for value in (self.token, self.key) if value]

    def headers(self):
        if self.token:
            return {"Authorization": "Bearer %s" % self.token}
        return {"X-Auth-Email": self.email, "X-Auth-Key": self.key}

    def __repr__(self):
        # Never let a secret reach a traceback or a debug print.
        return "Credentials(scheme=%s, source=%s)" % (self.scheme, self.source)


def _from_source(token, email, key, source, token_name, email_name, key_name):
    """Credentials from one source, None when the source gives nothing at all."""
    token, email, key = _clean(token, token_name), _clean(email, email_name), _clean(key, key_name)
    if not (token or email or key):
        return None
    if token and (email or key):
        raise CredentialsError(
            "%s: give either %s or %s together with %s, not both schemes" % (source, token_name, email_name, key_name))
    if token:
        return Credentials(token=token, source=source)
    if not (email and key):
        missing = key_name if email else email_name
        raise CredentialsError("%s: %s is missing; %s and %s must be given together" % (source, missing, email_name, key_name))
    return Credentials(email=email, key=key, source=source)


def environment_secrets(environ=None):
    """The secret values of the environment as they are, stray whitespace included, for no_log."""
    environ = os.environ if environ is None else environ
    return [environ[name] for name in (ENV_API_TOKEN, ENV_API_KEY) if environ.get(name)]


def resolve_credentials(api_token=None, api_email=None, api_key=None, environ=None):
    """Pick the credentials: task options first, then the environment.

    Raises CredentialsError naming the options and variables involved.
    """
    environ = os.environ if environ is None else environ
    explicit = _from_source(api_token, api_email, api_key, "task options", "api_token", "api_email", "api_key")
    if explicit:
        return explicit
    from_env = _from_source(
        environ.get(ENV_API_TOKEN), environ.get(ENV_API_EMAIL), environ.get(ENV_API_KEY),
        "environment", ENV_API_TOKEN, ENV_API_EMAIL, ENV_API_KEY)
    if from_env:
        return from_env
    raise CredentialsError(
        "no Cloudflare credentials: set api_token (or %s), or api_email and api_key (or %s and %s)"
        % (ENV_API_TOKEN, ENV_API_EMAIL, ENV_API_KEY))
