"""What a Python program meets: the GIL released during waits,
os.fork(), Ctrl-C during a wait, logging on the `entrad` logger."""

import logging
import os
import signal
import threading

import pytest

import entrad

from conftest import GRAPH_SCOPE


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
