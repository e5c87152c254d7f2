"""entrad.msal against the emulator: the quickstart's code verbatim but for its
import line, MSAL's result dicts key for key, MSAL's exceptions for wrong arguments."""

import inspect
import json
import os
import pathlib
import time

import msal as real_msal
import pytest

import entrad
from entrad import msal

from conftest import GRAPH_SCOPE, run_python

QUICKSTART = pathlib.Path(__file__).parent / "quickstart"


def run_quickstart(emulator, script, parameters):
    before = emulator.requests("token")
    done = run_python([str(QUICKSTART / script), str(emulator.file(parameters))],
                      env=emulator.environment())
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.partition("Graph API call result: ")
    assert head == "", done.stdout
    users = json.loads(body)["value"]
    assert len(users) > 0 and all("id" in user for user in users)
    assert emulator.requests("token") == before + 1


def test_the_quickstart_with_a_secret_runs_unchanged_but_for_the_import(emulator):
    run_quickstart(emulator, "confidential_client_secret_sample.py", "parameters.json")


def test_the_quickstart_with_a_certificate_runs_unchanged_but_for_the_import(emulator):
    run_quickstart(emulator, "confidential_client_certificate_sample.py", "parameters-certificate.json")


@pytest.fixture
def ca_in_environment(emulator, monkeypatch):
    for name in ("CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_file)


def app_of(emulator, module=msal, credential=None, **options):
    config = emulator.parameters()
    if module is real_msal:
        # Real MSAL asks login.microsoftonline.com for instance discovery.
        options.setdefault("instance_discovery", False)
    return module.ConfidentialClientApplication(
        config["client_id"], authority=config["authority"],
        client_credential=config["secret"] if credential is None else credential, **options)


def test_results_are_msals_dicts_key_for_key(emulator, ca_in_environment):
    scopes = [GRAPH_SCOPE]
    ours, theirs = app_of(emulator), app_of(emulator, real_msal)
    assert ours.acquire_token_silent(scopes, account=None) is None
    assert theirs.acquire_token_silent(scopes, account=None) is None
    first, second = ours.acquire_token_for_client(scopes), ours.acquire_token_for_client(scopes=scopes)
    msal_first, msal_second = theirs.acquire_token_for_client(scopes), theirs.acquire_token_for_client(scopes)
    # MSAL's first answer also carries the service's ext_expires_in, which entrad does not keep.
    assert set(first) == set(msal_first) - {"ext_expires_in"}
    assert set(second) == set(msal_second)
    assert (first["token_source"], second["token_source"]) == ("identity_provider", "cache")
    assert (msal_first["token_source"], msal_second["token_source"]) == ("identity_provider", "cache")
    assert second["access_token"] == first["access_token"]
    assert first["token_type"] == msal_first["token_type"] == "Bearer"
    assert isinstance(first["expires_in"], int) and 3000 < first["expires_in"] <= 3600

    refused = app_of(emulator, credential="not-the-secret").acquire_token_for_client(scopes)
    msal_refused = app_of(emulator, real_msal, credential="not-the-secret").acquire_token_for_client(scopes)
    assert set(refused) <= set(msal_refused)
    assert {"error", "error_description", "error_codes", "correlation_id", "trace_id"} <= set(refused)
    assert refused["error"] == msal_refused["error"] == "invalid_client"
    assert refused["error_codes"] == msal_refused["error_codes"] == [7000215]
    assert "not-the-secret" not in json.dumps(refused)


def test_certificate_pfx_and_assertion_credentials(emulator, ca_in_environment):
    config = emulator.parameters("parameters-certificate.json")
    key = open(config["private_key_file"]).read()
    shapes = [
        {"private_key": key, "thumbprint": config["thumbprint"]},
        {"private_key": key, "public_certificate": open(config["certificate_file"]).read()},
        {"private_key_pfx_path": str(emulator.file("app-cert.pfx")), "passphrase": "entrad-emulator"},
    ]
    for credential in shapes:
        app = msal.ConfidentialClientApplication(
            config["client_id"], authority=config["authority"], client_credential=credential)
        result = app.acquire_token_for_client([GRAPH_SCOPE])
        assert result.get("token_source") == "identity_provider", result
    assertion = emulator.file("federated-token.jwt").read_text().strip()
    secret_app = emulator.parameters()
    for credential in ({"client_assertion": assertion}, {"client_assertion": lambda: assertion}):
        app = msal.ConfidentialClientApplication(
            secret_app["client_id"], authority=secret_app["authority"], client_credential=credential)
        result = app.acquire_token_for_client([GRAPH_SCOPE])
        assert result.get("token_source") == "identity_provider", result


def test_remove_tokens_for_client_and_claims_challenges_ask_anew(emulator, ca_in_environment):
    app = app_of(emulator)
    assert app.acquire_token_for_client([GRAPH_SCOPE])["token_source"] == "identity_provider"
    assert app.acquire_token_for_client([GRAPH_SCOPE])["token_source"] == "cache"
    app.remove_tokens_for_client()
    assert app.acquire_token_for_client([GRAPH_SCOPE])["token_source"] == "identity_provider"
    challenge = json.dumps({"access_token": {"nbf": {"essential": True, "value": str(int(time.time()))}}})
    answered = app.acquire_token_for_client([GRAPH_SCOPE], claims_challenge=challenge)
    assert answered["token_source"] == "identity_provider"


def test_verify_and_the_environment_choose_the_roots(emulator, monkeypatch):
    for name in ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    # No CA anywhere: the emulator's certificate is refused, with the fix named.
    with pytest.raises(entrad.ConfigurationError, match="not trusted"):
        app_of(emulator).acquire_token_for_client([GRAPH_SCOPE])
    assert "access_token" in app_of(emulator, verify=emulator.ca_file).acquire_token_for_client([GRAPH_SCOPE])
    monkeypatch.setenv("SSL_CERT_FILE", emulator.ca_file)
    assert "access_token" in app_of(emulator).acquire_token_for_client([GRAPH_SCOPE])
    # requests' order: REQUESTS_CA_BUNDLE before SSL_CERT_FILE.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    with pytest.raises(entrad.ConfigurationError, match="/nonexistent/ca.pem"):
        app_of(emulator)
    with pytest.raises(ValueError, match="always verifies"):
        app_of(emulator, verify=False)


def same_exception(make_ours, make_theirs):
    """Both raise, and the same type (or ours is a subclass of MSAL's)."""
    with pytest.raises(Exception) as theirs:
        make_theirs()
    with pytest.raises(theirs.type) as ours:
        make_ours()
    return ours.value


def test_wrong_arguments_raise_msals_exceptions(emulator, ca_in_environment):
    ours, theirs = app_of(emulator), app_of(emulator, real_msal)
    same_exception(lambda: ours.acquire_token_for_client(GRAPH_SCOPE),
                   lambda: theirs.acquire_token_for_client(GRAPH_SCOPE))
    same_exception(lambda: ours.acquire_token_for_client(None), lambda: theirs.acquire_token_for_client(None))
    same_exception(lambda: ours.acquire_token_for_client([5]), lambda: theirs.acquire_token_for_client([5]))
    same_exception(lambda: ours.acquire_token_for_client([GRAPH_SCOPE], force_refresh=True),
                   lambda: theirs.acquire_token_for_client([GRAPH_SCOPE], force_refresh=True))
    for credential in ({}, {"thumbprint": "AB"}):
        same_exception(lambda: app_of(emulator, credential=credential),
                       lambda: app_of(emulator, real_msal, credential=credential))
    missing = {"private_key_pfx_path": "/nonexistent/app.pfx", "passphrase": "x"}
    same_exception(lambda: app_of(emulator, credential=missing),
                   lambda: app_of(emulator, real_msal, credential=missing))


def test_what_entrad_does_not_do_fails_loudly(emulator, ca_in_environment):
    with pytest.raises(ValueError, match="first-party"):
        app_of(emulator, azure_region="westus")
    for option in ("http_client", "proxies", "client_claims", "http_cache"):
        with pytest.raises(NotImplementedError, match=option):
            app_of(emulator, **{option: object()})
    with pytest.raises(NotImplementedError, match="token_cache"):
        app_of(emulator, token_cache=real_msal.SerializableTokenCache())
    with pytest.raises(TypeError):
        app_of(emulator, timeout="soon")
    with pytest.raises(TypeError):
        msal.ConfidentialClientApplication(5, authority=emulator.parameters()["authority"], client_credential="s")
    with pytest.raises(entrad.ConfigurationError, match="private key") as bad_key:
        app_of(emulator, credential={"private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
                                     "thumbprint": "AB12"})
    assert "not a key" not in str(bad_key.value)
    with pytest.raises(entrad.ConfigurationError, match="common"):
        msal.ConfidentialClientApplication(emulator.parameters()["client_id"], client_credential="s")
    app = app_of(emulator)
    for option in ("fmi_path", "forwarded_client_claims", "data"):
        with pytest.raises(NotImplementedError, match=option):
            app.acquire_token_for_client([GRAPH_SCOPE], **{option: "x"})
    # MSAL's defaults are accepted: None, and force_refresh=False.
    assert "access_token" in app.acquire_token_for_client([GRAPH_SCOPE], fmi_path=None, force_refresh=False)
    assert app.acquire_token_silent_with_error([GRAPH_SCOPE], None) is None
    with pytest.raises(NotImplementedError, match="user accounts"):
        app.acquire_token_silent([GRAPH_SCOPE], {"home_account_id": "x"})


def test_the_native_methods_keep_msals_names_and_docstrings():
    app_class = msal.ConfidentialClientApplication
    assert issubclass(app_class, entrad._entrad.MsalClient)
    assert "token_source" in app_class.acquire_token_for_client.__doc__
    signature = str(inspect.signature(app_class.acquire_token_for_client))
    assert "scopes, claims_challenge=None, **kwargs" in signature
    assert "account" in str(inspect.signature(app_class.acquire_token_silent))
