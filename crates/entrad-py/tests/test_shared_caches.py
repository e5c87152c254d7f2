"""Token caches shared by processes: 8 processes with one cold file cache make
one token request where MSAL Python with msal-extensions makes one each; two
"hosts" on one Redis make one; gunicorn's pre-fork workers, forked after entrad
started, get their tokens with one request between them."""

import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import urllib.request
import uuid

DRIVERS = pathlib.Path(__file__).parent / "drivers"
#: base64 of 32 bytes: the AES-256-GCM key of Redis entries (ENTRAD_CACHE_KEY).
REDIS_CACHE_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def start(args, env):
    """A driver process talking lines over its stdin and stdout."""
    return subprocess.Popen([sys.executable, *map(str, args)], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def line_of(process):
    line = process.stdout.readline()
    if not line:
        process.wait()
        raise AssertionError("the driver ended: {}".format(process.stderr.read()))
    return line.strip()


def tell(process):
    process.stdin.write("go\n")
    process.stdin.flush()


def finish(process, line=None):
    """The driver's last line (its JSON result, unless already read), once it exited cleanly."""
    result = json.loads(line or line_of(process))
    process.stdin.close()
    assert process.wait() == 0, process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    return result


def herd(emulator, which, cache_file, n=8):
    """`n` processes of msal_herd.py with one cold cache file, released at once."""
    processes = [start([DRIVERS / "msal_herd.py", which, emulator.file("parameters.json"), cache_file],
                       emulator.environment()) for _ in range(n)]
    for process in processes:
        assert line_of(process) == "ready"
    for process in processes:
        tell(process)
    if which == "entrad":
        return [finish(process) for process in processes]
    # Each MSAL process says whether it asks the service ("asking") or found the
    # token: the requests wait until every process has said one or the other.
    said = [line_of(process) for process in processes]
    for process, line in zip(processes, said):
        if line == "asking":
            tell(process)
    return [finish(process, None if line == "asking" else line) for process, line in zip(processes, said)]


def test_eight_processes_with_a_cold_file_cache_make_one_token_request(emulator, tmp_path):
    # The control: MSAL Python with msal-extensions, the same code and file.
    before = emulator.requests("token")
    theirs = herd(emulator, "msal", tmp_path / "msal" / "token_cache.bin")
    msal_requests = emulator.requests("token") - before
    assert [r["token_source"] for r in theirs] == ["identity_provider"] * 8, theirs
    assert msal_requests == 8

    # One line changed (`from entrad import msal`): one request between them.
    before = emulator.requests("token")
    ours = herd(emulator, "entrad", tmp_path / "entrad" / "token_cache.bin")
    assert emulator.requests("token") - before == 1
    assert len({r["token"] for r in ours}) == 1 and None not in {r["token"] for r in ours}, ours
    assert sorted(r["token_source"] for r in ours) == ["cache"] * 7 + ["identity_provider"]
    # The file is msal-extensions' format: MSAL Python reads entrad's token from it.
    again = herd(emulator, "msal", tmp_path / "entrad" / "token_cache.bin", n=1)
    assert again[0]["token_source"] == "cache" and again[0]["token"] == ours[0]["token"]


def test_two_hosts_on_one_redis_make_one_token_request(emulator):
    url = os.environ.get("ENTRAD_TEST_REDIS_URL")
    assert url, "ENTRAD_TEST_REDIS_URL is not set: scripts/test starts a loopback redis-server"
    cache = "{}/?prefix=entrad-py-{}:".format(url.rstrip("/"), uuid.uuid4().hex)
    env = emulator.environment(ENTRAD_CACHE_KEY=REDIS_CACHE_KEY)
    before = emulator.requests("token")
    hosts = [start([DRIVERS / "credential_host.py", emulator.file("parameters.json"), emulator.ca_file, cache], env)
             for _ in range(2)]
    for host in hosts:
        assert line_of(host) == "ready"
    for host in hosts:
        tell(host)
    results = [finish(host) for host in hosts]
    assert emulator.requests("token") - before == 1
    assert sorted(r["token_requests"] for r in results) == [0, 1]
    assert results[0]["token"] == results[1]["token"]
    assert results[0]["users"] == results[1]["users"] > 0


def test_gunicorn_prefork_workers_share_one_token_request(emulator, tmp_path):
    workers = 4
    env = emulator.environment(
        ENTRAD_TEST_PARAMETERS=str(emulator.file("parameters.json")), ENTRAD_TEST_CA_FILE=emulator.ca_file,
        ENTRAD_TEST_CACHE="file:{}".format(tmp_path / "tokens.json"), ENTRAD_TEST_WORKERS=str(workers),
        PYTHONPATH=str(DRIVERS))
    before = emulator.requests("token")
    # --preload: the app (entrad, its runtime, the credential) is loaded in the
    # master, and the workers are forked from it. --timeout 0: no time limit.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", str(workers), "--timeout", "0",
         "--bind", "127.0.0.1:0", "wsgi_tokens:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        while port is None:
            line = server.stderr.readline()
            assert line, "gunicorn ended before listening"
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            port = found and int(found.group(1))
        # gunicorn's log goes on being read, so that it never blocks on a full pipe.
        threading.Thread(target=server.stderr.read, daemon=True).start()
        answers = [None] * workers

        def ask(i):
            with urllib.request.urlopen("http://127.0.0.1:{}/".format(port)) as response:
                answers[i] = json.loads(response.read())

        askers = [threading.Thread(target=ask, args=(i,)) for i in range(workers)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
    finally:
        server.terminate()
        server.wait()
    assert None not in answers
    assert len({a["pid"] for a in answers}) == workers and server.pid not in {a["pid"] for a in answers}
    assert len({a["token"] for a in answers}) == 1
    assert sorted(a["token_requests"] for a in answers) == [0] * (workers - 1) + [1]
    assert emulator.requests("token") - before == 1
