#!/usr/bin/env python3
"""Fails when a crate's modules import each other in a cycle (issue 12: "no import cycles in
either crate"). No Rust tool reports this (cargo-modules draws graphs but needs a nightly-pinned
rust-analyzer and does not fail on cycles), so it is done here, on the source text.

    scripts/import-cycles.py SRC_DIR...      e.g. core/src authfront/src

A module is a file (`a.rs` or `a/mod.rs` is `a`, `a/b.rs` is `a::b`); test files (`tests.rs`,
`tests/`, `properties.rs`) and `#[cfg(test)] mod tests { … }` blocks are left out. An edge
A → B is every `crate::…`, `super::…` or `self::…` path in A (in `use` trees too) naming B or
something inside B; edges between a module and its own ancestors or descendants do not count
(a parent re-exporting its children is not a cycle). Prints each cycle with its edges and exits
1, or prints "no import cycles" and exits 0.
"""

import os
import re
import sys
from collections import defaultdict

TEST_FILES = {"tests.rs", "properties.rs", "testkit.rs", "testutil.rs"}


def modules(src):
    mods = {}
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "tests"]
        for f in filenames:
            if not f.endswith(".rs") or f in TEST_FILES:
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            mods["::".join(rel)] = os.path.join(dirpath, f)
    return mods


def without_tests_and_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def use_paths(tree, prefix=""):
    """Expands a `use` tree (`crate::{a::{B, C}, d}`) into full paths."""
    tree = tree.strip()
    brace = tree.find("{")
    if brace < 0:
        return [prefix + tree.split(" as ")[0].strip()]
    head, body = tree[:brace], tree[brace + 1:tree.rindex("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    paths = []
    for p in parts:
        if p.strip():
            paths.extend(use_paths(p, prefix + head))
    return paths


def absolute(path, module, is_dir_module):
    """`path` as seen from `module`, from the crate root; None when it is not in the crate."""
    segs = path.replace(" ", "").split("::")
    if segs[0] == "crate":
        return segs[1:]
    base = module.split("::") if module else []
    if segs[0] == "self":
        return base + segs[1:]
    if segs[0] == "super":
        # `super` of `a::b` (file a/b.rs or a/b/mod.rs) is `a`
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
        return base + segs
    return None


def graph(src):
    mods = modules(src)
    edges = defaultdict(set)
    for m, path in mods.items():
        text = without_tests_and_comments(open(path, encoding="utf-8").read())
        refs = []
        for u in re.finditer(r"\buse\s+([^;]+);", text):
            refs.extend(use_paths(u.group(1)))
        refs.extend(re.findall(r"\b(?:crate|super|self)(?:::\w+)+", text))
        for r in refs:
            segs = absolute(r, m, path.endswith("mod.rs"))
            if segs is None:
                continue
            while segs and "::".join(segs) not in mods:
                segs = segs[:-1]
            if not segs:
                continue
            t = "::".join(segs)
            if t != m and not m.startswith(t + "::") and not t.startswith(m + "::"):
                edges[m].add(t)
    return mods, edges


def cycles(nodes, edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return found


def main(dirs):
    bad = False
    for src in dirs:
        mods, edges = graph(src)
        found = cycles(mods, edges)
        for comp in found:
            bad = True
            print(f"{src}: import cycle through {len(comp)} modules:")
            for a in comp:
                print(f"  {a or '(crate root)'} -> {', '.join(sorted(b for b in edges[a] if b in comp))}")
        if not found:
            print(f"{src}: no import cycles ({len(mods)} modules)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["core/src", "authfront/src"]))
