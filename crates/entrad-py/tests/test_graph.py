"""entrad.Graph: every page of a collection, the items as json.loads makes
them, Graph's refusals, the origin rule, and a continuous access evaluation
challenge answered mid-listing."""

import json
import ssl
import time
import urllib.request

import pytest

import entrad

from conftest import GRAPH_SCOPE, start_emulator


@pytest.fixture
def credential(emulator):
    return entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)


def test_graph_items_follow_every_page(emulator, credential):
    graph = entrad.Graph(credential)
    before = emulator.requests("users")
    users = list(graph.items("v1.0/users", params={"$top": 7, "$select": ["id", "displayName"]}))
    everyone = graph.get("v1.0/users", params={"$top": 999})["value"]
    assert len(users) == len(everyone) == len({u["id"] for u in users}) > 7
    assert set(users[0]) <= {"id", "displayName", "@odata.type"}
    assert emulator.requests("users") - before == -(-len(users) // 7) + 1
    with pytest.raises(entrad.GraphError) as raised:
        graph.get("v1.0/users/00000000-0000-0000-0000-000000000000")
    assert raised.value.status == 404 and raised.value.code
    with pytest.raises(entrad.ConfigurationError):
        list(graph.items("https://elsewhere.example/v1.0/users"))


@pytest.fixture
def own_emulator(tmp_path):
    """An emulator of this test's own: its CAE event concerns no other test."""
    emulator = start_emulator(tmp_path / "emulator")
    yield emulator
    emulator.process.kill()
    emulator.process.wait()


def test_items_are_the_objects_json_loads_makes(own_emulator):
    emulator = own_emulator
    # Escapes, non-ASCII (two and four bytes), a control character, a list, false and nulls.
    odd = {"userPrincipalName": "zoe@contoso.test", "displayName": "Zo\u00eb \"Q\" \\ \u2603 \U0001f600\n\t\u0001 end",
           "surname": "\u00e9t\u00e9", "businessPhones": ["+1 555 0100", "x\"y"], "accountEnabled": False}
    emulator.admin("POST", "/users", odd)
    credential = entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)
    select = "id,displayName,surname,businessPhones,accountEnabled,mail,jobTitle,userPrincipalName"
    items = list(entrad.Graph(credential).items("v1.0/users", params={"$top": 7, "$select": select}))
    # The same pages, read as the quickstart reads them: json.loads of each.
    tls = ssl.create_default_context(cafile=emulator.ca_file)
    headers = {"Authorization": "Bearer " + credential.get_token(GRAPH_SCOPE).token}
    url, loaded = "{}/v1.0/users?$top=7&$select={}".format(emulator.url, select), []
    while url:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), context=tls) as response:
            page = json.loads(response.read())
        loaded.extend(page["value"])
        url = page.get("@odata.nextLink")
    assert len(items) == len(loaded) > 7
    # The same values of the same types, keys in the same order.
    assert json.dumps(items) == json.dumps(loaded)
    assert [u for u in items if u["userPrincipalName"] == odd["userPrincipalName"]] == [
        dict(next(u for u in loaded if u["userPrincipalName"] == odd["userPrincipalName"]))]
    zoe = next(u for u in items if u["userPrincipalName"] == odd["userPrincipalName"])
    assert (zoe["displayName"], zoe["accountEnabled"], zoe["mail"]) == (odd["displayName"], False, None)


def challenges(emulator):
    events = emulator.admin("GET", "/cae/events")
    return events["challenges_sent"], events["challenges_answered"]


def test_a_cae_challenge_mid_listing_is_answered_with_one_token_request(own_emulator):
    emulator = own_emulator
    config = emulator.parameters()
    credential = entrad.Credential(client_id=config["client_id"], authority=config["authority"],
                                   secret=config["secret"], client_capabilities=["cp1"], ca_file=emulator.ca_file)
    graph = entrad.Graph(credential, base_url=emulator.url)
    everyone = graph.get("v1.0/users", params={"$top": 999, "$select": "id"})["value"]
    issued = int(time.time())
    users = graph.items("v1.0/users", params={"$top": 5, "$select": "id"})
    ids = [next(users)["id"]]
    # Events are compared with tokens' issue times in whole seconds: the event
    # comes in a later second than the token.
    while int(time.time()) <= issued:
        time.sleep(0.05)
    emulator.admin("POST", "/cae/events", {"event": "location_policy_changed", "client_id": config["client_id"]})
    ids.extend(user["id"] for user in users)
    assert sorted(ids) == sorted(u["id"] for u in everyone)
    assert challenges(emulator) == (1, 1)
    assert credential.token_requests == 2
    assert emulator.requests("token") == 2


def _serve_once_over_tls(emulator, tmp_path, body):
    """A loopback HTTPS server answering every GET with `body`, its certificate
    issued by the emulator's CA (which the credential trusts): a Graph page
    the emulator cannot send."""
    import datetime
    import http.server
    import ipaddress
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    with open(emulator.ca_file, "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    with open(emulator.file("ca-key.pem"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(pem))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _items_of_page(emulator, credential, tmp_path, body):
    """Graph.items over one page, `body`, served over TLS on loopback."""
    server = _serve_once_over_tls(emulator, tmp_path, body)
    try:
        graph = entrad.Graph(credential, base_url="https://127.0.0.1:%d" % server.server_address[1])
        return list(graph.items("v1.0/users"))
    finally:
        server.shutdown()


def test_an_item_with_a_lone_surrogate_is_what_json_loads_makes(emulator, credential, tmp_path):
    # .NET strings (Graph's) can hold a lone UTF-16 surrogate, sent escaped;
    # json.loads reads it into a str, serde_json refuses it.
    body = b'{"value": [{"id": "1", "displayName": "a\\ud800b"}, {"id": "2", "displayName": "\\u00e9"}]}'
    items = _items_of_page(emulator, credential, tmp_path, body)
    assert items == json.loads(body)["value"]
    assert items[0]["displayName"] == "a\ud800b"


def test_an_item_with_a_number_beyond_64_bits_is_what_json_loads_makes(emulator, credential, tmp_path):
    # json.loads keeps an integer of any size exact, and a float written with
    # an exponent a float; serde_json reads both as floats.
    body = (
        b'{"value": [{"id": "1", "n": 100000000000000000000, "m": -18446744073709551616},'
        b' {"id": "2", "n": 1e20, "m": 18446744073709551615, "k": 9007199254740993}]}'
    )
    items = _items_of_page(emulator, credential, tmp_path, body)
    expected = json.loads(body)["value"]
    assert items == expected
    assert [type(v) for v in items[0].values()] == [str, int, int]
    assert [type(v) for v in items[1].values()] == [str, float, int, int]
    assert items[1]["k"] == 9007199254740993
