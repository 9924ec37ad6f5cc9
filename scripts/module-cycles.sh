#!/usr/bin/env bash
# Module cycles: `scripts/module-cycles.sh [CRATES_DIR]` (default crates/) fails, naming each
# cycle and the lines that make it, when the top-level modules of a crate import each other in
# a cycle (a → b → … → a). CI runs it as a section of scripts/test.sh.
#
# For every crate (src/lib.rs or src/main.rs), the top-level modules are those its root
# declares with `mod`; a module owns its file (src/a.rs or src/a/mod.rs) and the files of its
# submodules (src/a/**). Module a depends on module b when a's code names a path into b:
#   - `crate::b::…` (and `$crate::b::…` in macros), including grouped imports
#     `use crate::{b::X, c}`;
#   - `crate::X` where the root re-exports X from b (`pub use b::X;` in lib.rs);
#   - `super::b::…` (or `super::super::b::…`) where the `super`s reach the crate root.
# Comments, doc comments, string and char literals are skipped. Code under `#[cfg(test)]`
# (test modules and their `use super::*`) is not counted: a test may build its fixtures from
# any module without making the modules depend on each other.
# MODULE_CYCLES_EDGES=1 prints every dependency found, with the line that makes it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crates="${1:-$repo/crates}"
command -v python3 >/dev/null || { echo "module-cycles: python3 is missing" >&2; exit 1; }

python3 - "$crates" <<'PY'
import os
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokens(text):
    """(kind, value, line): identifiers, `::`, `$` and single punctuation; comments, strings
    and char literals dropped."""
    out = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += text[i] == "\n"
                    i += 1
        elif c == '"' or (c in "rb" and re.match(r'(b?r#*"|b")', text[i:i + 260])):
            # Plain, byte and raw strings.
            m = re.match(r'(b?)(r)(#*)"', text[i:i + 260])
            if m:
                end = '"' + m.group(3)
                j = text.find(end, i + m.end())
                j = n if j < 0 else j + len(end)
            else:
                j = i + (2 if c == "b" else 1)
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                j += 1
            line += text.count("\n", i, j)
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{00e9}') or a lifetime ('a).
            m = re.match(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'", text[i:i + 16])
            if m:
                i += m.end()
            else:
                i += 1
        elif c == "b" and text.startswith("b'", i):
            m = re.match(r"b'(\\(x[0-9a-fA-F]{2}|.)|[^\\'])'", text[i:i + 8])
            i += m.end() if m else 1
        elif IDENT.match(c):
            m = IDENT.match(text, i)
            # Raw identifiers: r#type.
            out.append(("id", m.group(0), line))
            i = m.end()
        elif text.startswith("::", i):
            out.append(("p", "::", line))
            i += 2
        else:
            out.append(("p", c, line))
            i += 1
    return out


def skip_group(toks, k, open_, close):
    """Index after the group opening at toks[k]."""
    depth = 0
    while k < len(toks):
        v = toks[k][1]
        if v == open_:
            depth += 1
        elif v == close:
            depth -= 1
            if depth == 0:
                return k + 1
        k += 1
    return k


def use_tree_heads(toks, k):
    """The first segment of each item of the group `{ … }` opening at toks[k], with its line."""
    heads, depth, expect = [], 0, True
    while k < len(toks):
        kind, v, line = toks[k]
        if v == "{":
            depth += 1
            if depth == 1:
                expect = True
        elif v == "}":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and v == ",":
            expect = True
        elif depth == 1 and expect and kind == "id":
            heads.append((v, line))
            expect = False
        elif depth == 1 and expect and v == "*":
            expect = False
        k += 1
    return heads


def references(path, module_path):
    """Top-level names referenced from the file `path` of module `module_path` (a list of
    segments below the crate root), each with its line: [(name, line)]. Code under
    #[cfg(test)] is skipped."""
    with open(path, encoding="utf-8", errors="replace") as f:
        toks = tokens(f.read())
    refs = []
    # Stack of inline modules: each entry is (brace depth at which it closes, its name).
    inline, depth, k = [], 0, 0
    pending_attrs = []
    while k < len(toks):
        kind, v, line = toks[k]
        if v == "#" and k + 1 < len(toks) and toks[k + 1][1] in ("[", "!"):
            inner = toks[k + 1][1] == "!"
            start = k + 2 if inner else k + 1
            end = skip_group(toks, start, "[", "]")
            if not inner:
                pending_attrs.append([t[1] for t in toks[start + 1:end - 1]])
            k = end
            continue
        if pending_attrs:
            is_test = any(
                a[:1] == ["cfg"] and "test" in a and "not" not in a for a in pending_attrs
            )
            pending_attrs = []
            if is_test:
                # Skip the item the attribute applies to: up to its `;` or its `{ … }` block.
                j = k
                while j < len(toks) and toks[j][1] not in (";", "{"):
                    j += 1
                if j < len(toks) and toks[j][1] == "{":
                    k = skip_group(toks, j, "{", "}")
                else:
                    k = j + 1
                continue
        if v == "mod" and k + 2 < len(toks) and toks[k + 1][0] == "id" and toks[k + 2][1] == "{":
            inline.append((depth + 1, toks[k + 1][1]))
            depth += 1
            k += 3
            continue
        if v == "{":
            depth += 1
        elif v == "}":
            if inline and inline[-1][0] == depth:
                inline.pop()
            depth -= 1
        elif v == "crate" and k + 1 < len(toks) and toks[k + 1][1] == "::":
            nxt = toks[k + 2] if k + 2 < len(toks) else None
            if nxt and nxt[1] == "{":
                refs.extend(use_tree_heads(toks, k + 2))
            elif nxt and nxt[0] == "id":
                refs.append((nxt[1], nxt[2]))
        elif v == "super" and (k == 0 or toks[k - 1][1] != "::"):
            # Count the `super::` chain from where we stand.
            here = list(module_path) + [name for _, name in inline]
            j = k
            while j + 1 < len(toks) and toks[j][1] == "super" and toks[j + 1][1] == "::":
                here = here[:-1]
                j += 2
            if not here and j < len(toks):
                if toks[j][1] == "{":
                    refs.extend(use_tree_heads(toks, j))
                elif toks[j][0] == "id":
                    refs.append((toks[j][1], toks[j][2]))
        k += 1
    return refs


def root_modules_and_reexports(root):
    """The modules the crate root declares, and the names it re-exports from them."""
    with open(root, encoding="utf-8", errors="replace") as f:
        toks = tokens(f.read())
    modules, reexports = [], {}
    depth = 0
    for k, (kind, v, _) in enumerate(toks):
        if v == "{":
            depth += 1
        elif v == "}":
            depth -= 1
        elif depth == 0 and v == "mod" and k + 2 < len(toks) and toks[k + 1][0] == "id" \
                and toks[k + 2][1] == ";":
            modules.append(toks[k + 1][1])
        elif depth == 0 and v == "use" and k + 1 < len(toks):
            j = k + 1
            if toks[j][1] in ("self", "crate") and j + 1 < len(toks) and toks[j + 1][1] == "::":
                j += 2
            if toks[j][0] != "id":
                continue
            module = toks[j][1]
            # Every name the statement brings in: the last identifier of each leaf, or its alias.
            end = j
            while end < len(toks) and toks[end][1] != ";":
                end += 1
            leaf = None
            for t in range(j + 1, end + 1):
                tv = toks[t][1]
                if toks[t][0] == "id" and tv not in ("as", "self"):
                    leaf = tv
                elif tv in (",", "}", ";") and leaf:
                    reexports[leaf] = module
                    leaf = None
    return modules, reexports


def module_files(src, name):
    """The files of top-level module `name`: its own and its submodules'."""
    files = []
    own = os.path.join(src, name + ".rs")
    if os.path.isfile(own):
        files.append(own)
    sub = os.path.join(src, name)
    if os.path.isdir(sub):
        for dirpath, _, names in os.walk(sub):
            files.extend(os.path.join(dirpath, f) for f in sorted(names) if f.endswith(".rs"))
    return files


def module_path_of(src, name, path):
    """The module path of a file of top-level module `name` (src/a/b.rs → [a, b])."""
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    return rel if rel[0] == name else [name]


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan), each as one cycle."""
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    found = []
    for comp in sccs:
        # A shortest cycle through the component's first module (breadth-first).
        inside, start = set(comp), comp[0]
        prev, queue, cycle = {start: None}, [start], None
        while queue and cycle is None:
            nxt = []
            for v in queue:
                for w in sorted(graph[v]):
                    if w == start:
                        cycle = [v]
                        break
                    if w in inside and w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if cycle:
                    break
            queue = nxt
        path = cycle
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        path.reverse()
        found.append((comp, path + [start]))
    return found


def check_crate(crate_dir):
    src = os.path.join(crate_dir, "src")
    problems = []
    for root_name in ("lib.rs", "main.rs"):
        root = os.path.join(src, root_name)
        if not os.path.isfile(root):
            continue
        modules, reexports = root_modules_and_reexports(root)
        known = set(modules)
        graph, where = {m: set() for m in modules}, {}
        for m in modules:
            for path in module_files(src, m):
                for name, line in references(path, module_path_of(src, m, path)):
                    target = name if name in known else reexports.get(name)
                    if target not in known or target == m:
                        continue
                    graph[m].add(target)
                    where.setdefault((m, target), f"{os.path.relpath(path, crate_dir)}:{line}")
        if os.environ.get("MODULE_CYCLES_EDGES"):
            for (a, b), at in sorted(where.items()):
                print(f"{os.path.basename(crate_dir)}: {a} -> {b}  ({at})")
        for comp, cycle in cycles(graph):
            lines = [f"  {a} -> {b}  ({where[(a, b)]})" for a, b in zip(cycle, cycle[1:])]
            problems.append(
                f"{os.path.basename(crate_dir)} ({root_name}): modules import each other in a "
                f"cycle: {' -> '.join(cycle)}"
                + (f" (the cycle's component: {', '.join(comp)})" if len(comp) > len(cycle) - 1 else "")
                + "\n" + "\n".join(lines)
            )
    return problems


crates = sys.argv[1]
problems, checked = [], 0
for name in sorted(os.listdir(crates)):
    crate_dir = os.path.join(crates, name)
    if os.path.isfile(os.path.join(crate_dir, "Cargo.toml")):
        checked += 1
        problems.extend(check_crate(crate_dir))
for p in problems:
    print(f"module-cycles: {p}", file=sys.stderr)
if problems:
    print(f"module-cycles: {len(problems)} cycle(s); move what both sides need into the lower "
          "module", file=sys.stderr)
    sys.exit(1)
print(f"module-cycles: {checked} crates, no cycle between top-level modules")
PY
