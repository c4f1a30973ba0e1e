#!/usr/bin/env python3
"""Import cycles among the project's modules, and between its top-level packages.

import-linter's ``acyclic_siblings`` contract (pyproject.toml) finds cycles between the
modules and subpackages *inside* each package. It cannot see a cycle that passes through
two top-level packages, since they share no parent: ``identity`` and ``liferecord`` sit
in one layer and may import each other's modules, but not in a circle. This script
checks both, over Python's ``ast``, for every top-level package of the repository but
``tests``:

- no module imports itself back through other modules (``a -> b -> a``);
- no top-level package imports itself back through other packages, even when the
  modules involved differ (``identity.x -> liferecord.y`` and ``liferecord.z ->
  identity.w``).

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a
deferred import hides a cycle, it does not remove it.

Usage: ``python scripts/check_cycles.py [ROOT]`` (ROOT defaults to the repository).
Prints each cycle found and exits 1, or prints a one-line summary and exits 0.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

# Test code imports fixtures and helpers freely; the design's rules are about the rest.
EXCLUDED_PACKAGES = frozenset({"tests"})

Graph = dict[str, set[str]]


def top_level_packages(root: Path) -> list[str]:
    """The folders directly under ``root`` that are Python packages, but not tests."""
    return sorted(
        path.parent.name
        for path in root.glob("*/__init__.py")
        if path.parent.name not in EXCLUDED_PACKAGES
    )


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of the packages, by dotted name (a package is its ``__init__.py``)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _known_ancestor_or_self(name: str, known: Mapping[str, Path]) -> str | None:
    """The module an import of ``name`` runs: itself, or the nearest package above it."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def imports_of(module: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The project modules that ``module`` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    # The package relative imports start from: the module itself when it is a package.
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known_ancestor_or_self(alias.name, known)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                # ``from pkg import name``: a submodule when one is called so, else a
                # name defined in pkg.
                submodule = f"{base}.{alias.name}" if base else alias.name
                target = submodule if submodule in known else _known_ancestor_or_self(base, known)
                if target:
                    found.add(target)
    found.discard(module)
    return found


def import_graph(root: Path, packages: Iterable[str]) -> Graph:
    """Module -> the project modules it imports."""
    files = module_files(root, packages)
    return {module: imports_of(module, path, files) for module, path in files.items()}


def strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one node (each sorted), iteratively."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = lowlink[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                successor = pending.pop(0)
                if successor not in graph:
                    continue
                if successor not in index:
                    index[successor] = lowlink[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, sorted(graph[successor])))
                elif successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def one_cycle(graph: Mapping[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first node, as ``[a, b, …, a]``."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for successor in sorted(graph[node] & members):
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if successor not in previous:
                    previous[successor] = node
                    following.append(successor)
        frontier = following
    raise ValueError(f"no cycle through {start}")  # a component always has one


def package_graph(graph: Mapping[str, set[str]]) -> tuple[Graph, dict[tuple[str, str], str]]:
    """Top-level package -> the packages it imports, and one example import per arrow."""
    packages: Graph = {}
    examples: dict[tuple[str, str], str] = {}
    for importer in sorted(graph):
        source = importer.split(".")[0]
        packages.setdefault(source, set())
        for imported in sorted(graph[importer]):
            target = imported.split(".")[0]
            if target != source:
                packages[source].add(target)
                examples.setdefault((source, target), f"{importer} -> {imported}")
    return packages, examples


def find_cycles(root: Path) -> list[str]:
    """Every cycle in the project under ``root``, one readable line (or block) each."""
    graph = import_graph(root, top_level_packages(root))
    problems = [
        "module cycle: " + " -> ".join(one_cycle(graph, component))
        for component in strongly_connected(graph)
    ]
    packages, examples = package_graph(graph)
    for component in strongly_connected(packages):
        cycle = one_cycle(packages, component)
        arrows = [f"    {examples[pair]}" for pair in itertools.pairwise(cycle)]
        problems.append("package cycle: " + " -> ".join(cycle) + ", through\n" + "\n".join(arrows))
    return problems


def main(argv: list[str]) -> int:
    """Check the repository (or the folder given) and report."""
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    problems = find_cycles(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} import cycle(s): break each one (see docs/architecture.md)")
        return 1
    modules = len(module_files(root, top_level_packages(root)))
    print(f"No import cycles among {modules} modules.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
