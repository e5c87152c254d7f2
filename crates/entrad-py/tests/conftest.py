"""The emulator the tests talk to, started from the workspace's own build
(`target/debug/entrad emulator`), on loopback, with its own state directory."""

import base64
import json
import os
import pathlib
import ssl
import subprocess
import sys
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
#: The CLI binary: ENTRAD_BIN, else the workspace's debug build (scripts/test builds it).
ENTRAD = pathlib.Path(os.environ.get("ENTRAD_BIN", ROOT / "target" / "debug" / "entrad"))
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
#: Generates a key pair inside the SoftHSM2 token scripts/test initialises (entrad-testkit).
SOFTHSM_KEY = ROOT / "target" / "debug" / "softhsm-key"


def _closed_loopback_url():
    """A loopback URL nothing listens on (a port bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# With no credential the chain asks IMDS: never the real address from a test
# (the managed identity tests set their endpoints explicitly).
os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = _closed_loopback_url()


class Emulator:
    """A running `entrad emulator`, its ready line and its admin API."""

    def __init__(self, process, ready):
        self.process = process
        self.ready = ready
        self.url = ready["url"].rstrip("/")
        self.state_dir = pathlib.Path(ready["state_dir"])
        self.ca_file = ready["ca_file"]
        self._tls = ssl.create_default_context(cafile=self.ca_file)

    def file(self, name):
        return self.state_dir / name

    def parameters(self, name="parameters.json"):
        with open(self.file(name)) as f:
            return json.load(f)

    def admin(self, method, path, body=None):
        """Calls `/_emulator{path}` with the admin token; the answer's JSON."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "/_emulator" + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.ready["admin_token"])
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self._tls) as response:
            text = response.read()
        return json.loads(text) if text else None

    def requests(self, route):
        """Requests served so far on `route` (`token`, `users`, `managed-identity`...)."""
        return self.admin("GET", "/stats")["requests"].get(route, 0)

    def environment(self, **extra):
        """A child process's environment trusting the emulator's CA, as a
        requests-based program gets it (REQUESTS_CA_BUNDLE)."""
        env = dict(os.environ)
        for name in ("CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            env.pop(name, None)
        env["REQUESTS_CA_BUNDLE"] = self.ca_file
        env.update(extra)
        return env


def start_emulator(state_dir, *args):
    process = subprocess.Popen(
        [str(ENTRAD), "emulator", "--listen", "127.0.0.1:0", "--state-dir", str(state_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    try:
        ready = json.loads(line)
    except ValueError:
        process.kill()
        raise RuntimeError("the emulator did not start: {!r}".format(line))
    assert ready.get("ready") is True, line
    return Emulator(process, ready)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    if not ENTRAD.exists():
        pytest.fail("{} is missing: build it with `cargo build -p entrad`".format(ENTRAD))
    emulator = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emulator
    emulator.process.kill()
    emulator.process.wait()


def run_python(args, env, timeout=None):
    """Runs this interpreter on `args`; the completed process (text output)."""
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=timeout)


def jwt_claims(token):
    """The claims of a JWT (unverified: the emulator verified what it signed)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
