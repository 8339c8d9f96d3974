#!/usr/bin/env python3
"""bench/report.py: the benchmark's table, from bench/run.sh's raw measurements.

  report.py RAW.jsonl META.json OUT-PREFIX

RAW.jsonl: one line per wrk run, {"round", "scenario", "size", "conns", "wrk": {...}} (the
JSON that bench/wrk-json.lua prints), and "cpu_ticks" with "clk_tck": the CPU time the server
under test (all its processes) used during the run, in clock ticks -- for E (nginx +
auth_request) authfront's, the auth checks', with nginx's own in "proxy_cpu_ticks". META.json: machine, load, versions, memory, startup.
Writes OUT-PREFIX.md (the table, the targets, memory, startup, machine), OUT-PREFIX.json
(medians, every raw run, the metadata) and OUT-PREFIX.csv (one row per cell), and prints the
Markdown. Medians over the rounds. Never fails on a number: a target not met is a line in the
report, not an exit status.
"""
import csv
import json
import statistics
import sys

SCENARIOS = {
    "A": "authfront, signed in, cache hit",
    "B": "authfront, signed in, folder (no cache)",
    "C": "nginx, no auth (ceiling)",
    "D": "Apache + mod_auth_openidc, signed in",
    "E": "nginx + auth_request to authfront, signed in (CPU: authfront's per check)",
}
SIZES = ["1k", "16k", "1m"]


def load(raw_path):
    runs = []
    with open(raw_path) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    return runs


def cells(runs):
    """(size, conns, scenario) -> medians over the rounds."""
    by = {}
    for r in runs:
        by.setdefault((r["size"], r["conns"], r["scenario"]), []).append(r)
    out = {}
    for k, rs in by.items():
        w = [r["wrk"] for r in rs if r.get("wrk")]
        if not w:
            out[k] = {"rounds": len(rs), "rps": None, "p50_ms": None, "p99_ms": None, "errors": None, "cpu_us": None,
                      "proxy_cpu_us": None}
            continue
        rps = [x["requests"] / (x["duration_us"] / 1e6) for x in w if x["duration_us"] > 0]
        errors = sum(sum(x["errors"].values()) for x in w)
        cpu = [
            r["cpu_ticks"] * 1e6 / r["clk_tck"] / r["wrk"]["requests"]
            for r in rs
            if r.get("wrk") and r.get("cpu_ticks") is not None and r.get("clk_tck") and r["wrk"]["requests"] > 0
        ]
        proxy_cpu = [
            r["proxy_cpu_ticks"] * 1e6 / r["clk_tck"] / r["wrk"]["requests"]
            for r in rs
            if r.get("wrk") and r.get("proxy_cpu_ticks") is not None and r.get("clk_tck") and r["wrk"]["requests"] > 0
        ]
        out[k] = {
            "rounds": len(w),
            "proxy_cpu_us": statistics.median(proxy_cpu) if proxy_cpu else None,
            "rps": statistics.median(rps) if rps else None,
            "p50_ms": statistics.median(x["latency_us"]["p50"] for x in w) / 1000,
            "p99_ms": statistics.median(x["latency_us"]["p99"] for x in w) / 1000,
            "errors": errors,
            "cpu_us": statistics.median(cpu) if cpu else None,
            "rps_all": [round(v) for v in rps],
        }
    return out


def ratio(a, b):
    return None if not a or not b else a / b


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def table(c, conns_list):
    lines = [
        "| size | conns | scenario | req/s | p50 ms | p99 ms | CPU µs/req | ×nginx | ×mod_auth_openidc | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in SIZES:
        for conns in conns_list:
            ng = c.get((size, conns, "C"), {}).get("rps")
            ap = c.get((size, conns, "D"), {}).get("rps")
            for s, name in SCENARIOS.items():
                x = c.get((size, conns, s))
                if not x:
                    continue
                lines.append(
                    f"| {size} | {conns} | {s}: {name} | {fmt(x['rps'], ',.0f')} | {fmt(x['p50_ms'], '.2f')} "
                    f"| {fmt(x['p99_ms'], '.2f')} | {fmt(x.get('cpu_us'), '.1f')} | {fmt(ratio(x['rps'], ng), '.2f')} "
                    f"| {fmt(ratio(x['rps'], ap), '.1f')} | {fmt(x['errors'], 'd')} |"
                )
    return lines


def targets(c, meta):
    """(target, measured, met) rows; met is None when it was not measured."""
    rows = []

    def rps(size, conns, s):
        return c.get((size, conns, s), {}).get("rps")

    def p99(size, conns, s):
        return c.get((size, conns, s), {}).get("p99_ms")

    def cpu(size, conns, s):
        return c.get((size, conns, s), {}).get("cpu_us")

    def add(name, value, met):
        rows.append((name, value, None if value is None or met is None else met))

    r = ratio(rps("1k", 64, "A"), rps("1k", 64, "C"))
    add("1 KiB cache hit, 64 conns: ≥ 1.0 × nginx", fmt(r, ".2f") if r else None, r is not None and r >= 1.0)
    r = ratio(rps("1k", 64, "A"), rps("1k", 64, "D"))
    add("1 KiB cache hit, 64 conns: ≥ 10 × mod_auth_openidc", fmt(r, ".1f") if r else None, r is not None and r >= 10)
    # the same comparison by the server's own CPU time per request, which the load generator
    # sharing the machine does not bound
    r = ratio(cpu("1k", 64, "D"), cpu("1k", 64, "A"))
    add("1 KiB cache hit, 64 conns: ≥ 10 × mod_auth_openidc, by CPU time per request", fmt(r, ".1f") if r else None,
        r is not None and r >= 10)
    for conns in meta["conns"]:
        r = ratio(rps("1m", conns, "A"), rps("1m", conns, "C"))
        add(f"1 MiB cache hit, {conns} conns: ≥ 0.9 × nginx", fmt(r, ".2f") if r else None, r is not None and r >= 0.9)
    for conns in meta["conns"]:
        r = ratio(rps("16k", conns, "B"), rps("16k", conns, "C"))
        add(f"16 KiB folder, {conns} conns: ≥ 0.8 × nginx", fmt(r, ".2f") if r else None, r is not None and r >= 0.8)
    if 64 in meta["conns"]:
        for s in "AB":
            for size in SIZES:
                a, n = p99(size, 64, s), p99(size, 64, "C")
                if a is None or n is None:
                    continue
                add(f"p99 {s} {size}, 64 conns: ≤ nginx p99 + 1 ms ({n:.2f} + 1)", f"{a:.2f} ms", a <= n + 1.0)
    # E: nginx + auth_request to authfront, against nginx alone and against mod_auth_openidc
    for size in SIZES:
        for conns in meta["conns"]:
            e, n = rps(size, conns, "E"), rps(size, conns, "C")
            if e is None and n is None:
                continue
            r = ratio(e, n)
            add(f"E nginx + auth_request, {size}, {conns} conns: ≥ 0.75 × nginx alone (the check costs nginx ≤ 25 %)",
                f"{r:.2f} ({e:,.0f} / {n:,.0f} req/s)" if r else None, r is not None and r >= 0.75)
    for size in SIZES:
        for conns in meta["conns"]:
            e, d = cpu(size, conns, "E"), cpu(size, conns, "D")
            if e is None and d is None:
                continue
            r = ratio(e, d)
            add(f"E {size}, {conns} conns: authfront's CPU per auth check ≤ 1/10 × mod_auth_openidc's per request",
                f"{e:.1f} / {d:.1f} µs = 1/{1 / r:.1f}" if r else None, r is not None and r <= 0.1)
    mem = meta.get("memory", {})
    limit_mb = mem.get("cache_limit_mb")
    if mem.get("idle_rss_mb") is not None:
        add("RSS idle ≤ 25 MB", f"{mem['idle_rss_mb']:.1f} MB", mem["idle_rss_mb"] <= 25)
    if mem.get("load_peak_rss_mb") is not None and limit_mb:
        add(f"RSS peak under 256-connection load ≤ cache limit + 50 MB ({limit_mb} + 50)",
            f"{mem['load_peak_rss_mb']:.1f} MB", mem["load_peak_rss_mb"] <= limit_mb + 50)
    if mem.get("full_peak_rss_mb") is not None and limit_mb:
        add(f"RSS peak, cache full, under load ≤ cache limit + 50 MB ({limit_mb} + 50)",
            f"{mem['full_peak_rss_mb']:.1f} MB", mem["full_peak_rss_mb"] <= limit_mb + 50)
    st = meta.get("startup", {}).get("first_200_ms_median")
    if st is not None:
        add("start to first 200 ≤ 100 ms", f"{st:.1f} ms", st <= 100)
    return rows


def markdown(c, meta):
    m = meta
    out = [f"# authfront benchmark: {m.get('mode', 'full')} run, {m.get('date', '')}", ""]
    out.append(
        f"{m['rounds']} round(s), {m['duration']} per measurement, wrk {m['threads']} threads, keep-alive; "
        f"scenarios alternated {'→'.join(m.get('scenarios') or ['A', 'B', 'C', 'D'])} (rotating the first each round); "
        f"medians over the rounds. "
        f"authfront build: {m.get('profile', '?')}, commit {m.get('commit', '?')}. "
        f"CPU µs/req: the server's own CPU time (all its processes, user + system) per request served, "
        f"which the load generator sharing the CPUs does not bound."
    )
    out.append("")
    out.append(
        f"Machine: {m.get('nproc', '?')} CPUs ({m.get('cpu', '?')}), {m.get('mem_total', '?')} RAM, "
        f"kernel {m.get('kernel', '?')}; load average before {m.get('load_before', '?')}, "
        f"after {m.get('load_after', '?')}. wrk, the servers and the provider share these CPUs."
    )
    out.append("")
    out.append(f"Peers: {m.get('versions', '')}")
    out.append("")
    out.extend(table(c, m["conns"]))
    out.append("")
    fronts = [(k, v["proxy_cpu_us"]) for k, v in sorted(c.items()) if k[2] == "E" and v.get("proxy_cpu_us") is not None]
    if fronts:
        ka = m.get("forward_auth_keepalive", 0)
        out.append(
            "E: nginx serves the file and asks authfront on every request (examples/forward-auth/nginx.conf; "
            + (f"{ka} keep-alive connections to authfront" if ka else "as the example is: a new connection to authfront per check")
            + "). Its CPU µs/req column is authfront's per auth check; nginx's own CPU µs/req (the front, subrequest included): "
            + ", ".join(f"{size} {conns} conns {v:.1f}" for (size, conns, _), v in fronts)
            + "."
        )
        out.append("")
    out.append("## Targets")
    out.append("")
    if m.get("mode") == "smoke":
        out.append("A smoke run (dev build, one short round) checks the harness only: the targets are not judged.")
        out.append("")
    out.append("| target | measured | met |")
    out.append("|---|---:|---|")
    for name, value, met in targets(c, m):
        if m.get("mode") == "smoke":
            met = None
        out.append(f"| {name} | {value or '–'} | {'–' if met is None else ('yes' if met else '**no**')} |")
    out.append("")
    mem = m.get("memory", {})
    st = m.get("startup", {})
    out.append("## Memory and start-up")
    out.append("")
    out.append(f"- RSS idle (after sign-in): {fmt(mem.get('idle_rss_mb'), '.1f')} MB")
    out.append(f"- peak RSS over all load runs (256 connections included): {fmt(mem.get('load_peak_rss_mb'), '.1f')} MB")
    out.append(
        f"- cache filled to its limit ({mem.get('cache_limit_mb', '?')} MiB; stats: {mem.get('cache_stats', '?')}): "
        f"RSS {fmt(mem.get('full_rss_mb'), '.1f')} MB, peak under 256 connections {fmt(mem.get('full_peak_rss_mb'), '.1f')} MB"
    )
    out.append(
        f"- start to first 200 (signed-in request, provider on loopback): median "
        f"{fmt(st.get('first_200_ms_median'), '.1f')} ms over {len(st.get('runs', []))} starts "
        f"(listening after {fmt(st.get('listening_ms_median'), '.1f')} ms)"
    )
    out.append("")
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    raw_path, meta_path, prefix = sys.argv[1:]
    runs = load(raw_path)
    with open(meta_path) as f:
        meta = json.load(f)
    c = cells(runs)
    md = "\n".join(markdown(c, meta))
    with open(prefix + ".md", "w") as f:
        f.write(md)
    with open(prefix + ".json", "w") as f:
        json.dump(
            {
                "meta": meta,
                "medians": [{"size": k[0], "conns": k[1], "scenario": k[2], **v} for k, v in sorted(c.items())],
                "runs": runs,
            },
            f,
            indent=1,
        )
    with open(prefix + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["size", "conns", "scenario", "rounds", "rps_median", "p50_ms", "p99_ms", "cpu_us_per_req", "errors",
                    "proxy_cpu_us_per_req"])
        for k, v in sorted(c.items()):
            w.writerow([k[0], k[1], k[2], v["rounds"], v["rps"], v["p50_ms"], v["p99_ms"], v.get("cpu_us"), v["errors"],
                        v.get("proxy_cpu_us")])
    print(md)


if __name__ == "__main__":
    main()
