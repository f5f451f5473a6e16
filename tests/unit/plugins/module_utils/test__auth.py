# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._auth import (
    Credentials,
    CredentialsError,
    resolve_credentials,
)

TOKEN = "tok-SECRET-123"
KEY = "key-SECRET-456"
EMAIL = "ops@example.com"
ENV_TOKEN = "env-tok-SECRET-789"
ENV_KEY = "env-key-SECRET-000"
ENV_EMAIL = "env@example.com"


def test_explicit_token():
    credentials = resolve_credentials(api_token=TOKEN, environ={})
    assert (credentials.token, credentials.email, credentials.key) == (TOKEN, None, None)
    assert credentials.scheme == "api_token"
    assert credentials.source == "task options"
    assert credentials.headers() == {"Authorization": "Bearer %s" % TOKEN}
    assert credentials.secrets == [TOKEN]


def test_explicit_email_and_key():
    credentials = resolve_credentials(api_email=EMAIL, api_key=KEY, environ={})
    assert credentials.scheme == "api_key"
    assert credentials.source == "task options"
    assert credentials.headers() == {"X-Auth-Email": EMAIL, "X-Auth-Key": KEY}
    assert credentials.secrets == [KEY]


@pytest.mark.parametrize("environ", [
    {"CLOUDFLARE_API_TOKEN": ENV_TOKEN},
    {"CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": ENV_KEY},
    {"CLOUDFLARE_API_TOKEN": ENV_TOKEN, "CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": ENV_KEY},
    {"CLOUDFLARE_EMAIL": ENV_EMAIL},
])
def test_explicit_token_wins_over_any_environment(environ):
    credentials = resolve_credentials(api_token=TOKEN, environ=environ)
    assert credentials.headers() == {"Authorization": "Bearer %s" % TOKEN}
    assert credentials.source == "task options"


@pytest.mark.parametrize("environ", [
    {"CLOUDFLARE_API_TOKEN": ENV_TOKEN},
    {"CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": ENV_KEY},
    {"CLOUDFLARE_API_KEY": ENV_KEY},
])
def test_explicit_key_pair_wins_over_any_environment(environ):
    credentials = resolve_credentials(api_email=EMAIL, api_key=KEY, environ=environ)
    assert credentials.headers() == {"X-Auth-Email": EMAIL, "X-Auth-Key": KEY}
    assert credentials.source == "task options"


def test_env_token():
    credentials = resolve_credentials(environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN, "UNRELATED": "x"})
    assert credentials.source == "environment"
    assert credentials.headers() == {"Authorization": "Bearer %s" % ENV_TOKEN}
    assert credentials.secrets == [ENV_TOKEN]


def test_env_email_and_key():
    credentials = resolve_credentials(environ={"CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": ENV_KEY})
    assert credentials.source == "environment"
    assert credentials.scheme == "api_key"
    assert credentials.headers() == {"X-Auth-Email": ENV_EMAIL, "X-Auth-Key": ENV_KEY}
    assert credentials.secrets == [ENV_KEY]


def test_reads_os_environ_by_default(monkeypatch):
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", ENV_TOKEN)
    credentials = resolve_credentials()
    assert credentials.headers() == {"Authorization": "Bearer %s" % ENV_TOKEN}
    assert credentials.source == "environment"


def test_empty_strings_count_as_not_given():
    credentials = resolve_credentials(api_token="", api_email="", api_key="", environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN})
    assert credentials.source == "environment"


@pytest.mark.parametrize("kwargs", [
    {"api_token": TOKEN, "api_email": EMAIL, "api_key": KEY},
    {"api_token": TOKEN, "api_key": KEY},
    {"api_token": TOKEN, "api_email": EMAIL},
])
def test_both_schemes_in_task_options(kwargs):
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={}, **kwargs)
    assert str(excinfo.value) == ("task options: give either api_token or api_email together with api_key, not both schemes")


def test_both_schemes_in_environment():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN, "CLOUDFLARE_API_KEY": ENV_KEY})
    assert str(excinfo.value) == ("environment: give either CLOUDFLARE_API_TOKEN or CLOUDFLARE_EMAIL together with "
                                  "CLOUDFLARE_API_KEY, not both schemes")


def test_email_without_key():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(api_email=EMAIL, environ={})
    assert str(excinfo.value) == "task options: api_key is missing; api_email and api_key must be given together"


def test_key_without_email():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(api_key=KEY, environ={})
    assert str(excinfo.value) == "task options: api_email is missing; api_email and api_key must be given together"


def test_incomplete_task_options_do_not_fall_back_to_the_environment():
    # An incomplete pair in the play is an error even when the environment holds a token.
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(api_email=EMAIL, environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN})
    assert "api_key is missing" in str(excinfo.value)


def test_env_email_without_key():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={"CLOUDFLARE_EMAIL": ENV_EMAIL})
    assert str(excinfo.value) == ("environment: CLOUDFLARE_API_KEY is missing; CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY "
                                  "must be given together")


def test_env_key_without_email():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={"CLOUDFLARE_API_KEY": ENV_KEY})
    assert str(excinfo.value) == ("environment: CLOUDFLARE_EMAIL is missing; CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY "
                                  "must be given together")


def test_nothing_at_all():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={})
    assert str(excinfo.value) == ("no Cloudflare credentials: set api_token (or CLOUDFLARE_API_TOKEN), or api_email and "
                                  "api_key (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")


@pytest.mark.parametrize("kwargs, environ", [
    ({"api_token": TOKEN, "api_key": KEY}, {}),
    ({"api_email": EMAIL}, {"CLOUDFLARE_API_TOKEN": ENV_TOKEN}),
    ({}, {"CLOUDFLARE_API_TOKEN": ENV_TOKEN, "CLOUDFLARE_API_KEY": ENV_KEY}),
    ({}, {"CLOUDFLARE_API_KEY": ENV_KEY}),
])
def test_error_messages_never_show_secrets(kwargs, environ):
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ=environ, **kwargs)
    for secret in (TOKEN, KEY, ENV_TOKEN, ENV_KEY):
        assert secret not in str(excinfo.value)
        assert secret not in repr(excinfo.value)


def test_repr_never_shows_secrets():
    token = resolve_credentials(api_token=TOKEN, environ={})
    pair = resolve_credentials(environ={"CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": ENV_KEY})
    assert repr(token) == "Credentials(scheme=api_token, source=task options)"
    assert repr(pair) == "Credentials(scheme=api_key, source=environment)"
    assert TOKEN not in repr(token) and TOKEN not in str(token)
    assert ENV_KEY not in repr(pair) and ENV_KEY not in str(pair)
    assert TOKEN not in repr([token, pair]) and ENV_KEY not in repr({"c": pair})


def test_credentials_is_not_a_value_error_subclass_mixup():
    assert issubclass(CredentialsError, ValueError)
    assert Credentials(token="t").source == "options"
