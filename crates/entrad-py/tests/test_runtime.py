"""What a Python program meets: the GIL released during waits,
os.fork() (with a key in a PKCS#11 token too), Ctrl-C during a wait, logging
on the `entrad` logger."""

import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest

import entrad

from conftest import GRAPH_SCOPE, SOFTHSM_KEY, jwt_claims

DRIVERS = pathlib.Path(__file__).parent / "drivers"


@pytest.fixture
def credential(emulator):
    return entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)


def test_other_threads_run_while_a_token_is_awaited(emulator, credential):
    emulator.admin("POST", "/faults", {"route": "token", "kind": "latency", "latency_ms": 600, "count": 1})
    before = emulator.requests("token")
    worker = threading.Thread(target=lambda: credential.get_token(GRAPH_SCOPE))
    worker.start()
    # This thread needs the GIL to ask the emulator and to count: it does both
    # while the worker waits for its (slowed) token.
    while emulator.requests("token") == before:
        pass
    ticks = 0
    while worker.is_alive() and ticks < 10_000:
        ticks += 1
    worker.join()
    assert ticks == 10_000, "the GIL was held during the token request"


def test_a_forked_child_builds_its_own_runtime(emulator, credential):
    credential.get_token(GRAPH_SCOPE)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the cached token, then a fresh one over its own connections
        code = 1
        try:
            cached = credential.get_token(GRAPH_SCOPE).token
            fresh = credential.get_token(GRAPH_SCOPE, claims='{"access_token":{"xms_cc":{"values":["cp1"]}}}')
            code = 0 if cached and fresh.token else 2
            os.write(write, b"ok")
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 2) == b"ok" and os.WEXITSTATUS(status) == 0
    assert credential.get_token(GRAPH_SCOPE).token


@pytest.fixture(scope="module")
def token_key(emulator):
    """A key pair generated inside the SoftHSM2 token scripts/test initialises,
    its certificate registered on the app: the key's label."""
    for name in ("SOFTHSM2_CONF", "ENTRAD_TEST_PKCS11_MODULE", "ENTRAD_TEST_PKCS11_TOKEN", "ENTRAD_TEST_PKCS11_PIN"):
        if not os.environ.get(name):
            pytest.fail("{} is not set: run the tests with scripts/test, which initialises a SoftHSM2 token".format(name))
    if not SOFTHSM_KEY.exists():
        pytest.fail("{} is missing: cargo build -p entrad-testkit --bin softhsm-key".format(SOFTHSM_KEY))
    label = "entrad-py-fork-{}-{}".format(os.getpid(), time.time_ns())
    done = subprocess.run([str(SOFTHSM_KEY), label], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    certificate = json.loads(done.stdout)["certificate"]
    client_id = emulator.parameters()["client_id"]
    emulator.admin("POST", "/apps/{}/certificates".format(client_id), {"certificate": certificate})
    return label


# SoftHSM2 keeps its state in the process's memory, which a forked child
# inherits; with library.reset_on_fork it starts over in the child, as the
# library of a hardware module does (its connection is the parent's): the
# child finds the module uninitialised and must call C_Initialize itself
# (PKCS#11 asks one per process).
@pytest.mark.parametrize("reset_on_fork", [False, True], ids=["module-state-inherited", "module-reset-in-child"])
def test_a_forked_child_signs_with_the_pkcs11_key(emulator, token_key, tmp_path, reset_on_fork):
    config = pathlib.Path(os.environ["SOFTHSM2_CONF"]).read_text().splitlines()
    config = [line for line in config if not line.startswith("library.reset_on_fork")]
    config.append("library.reset_on_fork = {}".format("true" if reset_on_fork else "false"))
    (tmp_path / "softhsm2.conf").write_text("\n".join(config) + "\n")
    parameters = emulator.parameters()
    pin = os.environ["ENTRAD_TEST_PKCS11_PIN"]
    settings = {"client_id": parameters["client_id"], "authority": parameters["authority"],
                "ca_file": emulator.ca_file, "scope": GRAPH_SCOPE,
                "module": os.environ["ENTRAD_TEST_PKCS11_MODULE"], "token": os.environ["ENTRAD_TEST_PKCS11_TOKEN"],
                "key": token_key, "pin": pin}
    before = emulator.requests("token")
    # In a process of its own, so that a crash of the child or the parent cannot take pytest down.
    done = subprocess.run([sys.executable, str(DRIVERS / "pkcs11_fork.py")], input=json.dumps(settings),
                          env=emulator.environment(SOFTHSM2_CONF=str(tmp_path / "softhsm2.conf")),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert pin not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["child_exit"] == 0, report["child"]
    child = report["child"]
    assert child["token_requests"] == 1 and report["parent_token_requests"] == 1
    assert child["token"] != report["parent"]
    for token in (report["parent"], child["token"]):
        # appidacr "2": the app proved itself with a signed assertion, the token's key the only one it has here.
        assert (jwt_claims(token)["appid"], jwt_claims(token)["appidacr"]) == (parameters["client_id"], "2")
    assert emulator.requests("token") == before + 2


def test_ctrl_c_interrupts_a_wait_promptly(emulator, credential):
    emulator.admin("POST", "/faults", {"route": "token", "kind": "latency", "latency_ms": 30_000, "count": 1})
    fresh = entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)
    # The signal is sent once the request is on its way: when the emulator counts it.
    before = emulator.requests("token")

    def interrupt_when_sent():
        while emulator.requests("token") == before:
            pass
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_sent, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        fresh.get_token(GRAPH_SCOPE)
    emulator.admin("DELETE", "/faults")


def test_a_listing_imports_no_more_of_the_standard_library(emulator):
    # What a new process imports is most of its start (BENCHMARKS.md): typing,
    # json, logging, urllib.parse and re are left to the program.
    program = """
import sys
before = set(sys.modules)
import entrad
credential = entrad.Credential.from_parameters(sys.argv[1], ca_file=sys.argv[2])
users = sum(1 for _ in entrad.Graph(credential).items(credential.endpoint, params={"$top": 7}))
print(users, " ".join(sorted(set(sys.modules) - before)))
"""
    done = subprocess.run([sys.executable, "-c", program, str(emulator.file("parameters.json")), emulator.ca_file],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    users, *imported = done.stdout.split()
    assert int(users) > 7
    assert not {"typing", "json", "logging", "urllib.parse", "re"} & set(imported), imported


def test_logging_receives_entrads_events_without_secrets(emulator, caplog):
    config = emulator.parameters()
    with caplog.at_level(logging.DEBUG, logger="entrad"):
        credential = entrad.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)
        token = credential.get_token(GRAPH_SCOPE).token
    records = [r for r in caplog.records if r.name == "entrad"]
    assert any("token acquired" in r.getMessage() for r in records)
    assert any(r.levelno == logging.DEBUG for r in records)
    text = "\n".join(r.getMessage() for r in records)
    assert config["secret"] not in text and token not in text
