"""The import graph of Practica's own packages, read from the code.

grimp parses every module, so imports inside functions count as much as those at the top.
`python -m tests.architecture.graph` prints the pairs of top-level packages tied by an import
and every circle, between packages and between modules.
"""

import itertools
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def root_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [p for p in config["tool"]["importlinter"]["root_packages"] if (ROOT / p).is_dir()]


def build_graph(packages: list[str]) -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*packages, cache_dir=None)


def package_edges(graph: grimp.ImportGraph, packages: list[str]) -> set[tuple[str, str]]:
    """(importer, imported) for each pair of distinct top-level packages with an import between them."""
    return {
        (a, b)
        for a, b in itertools.permutations(packages, 2)
        if graph.direct_import_exists(importer=a, imported=b, as_packages=True)
    }


def module_edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
    }


def circles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Groups of nodes that all reach each other through the edges (Tarjan), largest first."""
    successors: dict[str, list[str]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
        successors.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(successors):
        if node not in index:
            visit(node)
    return sorted(found, key=len, reverse=True)


def main() -> None:
    packages = root_packages()
    graph = build_graph(packages)
    edges = package_edges(graph, packages)
    pairs = {frozenset(e) for e in edges}
    total = len(packages) * (len(packages) - 1) // 2
    print(f"{len(packages)} packages; {len(pairs)} of {total} pairs tied by an import:")
    for importer, imported in sorted(edges):
        print(f"  {importer} -> {imported}")
    for label, found in (("package", circles(edges)), ("module", circles(module_edges(graph)))):
        print(f"{len(found)} {label} circles" + "".join(f"\n  {' <-> '.join(g)}" for g in found))


if __name__ == "__main__":
    main()
