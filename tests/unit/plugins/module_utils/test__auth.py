# -*- coding: utf-8 -*-
# Copyright (c) edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._auth import (
    Credentials,
    CredentialsError,
    environment_secrets,
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


# -- whitespace and characters a header cannot carry -------------------------------------------


@pytest.mark.parametrize("padded", [" %s", "%s ", "\t%s\n", "\n%s\r\n", "  %s  \n"])
def test_task_option_credentials_are_stripped(padded):
    credentials = resolve_credentials(api_token=padded % TOKEN, environ={})
    assert credentials.token == TOKEN
    assert credentials.headers() == {"Authorization": "Bearer %s" % TOKEN}
    assert credentials.secrets == [TOKEN]
    pair = resolve_credentials(api_email=padded % EMAIL, api_key=padded % KEY, environ={})
    assert pair.headers() == {"X-Auth-Email": EMAIL, "X-Auth-Key": KEY}
    assert pair.secrets == [KEY]


def test_environment_credentials_are_stripped():
    # a token pasted into an AWX credential or read from a file usually ends in a newline
    credentials = resolve_credentials(environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN + "\n"})
    assert credentials.headers() == {"Authorization": "Bearer %s" % ENV_TOKEN}
    pair = resolve_credentials(environ={"CLOUDFLARE_EMAIL": " %s " % ENV_EMAIL, "CLOUDFLARE_API_KEY": "\t%s\r\n" % ENV_KEY})
    assert pair.headers() == {"X-Auth-Email": ENV_EMAIL, "X-Auth-Key": ENV_KEY}
    assert pair.secrets == [ENV_KEY]


@pytest.mark.parametrize("blank", ["", " ", "\n", " \t\r\n "])
def test_whitespace_only_task_options_count_as_not_given(blank):
    credentials = resolve_credentials(api_token=blank, api_email=blank, api_key=blank, environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN})
    assert credentials.source == "environment"
    assert credentials.token == ENV_TOKEN


@pytest.mark.parametrize("blank", [" ", "\n", "\t \n"])
def test_whitespace_only_values_do_not_make_a_scheme(blank):
    # a blank api_key next to a token is not "both schemes"
    assert resolve_credentials(api_token=TOKEN, api_key=blank, environ={}).token == TOKEN
    # a blank token next to a complete pair is not "both schemes" either
    assert resolve_credentials(environ={"CLOUDFLARE_API_TOKEN": blank, "CLOUDFLARE_EMAIL": ENV_EMAIL,
                                        "CLOUDFLARE_API_KEY": ENV_KEY}).scheme == "api_key"
    # a blank key is a missing key
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(api_email=EMAIL, api_key=blank, environ={})
    assert str(excinfo.value) == "task options: api_key is missing; api_email and api_key must be given together"


def test_whitespace_only_everywhere_is_no_credentials():
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(api_token="  ", environ={"CLOUDFLARE_API_TOKEN": "\n", "CLOUDFLARE_EMAIL": " ", "CLOUDFLARE_API_KEY": "\t"})
    assert str(excinfo.value).startswith("no Cloudflare credentials: ")


def test_an_inner_space_is_kept():
    # HTTP allows inner spaces in a header value; only the ends are trimmed.
    assert resolve_credentials(api_token=" a b ", environ={}).token == "a b"


BAD_INNER = ["\n", "\r", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\u00e9", "\u20ac", "\u200b"]


@pytest.mark.parametrize("bad", BAD_INNER)
@pytest.mark.parametrize("option, kwargs", [
    ("api_token", lambda value: {"api_token": value}),
    ("api_key", lambda value: {"api_email": EMAIL, "api_key": value}),
    ("api_email", lambda value: {"api_email": value, "api_key": KEY}),
])
def test_task_option_with_a_character_a_header_cannot_carry_is_refused(bad, option, kwargs):
    value = "%s%sINNER" % ("SECRETPART", bad)
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ={"CLOUDFLARE_API_TOKEN": ENV_TOKEN}, **kwargs(value))
    message = str(excinfo.value)
    assert message == ("%s: contains a line break, control or non-ASCII character inside it, which an HTTP header cannot "
                       "carry; the value is not shown" % option)
    for shown in ("SECRETPART", "INNER", bad):
        assert shown not in message
        assert shown not in repr(excinfo.value)


@pytest.mark.parametrize("bad", BAD_INNER)
@pytest.mark.parametrize("variable, environ", [
    ("CLOUDFLARE_API_TOKEN", lambda value: {"CLOUDFLARE_API_TOKEN": value}),
    ("CLOUDFLARE_API_KEY", lambda value: {"CLOUDFLARE_EMAIL": ENV_EMAIL, "CLOUDFLARE_API_KEY": value}),
    ("CLOUDFLARE_EMAIL", lambda value: {"CLOUDFLARE_EMAIL": value, "CLOUDFLARE_API_KEY": ENV_KEY}),
])
def test_environment_variable_with_a_character_a_header_cannot_carry_is_refused(bad, variable, environ):
    value = "SECRETPART%sINNER\n" % bad
    with pytest.raises(CredentialsError) as excinfo:
        resolve_credentials(environ=environ(value))
    message = str(excinfo.value)
    assert message.startswith("%s: contains a line break, control or non-ASCII character" % variable)
    assert message.endswith("the value is not shown")
    assert "SECRETPART" not in message and "INNER" not in message


def test_a_bad_environment_value_does_not_matter_when_task_options_are_given():
    credentials = resolve_credentials(api_token=TOKEN, environ={"CLOUDFLARE_API_TOKEN": "bad\nvalue"})
    assert credentials.token == TOKEN


def test_environment_secrets_are_the_raw_values():
    environ = {"CLOUDFLARE_API_TOKEN": " %s\n" % ENV_TOKEN, "CLOUDFLARE_EMAIL": ENV_EMAIL,
               "CLOUDFLARE_API_KEY": "%s\t" % ENV_KEY, "UNRELATED": "x"}
    # as given, stray whitespace included (the stripped values are Credentials.secrets); the e-mail is no secret
    assert environment_secrets(environ) == [" %s\n" % ENV_TOKEN, "%s\t" % ENV_KEY]


def test_environment_secrets_skip_unset_and_empty():
    assert environment_secrets({}) == []
    assert environment_secrets({"CLOUDFLARE_API_TOKEN": "", "CLOUDFLARE_API_KEY": ENV_KEY}) == [ENV_KEY]


def test_environment_secrets_read_os_environ_by_default(monkeypatch):
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert environment_secrets() == []
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", ENV_TOKEN + " ")
    assert environment_secrets() == [ENV_TOKEN + " "]
