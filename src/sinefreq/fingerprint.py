"""Fingerprints of the code a workflow step runs, found by following its imports.

A rule puts :func:`code_fingerprint` of its step into its ``params``, so Snakemake re-runs
the rule's jobs when, and only when, code they can execute changes. The reach of a step
is found from the source alone (only packages' ``__init__`` are imported, to locate
modules, so no backend loads while the workflow is parsed):

- in the step's own module, the entry functions, the top-level functions and classes
  they name (transitively), and everything at module level (imports, constants,
  decorators), which runs on import;
- every module of the same package imported there, at module level or inside a reached
  function (``import pkg.x``, ``from pkg import x``, ``from pkg.x import y``), and,
  whole, everything those import, anywhere in them;
- the package's ``__init__``, which any import of a submodule runs.

Each reached module is hashed as code, not text: its syntax tree without docstrings (of
the module, its classes and functions) and without positions, so an edit to a comment, a
docstring or the layout re-runs nothing, and any other edit re-runs the steps it reaches
(a step that printed a ``__doc__`` would need its text hashed: none does).
The bodies of functions the step cannot reach in its own module and of functions listed
as ``hidden`` (e.g. model builders, each fingerprinted on its own by
:func:`function_fingerprint`) are left out.
"""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def module_source(module: str) -> str:
    """The source text of ``module``, found without importing it (only its parents)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ModuleNotFoundError(f"no Python source for module {module!r}")
    return Path(spec.origin).read_text()


def _tree(module: str) -> ast.Module:
    return _parse(module_source(module))


@functools.cache  # every rule's fingerprint parses the same few modules
def _parse(source: str) -> ast.Module:
    return ast.parse(source)


def _is_submodule(package: str, name: str) -> bool:
    """Whether ``package.name`` is a module (not a name defined in ``package``); looks
    inside packages only, so no plain module is imported to answer."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        return False
    return importlib.util.find_spec(f"{package}.{name}") is not None


def _ours(name: str, root: str) -> bool:
    return name == root or name.startswith(root + ".")


def _imported_names(stmt: ast.AST, module: str) -> list[str]:
    """Modules of ``module``'s top-level package that an import statement in ``module``
    loads (other packages are never looked into: that could import them)."""
    root = module.split(".")[0]
    if isinstance(stmt, ast.Import):
        return [alias.name for alias in stmt.names if _ours(alias.name, root)]
    if not isinstance(stmt, ast.ImportFrom):
        return []
    base = stmt.module or ""
    if stmt.level:
        base = importlib.util.resolve_name("." * stmt.level + base, _package_of(module))
    if not _ours(base, root):
        return []
    # `from pkg import x` loads submodule pkg.x when x is one, else reads a name of pkg
    return [base, *(f"{base}.{a.name}" for a in stmt.names if _is_submodule(base, a.name))]


def _package_of(module: str) -> str:
    """The package that relative imports in ``module`` start from."""
    spec = importlib.util.find_spec(module)
    return module if spec.submodule_search_locations is not None else module.rpartition(".")[0]


def imported_modules(node: ast.AST, module: str) -> set[str]:
    """Modules of ``module``'s top-level package that import statements under ``node``
    load, with the packages above each (importing ``pkg.x`` runs ``pkg/__init__.py``)."""
    found = {name for stmt in ast.walk(node) for name in _imported_names(stmt, module)}
    parts = (name.split(".") for name in found)
    return {".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)}


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    return {node.name: node for node in tree.body if isinstance(node, DEFINITIONS)}


def reached_definitions(module: str, entries: Iterable[str]) -> set[str]:
    """Top-level functions and classes of ``module`` that calling ``entries`` or importing
    the module can run: the entries, what module-level code and decorators name, and
    what those name in turn."""
    tree = _tree(module)
    definitions = _definitions(tree)
    on_import = [node for node in tree.body if not isinstance(node, DEFINITIONS)]
    on_import += [d for node in definitions.values() for d in node.decorator_list]
    todo = [
        *entries,
        *(n.id for node in on_import for n in ast.walk(node) if isinstance(n, ast.Name)),
    ]
    reached = set()
    while todo:
        name = todo.pop()
        if name in reached or name not in definitions:
            continue
        reached.add(name)
        todo += [n.id for n in ast.walk(definitions[name]) if isinstance(n, ast.Name)]
    missing = set(entries) - set(definitions)
    if missing:
        raise ValueError(f"{module} defines no {', '.join(sorted(missing))}")
    return reached


def reach(module: str, entries: Iterable[str]) -> set[str]:
    """Every module of the package that calling ``entries`` of ``module`` can run."""
    tree = _tree(module)
    reached = reached_definitions(module, entries)
    roots = {module}
    for node in tree.body:
        if not isinstance(node, DEFINITIONS) or node.name in reached:
            roots |= imported_modules(node, module)
    return _closure(roots, module)


def _closure(roots: set[str], entry_module: str) -> set[str]:
    """``roots`` and what they import anywhere, transitively (the entry module's own
    imports are already in ``roots``: its unreached functions do not count)."""
    seen, todo = set(), sorted(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name != entry_module:
            todo += sorted(imported_modules(_tree(name), name) - seen)
    return seen


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    is_text = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return body[1:] if is_text and isinstance(first.value.value, str) else body


@functools.cache  # parsed once per source, shared by every rule's fingerprint
def _code_tree(source: str) -> ast.Module:
    """The code of ``source``: its tree without the docstrings of the module, classes and
    functions (comments are not in a tree). A tree of its own: _parse's keeps them."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, *DEFINITIONS)):
            node.body = _without_docstring(node.body)
    return tree


def _dump(node: ast.AST) -> str:
    return ast.dump(node, include_attributes=False)  # positions are layout, not code


def module_code(module: str, hidden: Iterable[str] = ()) -> str:
    """``module``'s code (see :func:`_code_tree`) with the bodies of the named top-level
    functions left out (their decorators and signatures stay)."""
    return _module_code(module_source(module), frozenset(hidden))


@functools.cache  # rules share modules and hidden sets
def _module_code(source: str, hidden: frozenset[str]) -> str:
    tree = copy.copy(_code_tree(source))  # the cached tree is left as it is
    tree.body = [
        _signature(node) if isinstance(node, DEFINITIONS) and node.name in hidden else node
        for node in tree.body
    ]
    return _dump(tree)


def _signature(node: ast.AST) -> ast.AST:
    bare = copy.copy(node)
    bare.body = []
    return bare


def function_fingerprint(function) -> str:
    """Hash of one top-level function's code (e.g. a model builder, whose body a step's
    fingerprint hides): an edit to its code re-runs the jobs that carry it."""
    tree = _code_tree(module_source(function.__module__))
    definition = _definitions(tree).get(function.__name__)
    if definition is None:
        raise ValueError(
            f"{function.__module__} has no top-level definition {function.__name__!r} "
            "(only top-level functions and classes are fingerprinted one by one)"
        )
    return hashlib.sha256(_dump(definition).encode()).hexdigest()[:16]


def code_fingerprint(
    module: str, entries: Iterable[str], hidden: Mapping[str, Iterable[str]] | None = None
) -> str:
    """Hash of the code of every module that calling ``entries`` of ``module`` can run
    (see the module docstring); ``hidden`` maps a module to functions whose bodies do not
    count."""
    entries = list(entries)
    hidden = {name: set(functions) for name, functions in (hidden or {}).items()}
    unreached = set(_definitions(_tree(module))) - reached_definitions(module, entries)
    hidden[module] = hidden.get(module, set()) | unreached
    digest = hashlib.sha256()
    for name in sorted(reach(module, entries)):
        digest.update(f"{name}\0{module_code(name, hidden.get(name, ()))}\0".encode())
    return digest.hexdigest()[:16]
