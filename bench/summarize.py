"""Turns bench/run-all.sh's results (and criterion's, if present) into the
markdown tables of BENCHMARKS.md.

    python3 bench/summarize.py OUT_DIR [CRITERION_DIR]
CRITERION_DIR defaults to target/criterion beside this script's repository.
Standard library only.
"""
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def hyperfine(path):
    """{name: {"median": s, "mean": s, "stddev": s, "min": s, "max": s, "runs": n}}"""
    out = {}
    for r in load(path)["results"]:
        out[r["command"]] = {
            "median": r["median"],
            "mean": r["mean"],
            "stddev": r.get("stddev") or 0.0,
            "min": r["min"],
            "max": r["max"],
            "runs": len(r["times"]),
        }
    return out


def max_rss_mib(path):
    """Peak RSS in MiB from a GNU `time -v` report."""
    with open(path) as f:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    return int(m.group(1)) / 1024 if m else None


def ms(seconds):
    return "%.1f ms" % (seconds * 1000)


def secs(seconds):
    return "%.2f s" % seconds


def duration(ns):
    if ns < 1e3:
        return "%.1f ns" % ns
    if ns < 1e6:
        return "%.1f µs" % (ns / 1e3)
    return "%.2f ms" % (ns / 1e6) if ns < 1e7 else "%.1f ms" % (ns / 1e6)


def criterion(dir_, group, bench):
    """(median ns per iteration, elements per iteration) or None."""
    base = os.path.join(dir_, group, bench.replace("/", "_"), "new")
    try:
        est = load(os.path.join(base, "estimates.json"))
        meta = load(os.path.join(base, "benchmark.json"))
    except OSError:
        return None
    elements = (meta.get("throughput") or {}).get("Elements", 1)
    return est["median"]["point_estimate"], elements


def cold(out, lines):
    path = os.path.join(out, "cold.json")
    if not os.path.exists(path):
        return
    h = hyperfine(path)
    e, p = h["entrad"], h["python"]
    ratio = p["median"] / e["median"]
    rss = {w: max_rss_mib(os.path.join(out, "cold-time-%s.txt" % w)) for w in ("entrad", "python")}
    lines += [
        "### Cold run: token + one page of 100 users, a new process each run",
        "",
        "| | median | mean ± σ | min | max | peak RSS | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, label in (("entrad", "`entrad --cache memory --ca-file ca.pem run parameters.json`"),
                        ("python", "`python bench/quickstart.py parameters.json`")):
        r = h[name]
        lines.append("| %s | %s | %s ± %s | %s | %s | %.1f MiB | %d |" % (
            label, ms(r["median"]), ms(r["mean"]), ms(r["stddev"]), ms(r["min"]), ms(r["max"]),
            rss[name] or 0, r["runs"]))
    warm_path = os.path.join(out, "warm-file-cache.json")
    if os.path.exists(warm_path):
        w = hyperfine(warm_path)["entrad-file-cache"]
        lines.append("| `entrad run` with its file cache warm (what cron sees from run 2 on; not part of the ratio) | %s | %s ± %s | %s | %s | | %d |" % (
            ms(w["median"]), ms(w["mean"]), ms(w["stddev"]), ms(w["min"]), ms(w["max"]), w["runs"]))
    lines += ["", "Ratio of medians: **%.1fx** faster (goal: at least 20x: %s)." % (
        ratio, "met" if ratio >= 20 else "NOT met")]
    stats_path = os.path.join(out, "cold-stats.json")
    if os.path.exists(stats_path):
        s = load(stats_path)["requests"]
        lines.append("Emulator counters over the hyperfine runs: %d token requests, %d users requests "
                     "(one of each per run and per program: both fetch a token every run)." % (
                         s.get("token", 0), s.get("users", 0)))
    lines.append("")


def listing(out, lines):
    sizes = sorted(int(m.group(1)) for m in (
        re.match(r"list-(\d+)\.json$", os.path.basename(p)) for p in glob.glob(os.path.join(out, "list-*.json"))) if m)
    if not sizes:
        return
    lines += [
        "### Listing every user, `$top=999`, JSON to /dev/null",
        "",
        "| users | program | median wall | users/s | peak RSS (max of runs) |",
        "|---|---|---|---|---|",
    ]
    peaks = {}
    for n in sizes:
        h = hyperfine(os.path.join(out, "list-%d.json" % n))
        for name, label in (("entrad", "`entrad --cache memory run` (endpoint with `$top=999`)"), ("python", "`quickstart.py --all`")):
            rss = [max_rss_mib(p) for p in glob.glob(os.path.join(out, "list-%d-time-%s-*.txt" % (n, name)))]
            peak = max(r for r in rss if r is not None) if rss else None
            peaks[(n, name)] = peak
            med = h[name]["median"]
            lines.append("| %s | %s | %s | %s | %s |" % (
                "{:,}".format(n), label, secs(med), "{:,.0f}".format(n / med),
                "%.1f MiB" % peak if peak else "?"))
    lines.append("")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        e_small, e_large = peaks.get((small, "entrad")), peaks.get((large, "entrad"))
        if e_small and e_large:
            flat = e_large <= e_small * 1.25
            under = e_large < 30
            lines.append("entrad's peak RSS: %.1f MiB at %s users, %.1f MiB at %s users (goal: flat and under 30 MB: %s)." % (
                e_small, "{:,}".format(small), e_large, "{:,}".format(large),
                "met" if flat and under else "NOT met"))
            lines.append("")


def cache_hit(out, crit, lines):
    msal = os.path.join(out, "msal_cache_hit.json")
    m = load(msal) if os.path.exists(msal) else None
    rows = []
    for bench, label in (("1-thread/poll", "entrad, 1 thread, polled once"),
                         ("1-thread/await", "entrad, 1 thread, awaited in a current-thread runtime")):
        c = criterion(crit, "cache_hit", bench)
        if c:
            rows.append((label, c[0] / c[1]))
    for path in sorted(glob.glob(os.path.join(crit, "cache_hit", "*-threads_*"))):
        bench = os.path.basename(path).replace("_", "/", 1)
        c = criterion(crit, "cache_hit", bench)
        if c:
            rows.append(("entrad, %s (aggregate: wall time / all threads' hits)" % bench, c[0] / c[1]))
    if m:
        rows.append(("MSAL Python %s, 1 thread" % m["msal_version"], m["one_thread_ns_per_hit"]))
        rows.append(("MSAL Python %s, %d threads (aggregate)" % (m["msal_version"], m["threads"]), m["all_threads_ns_per_hit"]))
    if not rows:
        return
    lines += ["### Cache hit: `acquire_token` on a warm in-memory cache", "",
              "| | time per hit | hits/s |", "|---|---|---|"]
    for label, ns in rows:
        lines.append("| %s | %s | %s |" % (label, ("%.0f ns" % ns) if ns >= 100 else ("%.1f ns" % ns),
                                          "{:,.0f}".format(1e9 / ns)))
    lines.append("")


def crit_table(crit, lines, title, group, benches, unit):
    rows = []
    for bench in benches:
        c = criterion(crit, group, bench)
        if c:
            rows.append((bench, c))
    if not rows:
        return
    lines += ["### " + title, "", "| bench | median per iteration | %s |" % unit, "|---|---|---|"]
    for bench, (ns, elements) in rows:
        lines.append("| `%s/%s` | %s | %s |" % (group, bench, duration(ns), "{:,.0f}".format(elements * 1e9 / ns)))
    lines.append("")


def herd_counts(out, lines):
    """The token-request counts cold_herd printed, from run-all.sh's criterion.txt."""
    path = os.path.join(out, "criterion.txt")
    if not os.path.exists(path):
        return
    with open(path) as f:
        found = [l.strip() for l in f if "token requests per herd" in l]
    if found:
        lines += ["```"] + found + ["```", ""]


def main():
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    crit = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "target", "criterion")
    lines = []
    machine = os.path.join(out, "machine.txt")
    if os.path.exists(machine):
        lines += ["```", open(machine).read().rstrip(), "```", ""]
    cold(out, lines)
    listing(out, lines)
    cache_hit(out, crit, lines)
    crit_table(crit, lines, "Store lookup, what a miss of the client's copy pays (criterion)", "store_lookup",
               ["cache_key", "memory_get"], "per second")
    crit_table(crit, lines, "Cold herd: concurrent acquire_token on a fresh client (criterion)", "cold_herd",
               ["1-callers", "1000-callers"], "herds/s")
    herd_counts(out, lines)
    crit_table(crit, lines, "Emulator capacity (criterion, 32 in flight)", "emulator",
               ["token", "users-page/top=100", "users-page/top=999"], "requests/s")
    crit_table(crit, lines, "Listing in process (criterion)", "listing", ["users-10k/top=999"], "users/s")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
