"""The import graph of `jmedseg/` runs one way: down the layers declared in docs/layout.md, with no circle.

Every `import`/`from ... import` counts, also those inside functions: a lazy import
hides a dependency from Python's import machinery, not from the design.
"""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jmedseg"
LAYOUT = ROOT / "docs" / "layout.md"
LAYER_ROW = re.compile(r"^\|\s*(\d+)\s*\|[^|]*\|([^|]*)\|")


def declared_layers(text):
    """{module prefix: layer number} from the rows of the layer table in docs/layout.md."""
    layers = {}
    for line in text.splitlines():
        row = LAYER_ROW.match(line)
        if row:
            for name in re.findall(r"`([\w.]+)`", row.group(2)):
                assert name not in layers, f"docs/layout.md declares {name} twice"
                layers[name] = int(row.group(1))
    return layers


def module_name(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(root):
    """{module name: (path, is a package __init__)} of every .py file under `root`."""
    return {module_name(p, root): (p, p.name == "__init__.py") for p in sorted(root.rglob("*.py"))}


def _imported(node, module, is_package):
    """Dotted names an import statement asks for (the module, or module.name for `from m import name`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative import: resolved against the importing module's package
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    return [f"{stem}.{alias.name}" for alias in node.names]  # a name that is no module resolves to `stem`


def _resolve(name, modules):
    """The deepest module of the package that `name` points into (an imported function resolves to its module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def import_edges(modules):
    """[(importer, imported module, line)], package `__init__`s included as Python runs them.

    Importing `a.b.c` also runs `a/__init__` and `a/b/__init__`, so those count as
    imported too, except the importer's own enclosing packages (already running) and the
    root package (its API is imported lazily, on attribute access; jmedseg/__init__.py) and
    packages whose `__init__` imports nothing, unless the import names them itself.
    """
    edges = set()
    inert = {m for m, (path, is_package) in modules.items()   # an __init__ without imports runs nothing
             if is_package and not any(isinstance(n, (ast.Import, ast.ImportFrom))
                                       for n in ast.walk(ast.parse(path.read_text())))}
    for module, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(node, module, is_package):
                target = _resolve(name, modules)
                parts = target.split(".")
                parents = [p for p in (".".join(parts[:depth]) for depth in range(2, len(parts))) if p not in inert]
                for imported in [p for p in parents if not module.startswith(p + ".")] + [target]:
                    if imported != module:
                        edges.add((module, imported, node.lineno))
    return sorted(edges)


def layer_of(module, layers):
    """(layer, declared name) by the longest declared prefix; the bare root name matches only the root."""
    matches = [name for name in layers if module == name or (module.startswith(name + ".") and "." in name)]
    if not matches:
        return None, None
    name = max(matches, key=len)
    return layers[name], name


def _top_package(module):
    return ".".join(module.split(".")[:2])


def wrong_arrows(edges, layers):
    """Human-readable arrows that run up a layer, or sideways between two packages of one layer."""
    wrong = []
    for source, target, line in edges:
        (src_layer, _), (dst_layer, _) = layer_of(source, layers), layer_of(target, layers)
        if src_layer is None or dst_layer is None or dst_layer < src_layer:
            continue
        if dst_layer == src_layer and _top_package(source) == _top_package(target):
            continue
        kind = "up" if dst_layer > src_layer else "sideways"
        wrong.append(f"{source} (layer {src_layer}) -> {target} (layer {dst_layer}) {kind}, line {line}")
    return wrong


def circles(edges):
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    graph = {}
    for source, target, _ in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_every_module_has_a_declared_layer():
    layers = declared_layers(LAYOUT.read_text())
    undeclared = [m for m in package_modules(PACKAGE) if layer_of(m, layers)[0] is None]
    assert not undeclared, f"add these to the layer table of docs/layout.md: {undeclared}"


def test_no_import_runs_up_or_sideways():
    layers = declared_layers(LAYOUT.read_text())
    wrong = wrong_arrows(import_edges(package_modules(PACKAGE)), layers)
    assert not wrong, "imports against the layers of docs/layout.md:\n" + "\n".join(wrong)


def test_no_import_circle():
    found = circles(import_edges(package_modules(PACKAGE)))
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(group) for group in found)


def test_the_checks_catch_an_upward_arrow_and_a_circle(tmp_path):
    """A small package with one upward import and one circle: both are reported (the checks can fail)."""
    pkg = tmp_path / "toy"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    for init in (pkg, pkg / "low", pkg / "high"):
        (init / "__init__.py").write_text("")
    (pkg / "low" / "a.py").write_text("def f():\n    from toy.high.b import g\n")   # lazy, still an arrow
    (pkg / "high" / "b.py").write_text("from .c import h\ndef g(): pass\n")
    (pkg / "high" / "c.py").write_text("from toy.high import b\ndef h(): pass\n")
    layers = declared_layers("| 0 | low | `toy.low`, `toy` | x |\n| 1 | high | `toy.high` | y |\n")
    edges = import_edges(package_modules(pkg))
    assert wrong_arrows(edges, layers) == ["toy.low.a (layer 0) -> toy.high.b (layer 1) up, line 2"]
    assert circles(edges) == [["toy.high.b", "toy.high.c"]]


API_COMMANDS = ("jmedseg.cli.measure", "jmedseg.cli.vertebrae", "jmedseg.cli.segment", "jmedseg.cli.trend")
API_TASKS = ("jmedseg.pipelines.subject", "jmedseg.pipelines.single", "jmedseg.pipelines.cohort_run",
             "jmedseg.pipelines.trend_run", "jmedseg.spine", "jmedseg.density.trend", "jmedseg.deploy.export")


def test_the_commands_that_measure_call_the_api():
    """One code path: measure, vertebrae, segment and trend reach the tasks only through jmedseg.api."""
    edges = import_edges(package_modules(PACKAGE))
    used = {(source, target) for source, target, _ in edges if source in API_COMMANDS}
    assert {source for source, target in used if target == "jmedseg.api"} == set(API_COMMANDS)
    around = [f"{source} -> {target}" for source, target in used
              if any(target == task or target.startswith(task + ".") for task in API_TASKS)]
    assert not around, "commands that bypass jmedseg.api: " + ", ".join(sorted(around))


def layer_sizes():
    """{layer: (files, lines)} of the package: the counts of the layer table in docs/layout.md."""
    layers = declared_layers(LAYOUT.read_text())
    sizes = {}
    for module, (path, _) in package_modules(PACKAGE).items():
        layer = layer_of(module, layers)[0]
        files, lines = sizes.get(layer, (0, 0))
        sizes[layer] = (files + 1, lines + len(path.read_text().splitlines()))
    return dict(sorted(sizes.items(), key=lambda item: (item[0] is None, item[0])))


if __name__ == "__main__":   # .venv/bin/python tests/test_layers.py: the counts for docs/layout.md
    for layer, (files, lines) in layer_sizes().items():
        print(f"layer {layer}: {files} files, {lines:,} lines")
