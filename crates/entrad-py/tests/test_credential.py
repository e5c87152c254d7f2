"""entrad.Credential and entrad.aio.Credential: azure-core's protocols against
the emulator, the parameters file, managed identity, the chain, errors."""

import asyncio
import json
import traceback

import pytest
from azure.core import PipelineClient
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

import entrad
import entrad.aio

from conftest import GRAPH_SCOPE, jwt_claims as claims, run_python


def test_from_parameters_serves_azure_cores_protocols(emulator):
    for name in ("parameters.json", "parameters-certificate.json"):
        credential = entrad.Credential.from_parameters(emulator.file(name), ca_file=emulator.ca_file)
        assert credential.scopes == [GRAPH_SCOPE]
        assert credential.endpoint == emulator.url + "/v1.0/users"
        token = credential.get_token(GRAPH_SCOPE)
        assert isinstance(token, AccessToken)
        assert claims(token.token)["appid"] == emulator.parameters(name)["client_id"]
        info = credential.get_token_info(GRAPH_SCOPE)
        assert isinstance(info, AccessTokenInfo) and info.token == token.token
        assert info.token_type == "Bearer" and info.expires_on == token.expires_on
        assert info.refresh_on is None or info.refresh_on < info.expires_on
        assert credential.token_requests == 1
        with credential as same:
            assert same is credential


def test_an_azure_core_pipeline_calls_graph_with_its_tokens(emulator):
    credential = entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)
    transport = RequestsTransport(connection_verify=emulator.ca_file)
    policy = BearerTokenCredentialPolicy(credential, GRAPH_SCOPE)
    with PipelineClient(emulator.url, policies=[policy], transport=transport) as client:
        for _ in range(3):
            response = client.send_request(HttpRequest("GET", emulator.url + "/v1.0/users?$top=5"))
            assert response.status_code == 200
            assert len(response.json()["value"]) == 5
    assert credential.token_requests == 1


def test_refusals_are_client_authentication_errors_caused_by_entrads(emulator):
    config = emulator.parameters()
    credential = entrad.Credential(client_id=config["client_id"], authority=config["authority"],
                                   secret="wrong-secret-value-1234", ca_file=emulator.ca_file)
    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token(GRAPH_SCOPE)
    cause = raised.value.__cause__
    assert isinstance(cause, entrad.AuthenticationError)
    assert cause.aadsts_code == 7000215 and cause.error == "invalid_client"
    assert cause.correlation_id and cause.trace_id and "client secret" in cause.hint
    text = "".join(traceback.format_exception(raised.type, raised.value, raised.tb))
    assert "AADSTS7000215" in text and "wrong-secret-value-1234" not in text
    assert "wrong-secret-value-1234" not in repr(credential)


def test_keyword_construction_with_certificates(emulator, tmp_path):
    config = emulator.parameters("parameters-certificate.json")
    both = tmp_path / "app.pem"
    both.write_bytes(emulator.file("app-key.pem").read_bytes() + emulator.file("app-cert.pem").read_bytes())
    for certificate, password in ((both, None), (emulator.file("app-cert.pfx"), "entrad-emulator")):
        credential = entrad.Credential(client_id=config["client_id"], authority=config["authority"],
                                       certificate=str(certificate), certificate_password=password,
                                       ca_file=emulator.ca_file)
        assert claims(credential.get_token(GRAPH_SCOPE).token)["appid"] == config["client_id"]


def read_env(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_managed_identity_from_the_emulators_environment(emulator, monkeypatch):
    identity = emulator.ready["managed_identity"]
    for name, value in read_env(emulator.file("mi-app-service.env")).items():
        monkeypatch.setenv(name, value)
    for spec, client_id in (("system", identity["system_assigned"]["client_id"]),
                            ("client-id:" + identity["user_assigned"]["client_id"],
                             identity["user_assigned"]["client_id"])):
        credential = entrad.Credential(managed_identity=spec)
        assert "App Service" in credential.source_name
        assert claims(credential.get_token(GRAPH_SCOPE).token)["appid"] == client_id


def test_the_chain_finds_the_environments_credential(emulator, monkeypatch):
    config = emulator.parameters()
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.url)
    monkeypatch.setenv("AZURE_TENANT_ID", emulator.ready["tenant_id"])
    monkeypatch.setenv("AZURE_CLIENT_ID", config["client_id"])
    monkeypatch.setenv("AZURE_CLIENT_SECRET", config["secret"])
    credential = entrad.Credential.default(ca_file=emulator.ca_file)
    assert claims(credential.get_token(GRAPH_SCOPE).token)["appid"] == config["client_id"]


def test_bad_inputs_raise_the_documented_exceptions(emulator, tmp_path):
    config = emulator.parameters()
    with pytest.raises(entrad.ConfigurationError, match="client_id"):
        entrad.Credential(secret="s")
    with pytest.raises(ValueError, match="at least one scope"):
        entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file).get_token()
    with pytest.raises(TypeError):
        entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file).get_token(5)
    with pytest.raises(FileNotFoundError):
        entrad.Credential(client_id=config["client_id"], authority=config["authority"],
                          certificate=str(tmp_path / "missing.pem"))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    with pytest.raises(entrad.ConfigurationError):
        entrad.Credential(client_id=config["client_id"], authority=config["authority"], certificate=str(garbage))
    unreadable = tmp_path / "unreadable.pfx"
    unreadable.write_bytes(b"\x30\x82 not a pfx")
    with pytest.raises(entrad.ConfigurationError):
        entrad.Credential(client_id=config["client_id"], authority=config["authority"], certificate=str(unreadable))
    broken = tmp_path / "parameters.json"
    broken.write_text('{"client_id": 42, "secret": "hunter2-secret"}')
    with pytest.raises(entrad.ConfigurationError, match="`client_id` must be a string") as raised:
        entrad.Credential.from_parameters(broken)
    assert "hunter2" not in str(raised.value)
    with pytest.raises(entrad.ConfigurationError, match="redis"):
        entrad.Credential.from_parameters(emulator.file("parameters.json"), cache="memcached://x")
    with pytest.raises(entrad.ConfigurationError, match="managed identity"):
        entrad.Credential(managed_identity="sometimes")
    with pytest.raises(TypeError):
        entrad.Graph("not a credential")


def test_the_async_credential_never_blocks_the_event_loop(emulator):
    credential = entrad.aio.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)

    async def scenario():
        emulator.admin("POST", "/faults", {"route": "token", "kind": "latency", "latency_ms": 500, "count": 1})
        token = asyncio.ensure_future(credential.get_token(GRAPH_SCOPE))
        # The loop runs other work while the (slowed) token request is on its way.
        for _ in range(3):
            await asyncio.sleep(0)
        assert not token.done()
        first = await token
        together = await asyncio.gather(*(credential.get_token_info(GRAPH_SCOPE) for _ in range(5)))
        assert {info.token for info in together} == {first.token}
        async with credential:
            pass
        return first

    first = asyncio.run(scenario())
    assert claims(first.token)["appid"] == emulator.parameters()["client_id"]
    assert credential.token_requests == 1


WITHOUT_AZURE_CORE = """
import json, sys
sys.modules["azure"] = None  # azure-core cannot be imported: `import azure.core` raises ImportError
import entrad
parameters, ca_file = sys.argv[1:3]
config = json.load(open(parameters))
token = entrad.Credential.from_parameters(parameters, ca_file=ca_file).get_token(config["scope"][0])
info = entrad.Credential.from_parameters(parameters, ca_file=ca_file).get_token_info(config["scope"][0])
wrong = entrad.Credential(client_id=config["client_id"], authority=config["authority"],
                          secret="wrong-secret-value-1234", ca_file=ca_file)
try:
    wrong.get_token(config["scope"][0])
    raised = None
except Exception as error:
    raised = error
print(json.dumps({
    "azure_loaded": any(name.startswith("azure.") for name in sys.modules),
    "token_type": type(token).__module__ + "." + type(token).__name__,
    "token": bool(token.token) and token.expires_on > 0,
    "info": info.token_type,
    "raised": type(raised).__module__ + "." + type(raised).__name__,
    "aadsts": getattr(raised, "aadsts_code", None),
    "cause": raised.__cause__ is not None,
}))
"""


def test_entrad_imports_and_raises_its_own_errors_without_azure_core(emulator):
    done = run_python(["-c", WITHOUT_AZURE_CORE, str(emulator.file("parameters.json")), emulator.ca_file],
                      env=emulator.environment())
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {"azure_loaded": False, "token_type": "entrad._tokens.AccessToken", "token": True,
                      "info": "Bearer", "raised": "entrad._errors.AuthenticationError", "aadsts": 7000215,
                      "cause": False}
