"""entrad for Python side by side with MSAL Python, azure-identity and the
quickstart's requests loop, against the emulator on loopback (bench/python.sh
runs every part and writes the summary).

    python bench/python.py hits PARAMETERS CA_FILE             one JSON object
    python bench/python.py process PARAMETERS CA_FILE RUNS     one JSON object
    python bench/python.py list PARAMETERS CA_FILE USERS RUNS  one JSON object
    python bench/python.py summary OUT_DIR                     markdown

hits: a cache hit of `acquire_token_for_client` (entrad.msal, MSAL Python) and
of `get_token` (entrad.Credential, azure-identity's ClientSecretCredential),
each warmed by one real token request; median of SAMPLES samples of about
SAMPLE_SECONDS, the four taken in turn so that they share the machine's load.
process: bench/python_first_token.py in a new process per run, each mode in
turn, median wall time. list: a process listing every user with `$top=999`,
entrad.Graph.items vs the quickstart's requests loop; median wall time, the
listing's own time (token and pages, after the imports), and the largest
peak RSS of the runs (os.wait4).
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

HERE = pathlib.Path(__file__).resolve().parent
SAMPLES = 15
SAMPLE_SECONDS = 0.2
MODES = ["none", "import-entrad", "entrad", "import-msal", "msal"]


def emit(value):
    print(json.dumps(value, indent=2))


def calibrate(call):
    """Calls per sample so that one sample lasts about SAMPLE_SECONDS."""
    n = 16
    while True:
        took = timeit.timeit(call, number=n)
        if took >= SAMPLE_SECONDS / 4:
            return max(1, int(n * SAMPLE_SECONDS / took))
        n *= 2


def hits(parameters, ca_file):
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    os.environ.pop("CURL_CA_BUNDLE", None)
    import msal
    from azure.identity import ClientSecretCredential

    import entrad
    from entrad import msal as entrad_msal

    config = json.load(open(parameters))
    scopes, scope = config["scope"], config["scope"][0]
    authority_host, tenant = config["authority"].rstrip("/").rsplit("/", 1)
    ours_app = entrad_msal.ConfidentialClientApplication(
        config["client_id"], authority=config["authority"], client_credential=config["secret"])
    msal_app = msal.ConfidentialClientApplication(
        config["client_id"], authority=config["authority"], client_credential=config["secret"],
        instance_discovery=False)
    ours_credential = entrad.Credential.from_parameters(parameters, ca_file=ca_file)
    azure_credential = ClientSecretCredential(
        tenant, config["client_id"], config["secret"], authority=authority_host,
        disable_instance_discovery=True, connection_verify=ca_file)
    native = ours_credential._tokens
    calls = {
        "entrad.msal acquire_token_for_client": lambda: ours_app.acquire_token_for_client(scopes),
        "MSAL Python acquire_token_for_client": lambda: msal_app.acquire_token_for_client(scopes),
        "entrad.Credential get_token": lambda: ours_credential.get_token(scope),
        "azure-identity ClientSecretCredential get_token": lambda: azure_credential.get_token(scope),
        # The native call under both of entrad's (no Python shim): where the time goes.
        "entrad native TokenClient.token": lambda: native.token([scope], None),
    }
    # One real token each, then every call a hit.
    for app in (ours_app, msal_app):
        assert app.acquire_token_for_client(scopes)["token_source"] == "identity_provider"
        assert app.acquire_token_for_client(scopes)["token_source"] == "cache"
    first = azure_credential.get_token(scope).token
    assert azure_credential.get_token(scope).token == first
    ours_credential.get_token(scope)
    assert ours_credential.get_token(scope).token and ours_credential.token_requests == 1
    counts = {name: calibrate(call) for name, call in calls.items()}
    samples = {name: [] for name in calls}
    for _ in range(SAMPLES):
        for name, call in calls.items():
            samples[name].append(timeit.timeit(call, number=counts[name]) / counts[name] * 1e9)
    assert ours_credential.token_requests == 1
    assert ours_app.acquire_token_for_client(scopes)["token_source"] == "cache"
    assert msal_app.acquire_token_for_client(scopes)["token_source"] == "cache"
    emit({
        "python": sys.version.split()[0],
        "msal": msal.__version__,
        "entrad": entrad.__version__,
        "entrad_build": entrad._entrad.__build__,
        "samples": SAMPLES,
        "ns_per_hit": {name: statistics.median(values) for name, values in samples.items()},
        "ns_min": {name: min(values) for name, values in samples.items()},
        "calls_per_sample": counts,
    })


def timed(args, env):
    """Runs `args`; (wall seconds, peak RSS in KiB, stdout)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err)
        out = child.stdout.read()
        child.stdout.close()
        # Reaped here rather than by Popen, for the child's own resource usage.
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit("{} failed: {}".format(" ".join(map(str, args)), err.read().decode()))
    return took, usage.ru_maxrss, out


def environment(ca_file):
    env = dict(os.environ, REQUESTS_CA_BUNDLE=ca_file)
    env.pop("CURL_CA_BUNDLE", None)
    return env


def process(parameters, ca_file, runs):
    env = environment(ca_file)
    walls = {mode: [] for mode in MODES}
    rss = {mode: 0 for mode in MODES}
    for mode in MODES:  # warm the page cache
        timed([sys.executable, HERE / "python_first_token.py", mode, parameters], env)
    for _ in range(runs):
        for mode in MODES:
            took, peak, _ = timed([sys.executable, HERE / "python_first_token.py", mode, parameters], env)
            walls[mode].append(took)
            rss[mode] = max(rss[mode], peak)
    emit({
        "runs": runs,
        "median_ms": {mode: statistics.median(values) * 1e3 for mode, values in walls.items()},
        "min_ms": {mode: min(values) * 1e3 for mode, values in walls.items()},
        "max_ms": {mode: max(values) * 1e3 for mode, values in walls.items()},
        "peak_rss_kib": rss,
    })


LIST_ENTRAD = """
import sys, time
import entrad
start = time.perf_counter()
credential = entrad.Credential.from_parameters(sys.argv[1], ca_file=sys.argv[2])
users = 0
for user in entrad.Graph(credential).items(credential.endpoint, params={"$top": 999}):
    users += bool(user["id"])
print(users, time.perf_counter() - start)
"""

# bench/quickstart.py --all's loop (the quickstart's request, then every
# @odata.nextLink, the pages collected as it collects them), counting the
# users instead of printing them.
LIST_REQUESTS = """
import json, sys, time
import msal, requests
start = time.perf_counter()
config = json.load(open(sys.argv[1]))
session = requests.Session()
session.verify = sys.argv[2]
app = msal.ConfidentialClientApplication(config["client_id"], authority=config["authority"],
    client_credential=config["secret"], instance_discovery=False, http_client=session)
result = app.acquire_token_silent(config["scope"], account=None)
if not result:
    result = app.acquire_token_for_client(scopes=config["scope"])
headers = {"Authorization": "Bearer " + result["access_token"]}
graph_data = session.get(config["endpoint"] + "?$top=999", headers=headers).json()
next_link = graph_data.pop("@odata.nextLink", None)
while next_link:
    page = session.get(next_link, headers=headers).json()
    graph_data["value"].extend(page["value"])
    next_link = page.get("@odata.nextLink")
users = sum(bool(user["id"]) for user in graph_data["value"])
print(users, time.perf_counter() - start)
"""


def listing(parameters, ca_file, users, runs):
    env = environment(ca_file)
    programs = {"entrad.Graph.items": LIST_ENTRAD, "quickstart requests loop": LIST_REQUESTS}
    walls = {name: [] for name in programs}
    inside = {name: [] for name in programs}
    rss = {name: 0 for name in programs}
    for run in range(runs + 1):
        for name, program in programs.items():
            took, peak, out = timed([sys.executable, "-c", program, parameters, ca_file], env)
            listed, seconds = out.split()
            if int(listed) != users:
                raise SystemExit("{} listed {} users, not {}".format(name, listed.decode(), users))
            if run == 0:  # the warm-up
                continue
            walls[name].append(took)
            inside[name].append(float(seconds))
            rss[name] = max(rss[name], peak)
    emit({
        "users": users,
        "runs": runs,
        "median_wall_ms": {name: statistics.median(v) * 1e3 for name, v in walls.items()},
        "median_listing_ms": {name: statistics.median(v) * 1e3 for name, v in inside.items()},
        "peak_rss_kib": rss,
    })


def summary(out_dir):
    out = pathlib.Path(out_dir)
    load = lambda name: json.loads((out / name).read_text())  # noqa: E731
    h = load("hits.json")["ns_per_hit"]
    p = load("process.json")
    lists = sorted((load(f.name) for f in out.glob("list-*.json")), key=lambda r: r["users"])
    print("| what | entrad | peer | ratio | goal |")
    print("|---|---|---|---|---|")
    ours, theirs = h["entrad.msal acquire_token_for_client"], h["MSAL Python acquire_token_for_client"]
    print("| cache hit, `acquire_token_for_client` (entrad.msal vs MSAL Python) | {:.0f} ns | {:.0f} ns | {:.1f}x "
          "| 20x |".format(ours, theirs, theirs / ours))
    ours, theirs = h["entrad.Credential get_token"], h["azure-identity ClientSecretCredential get_token"]
    print("| cache hit, `get_token` (entrad.Credential vs azure-identity ClientSecretCredential) | {:.0f} ns | "
          "{:.0f} ns | {:.1f}x | 20x |".format(ours, theirs, theirs / ours))
    m = p["median_ms"]
    print("| new process: interpreter + import + first token (`from entrad import msal` vs `import msal`) "
          "| {:.1f} ms | {:.1f} ms | {:.1f}x | 3x |".format(m["entrad"], m["msal"], m["msal"] / m["entrad"]))
    print("| the same, the interpreter itself (`none`) subtracted | {:.1f} ms | {:.1f} ms | {:.1f}x | - |".format(
        m["entrad"] - m["none"], m["msal"] - m["none"], (m["msal"] - m["none"]) / (m["entrad"] - m["none"])))
    for r in lists:
        w, i, rss = r["median_wall_ms"], r["median_listing_ms"], r["peak_rss_kib"]
        ours, theirs = "entrad.Graph.items", "quickstart requests loop"
        print("| {:,} users, `$top=999`: process wall time | {:.0f} ms | {:.0f} ms | {:.1f}x | 3x |".format(
            r["users"], w[ours], w[theirs], w[theirs] / w[ours]))
        print("| {:,} users: the listing inside the process (token and pages, after the imports) | {:.0f} ms | {:.0f} ms | "
              "{:.1f}x | - |".format(r["users"], i[ours], i[theirs], i[theirs] / i[ours]))
        print("| {:,} users: peak RSS | {:.1f} MiB | {:.1f} MiB | - | flat |".format(
            r["users"], rss[ours] / 1024, rss[theirs] / 1024))
    print()
    print("Cache hits (median ns per call): " + ", ".join("{} {:.0f}".format(k, v) for k, v in h.items()))
    print("New process (median ms over {} runs): ".format(p["runs"])
          + ", ".join("{} {:.1f}".format(k, v) for k, v in m.items()))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "hits":
        hits(*args)
    elif command == "process":
        process(args[0], args[1], int(args[2]))
    elif command == "list":
        listing(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "summary":
        summary(args[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
