# Per-round A/C and B/C ratios (the same round, so machine drift cancels), median per run, mean per build.
# Run from the repository root: python3 bench/results/ab-2026-12-04/ratios.py
import json, statistics as st, glob
def ratios(path):
    d = json.load(open(path))
    by = {}
    for r in d['runs']:
        rps = r['wrk']['requests'] / (r['wrk']['duration_us'] / 1e6)
        cpu = r['cpu_ticks'] / r['clk_tck'] * 1e6 / max(r['wrk']['requests'], 1)
        by[(r['size'], r['conns'], r['round'], r['scenario'])] = (rps, cpu)
    out = {}
    for (size, conns, rnd, sc), (rps, cpu) in by.items():
        if sc == 'C':
            continue
        c = by.get((size, conns, rnd, 'C'))
        if c:
            out.setdefault((size, conns, sc), []).append((rps / c[0], cpu))
    return {k: (st.median([x[0] for x in v]), st.median([x[1] for x in v])) for k, v in out.items()}
builds = {}
for b in ['old', 'head']:
    runs = [ratios(p) for p in sorted(glob.glob(f'bench/results/ab-2026-12-04/ab-{b}-*.json'))]
    builds[b] = {k: (st.mean([r[k][0] for r in runs]), st.mean([r[k][1] for r in runs]), [round(r[k][0], 2) for r in runs]) for k in runs[0]}
order = [(s, c, sc) for s in ['1k', '16k', '1m'] for c in [64, 256] for sc in ['A', 'B']]
print('| cell | before (7874c2a) | after (HEAD) | change | CPU µs/req before → after | runs before / after |')
print('|---|---:|---:|---:|---:|---|')
for k in order:
    o, h = builds['old'][k], builds['head'][k]
    print(f'| {k[2]} {k[0]}, {k[1]} | {o[0]:.2f} | {h[0]:.2f} | {100*(h[0]/o[0]-1):+.0f} % | {o[1]:.1f} → {h[1]:.1f} | {o[2]} / {h[2]} |')
