"""MSAL Python's cache hit, measured the way bench/benches/cache_hit.rs measures entrad's.

One real acquire_token_for_client against the emulator fills MSAL's in-memory
cache; every later call for the same scopes is a cache hit (token_source
"cache"). Timed in a loop on one thread, then with one thread per core
released together (the GIL serialises them: that is the point of measuring).
Each figure is the median of several samples, in nanoseconds per call.

    python bench/msal_cache_hit.py parameters.json
Environment: ENTRAD_CA_FILE (the emulator's ca.pem). Prints one JSON object.
"""
import json
import os
import statistics
import sys
import threading
import time

import msal
import requests

SAMPLES = 15
SAMPLE_SECONDS = 0.2


def make_app(config):
    session = requests.Session()
    ca_file = os.environ.get("ENTRAD_CA_FILE")
    if ca_file:
        session.verify = ca_file
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify.
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        os.environ.pop("CURL_CA_BUNDLE", None)
    return msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=config["secret"],
        instance_discovery=False,
        http_client=session,
    )


def hits(app, scopes, n):
    for _ in range(n):
        result = app.acquire_token_for_client(scopes=scopes)
    return result


def calibrate(app, scopes):
    """Calls per sample so that one sample lasts about SAMPLE_SECONDS."""
    n = 16
    while True:
        start = time.perf_counter()
        hits(app, scopes, n)
        if time.perf_counter() - start >= SAMPLE_SECONDS / 4:
            return max(1, int(n * SAMPLE_SECONDS / (time.perf_counter() - start)))
        n *= 2


def one_thread(app, scopes, n):
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter_ns()
        hits(app, scopes, n)
        samples.append((time.perf_counter_ns() - start) / n)
    return samples


def all_threads(app, scopes, n, threads):
    samples = []
    for _ in range(SAMPLES):
        barrier = threading.Barrier(threads + 1)
        workers = [
            threading.Thread(target=lambda: (barrier.wait(), hits(app, scopes, n)))
            for _ in range(threads)
        ]
        for w in workers:
            w.start()
        barrier.wait()
        start = time.perf_counter_ns()
        for w in workers:
            w.join()
        # Aggregate: wall time per call over all threads' calls.
        samples.append((time.perf_counter_ns() - start) / (n * threads))
    return samples


def main():
    config = json.load(open(sys.argv[1]))
    scopes = config["scope"]
    app = make_app(config)
    first = app.acquire_token_for_client(scopes=scopes)
    if "access_token" not in first:
        print(first.get("error"), first.get("error_description"), file=sys.stderr)
        return 3
    hit = app.acquire_token_for_client(scopes=scopes)
    if hit.get("token_source") != "cache":
        print("the second call was not a cache hit: %r" % hit.get("token_source"), file=sys.stderr)
        return 1
    threads = os.cpu_count() or 1
    n = calibrate(app, scopes)
    single = one_thread(app, scopes, n)
    multi = all_threads(app, scopes, max(1, n // threads), threads)
    print(json.dumps({
        "msal_version": msal.__version__,
        "python": sys.version.split()[0],
        "calls_per_sample": n,
        "samples": SAMPLES,
        "one_thread_ns_per_hit": statistics.median(single),
        "threads": threads,
        "all_threads_ns_per_hit": statistics.median(multi),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
