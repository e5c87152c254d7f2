"""A tiny WSGI app for gunicorn's pre-fork workers: each request answers the
worker's pid, a token from entrad.Credential.get_token (its SHA-256) and the
token requests the worker made.

Loaded once in gunicorn's master (`--preload`), so entrad, its runtime and the
credential exist before the workers are forked from it. The parameters file,
CA and cache come in ENTRAD_TEST_PARAMETERS, ENTRAD_TEST_CA_FILE and
ENTRAD_TEST_CACHE; ENTRAD_TEST_WORKERS requests are held at a barrier until as
many have arrived, so that (with sync workers, one request each) every worker
serves one, and all ask for their token at once.
"""

import hashlib
import json
import multiprocessing
import os

import entrad

credential = entrad.Credential.from_parameters(
    os.environ["ENTRAD_TEST_PARAMETERS"], ca_file=os.environ["ENTRAD_TEST_CA_FILE"],
    cache=os.environ["ENTRAD_TEST_CACHE"])
# Created before the fork: the workers share its semaphores.
barrier = multiprocessing.get_context("fork").Barrier(int(os.environ["ENTRAD_TEST_WORKERS"]))


def application(environ, start_response):
    barrier.wait()
    token = credential.get_token(*credential.scopes).token
    body = json.dumps({
        "pid": os.getpid(),
        "token": hashlib.sha256(token.encode()).hexdigest(),
        "token_requests": credential.token_requests,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
