#!/usr/bin/env python3
"""Lists import cycles between the source files of each crate of the workspace.

A file "imports" another when its non-test code names a path that resolves into the other
file's module (`use crate::a::b`, `crate::a::b::f()`, `super::x`, `self::x`). Re-exports through
`lib.rs` and a parent `mod.rs` declaring its children are not edges. Exits 1 when a cycle
(a strongly connected component of two or more files) exists, printing each.

Usage: python3 scripts/file-cycles.py   (from the workspace root)
"""
import os
import re
import sys

CRATES = ["consensus", "shard", "networking", "beacon", "simulator", "."]
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*?)\}", re.S)


def modules(src):
    """module path (tuple) -> file, for every .rs file under src."""
    out = {}
    for root, _dirs, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel == ["lib"] or rel == ["main"]:
                rel = []
            out[tuple(rel)] = path
    return out


def strip(text):
    """Drops comments and everything from the first `#[cfg(test)]` module on."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    cut = re.search(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s", text)
    return text[: cut.start()] if cut else text


def resolve(mods, here, anchor, parts):
    if anchor == "crate":
        base = []
    elif anchor == "self":
        base = list(here)
    else:
        base = list(here[:-1])
    full = base + parts
    # The longest prefix that names a file's module.
    for n in range(len(full), 0, -1):
        if tuple(full[:n]) in mods:
            return mods[tuple(full[:n])]
    return None


def edges(mods):
    files = {v: k for k, v in mods.items()}
    out = {f: set() for f in files}
    for path, here in files.items():
        if here == ():
            continue
        # A mod.rs's own module is its folder; `super` from a file `a/b.rs` is `a`.
        with open(path, encoding="utf-8") as f:
            text = strip(f.read())
        found = []
        for m in GROUP.finditer(text):
            prefix = [p for p in m.group(2).split("::") if p]
            for item in m.group(3).split(","):
                item = item.strip().split("::")
                item = [p for p in item if p and re.match(r"^[A-Za-z_]\w*$", p)]
                found.append((m.group(1), prefix + item))
        for m in PATH.finditer(text):
            found.append((m.group(1), [p for p in m.group(2).split("::") if p]))
        for anchor, parts in found:
            target = resolve(mods, here, anchor, parts)
            if target and target != path and files.get(target) not in ((),):
                # A parent module is not a dependency of its child's declaration, but a
                # child naming its parent's items is (kept); the parent naming a child is too.
                out[path].add(target)
    return out


def sccs(graph):
    index, low, stack, on, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
                result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return result


def main():
    cycles = []
    for crate in CRATES:
        src = os.path.join(crate, "src")
        if os.path.isdir(src):
            cycles += sccs(edges(modules(src)))
    for comp in cycles:
        print("cycle: " + " <-> ".join(os.path.normpath(c) for c in comp))
    if cycles:
        sys.exit(1)
    print("no import cycles between files")


if __name__ == "__main__":
    main()
