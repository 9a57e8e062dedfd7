"""Code fingerprints: which modules a step reaches, and which edits change its hash."""

import contextlib
import importlib
import sys

import pytest

from sinefreq import fingerprint

PKG = "fingerprint_demo_pkg"

# A package shaped like sinefreq's: steps import lazily inside functions, a helper of one
# step imports a module, dependencies import further (absolutely and relatively), and a
# module of registered functions whose bodies can be hidden.
FILES = {
    "__init__.py": '"""demo"""\n',
    "steps.py": f"""from {PKG} import base


def logged():
    return base.VALUE


def helper():
    from {PKG} import helped

    return helped.thing


def one():
    from {PKG} import a

    return helper() + a.run()


def two():
    from {PKG}.b import thing

    return thing
""",
    "base.py": "VALUE = 1\n",
    "helped.py": "from .b import thing\n",
    "a.py": f"""def run():
    from {PKG} import builders, deep

    return deep.X + builders.first(1)
""",
    "deep.py": "X = 2\n",
    "b.py": '''class Thing:
    """A thing."""

    def value(self):
        """Its value."""
        return 3


thing = 3
''',
    "unused.py": "Y = 4\n",
    "builders.py": """REGISTRY = {}


def register(f):
    REGISTRY[f.__name__] = f
    return f


@register
def first(n):
    return n + 1


@register
def second(n):
    return n + 2
""",
}
HIDDEN = {f"{PKG}.builders": ["first", "second"]}


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    root = tmp_path_factory.mktemp("fingerprint")
    (root / PKG).mkdir()
    for name, text in FILES.items():
        (root / PKG / name).write_text(text)
    sys.path.insert(0, str(root))
    yield root / PKG
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.split(".")[0] == PKG]:
        del sys.modules[name]


@contextlib.contextmanager
def edited(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    try:
        yield
    finally:
        path.write_text(text)


def step_hash(step):
    return fingerprint.code_fingerprint(f"{PKG}.steps", ["logged", step], hidden=HIDDEN)


def names(*modules):
    return {PKG, *(f"{PKG}.{m}" for m in modules)}


def test_reach_follows_module_level_and_lazy_imports_per_step(package):
    assert fingerprint.reach(f"{PKG}.steps", ["logged", "one"]) == names(
        "steps", "base", "helped", "b", "a", "deep", "builders"
    )
    assert fingerprint.reach(f"{PKG}.steps", ["logged", "two"]) == names("steps", "base", "b")


def test_reach_imports_nothing_but_packages(package):
    fingerprint.reach(f"{PKG}.steps", ["one"])
    assert [m for m in sys.modules if m.startswith(PKG)] == [PKG]


def test_reached_definitions_follow_names_in_the_module(package):
    assert fingerprint.reached_definitions(f"{PKG}.steps", ["one"]) == {"one", "helper"}
    with pytest.raises(ValueError, match="defines no three"):
        fingerprint.reached_definitions(f"{PKG}.steps", ["three"])


@pytest.mark.parametrize(
    ("module", "old", "new", "changed"),
    [
        ("deep.py", "X = 2\n", "X = 2 + 0\n", {"one"}),
        ("b.py", "thing = 3\n", "thing = 4\n", {"one", "two"}),
        ("unused.py", "Y = 4\n", "Y = 5\n", set()),
        ("__init__.py", '"""demo"""\n', '"""demo"""\nZ = 0\n', {"one", "two"}),
        ("steps.py", "    return thing\n", "    return thing, 0\n", {"two"}),
        ("steps.py", "return base.VALUE", "return base.VALUE + 0", {"one", "two"}),
        ("steps.py", "return helper() + a.run()", "return helper() - a.run()", {"one"}),
        ("steps.py", "    return helped.thing\n", "    return helped.thing + 0\n", {"one"}),
        ("steps.py", "from", "import os\nfrom", {"one", "two"}),
        # a registered function's body is hidden, its signature and the registry are not
        ("builders.py", "return n + 1", "return n + 10", set()),
        ("builders.py", "def first(n):", "def first(n, m=0):", {"one"}),
        ("builders.py", "    return f\n", "    return f or None\n", {"one"}),
        # a name is code: renaming an unused local still counts
        ("a.py", "def run():", "def run(unused=None):", {"one"}),
    ],
)
def test_a_code_edit_changes_the_hash_of_the_steps_that_run_it(package, module, old, new, changed):
    before = {step: step_hash(step) for step in ("one", "two")}
    with edited(package / module, old, new):
        after = {step: step_hash(step) for step in ("one", "two")}
    assert {step for step in before if before[step] != after[step]} == changed


# Edits that leave the code as it was: comments, docstrings (of a module, a function, a
# class, a method), blank lines, line breaks and parentheses the parser drops.
UNCHANGED_CODE = [
    ("deep.py", "X = 2\n", "X = 2  # edited\n"),
    ("__init__.py", '"""demo"""\n', '"""demo, edited"""\n'),
    ("__init__.py", '"""demo"""\n', "# no docstring now\n"),
    ("steps.py", "def logged():\n", 'def logged():\n    """Edited."""\n'),
    ("steps.py", "from", "# top\n\n\nfrom"),
    ("steps.py", "return helper() + a.run()", "return (\n        helper() + a.run()\n    )"),
    ("b.py", '"""A thing."""', '"""A thing, edited."""'),
    ("b.py", '        """Its value."""\n', ""),
    ("builders.py", "    return f\n", "    return f  # edited\n"),
]


@pytest.mark.parametrize(("module", "old", "new"), UNCHANGED_CODE)
def test_comments_docstrings_and_layout_change_no_hash(package, module, old, new):
    before = {step: step_hash(step) for step in ("one", "two")}
    with edited(package / module, old, new):
        after = {step: step_hash(step) for step in ("one", "two")}
    assert after == before


def test_a_method_edit_is_a_code_edit(package):
    before = step_hash("two")
    with edited(package / "b.py", "return 3", "return 4"):
        assert step_hash("two") != before


def test_module_code_keeps_a_hidden_functions_decorators_and_signature(package):
    code = fingerprint.module_code(f"{PKG}.builders", ["first"])
    assert "name='first'" in code and "id='register'" in code
    assert "Constant(value=1)" not in code and "Constant(value=2)" in code


def test_function_fingerprint_is_the_functions_code(package):
    sys.modules.pop(f"{PKG}.builders", None)
    builders = importlib.import_module(f"{PKG}.builders")
    before = fingerprint.function_fingerprint(builders.first)
    assert before != fingerprint.function_fingerprint(builders.second)
    with edited(package / "builders.py", "def first(n):\n", 'def first(n):\n    """Doc."""\n'):
        assert fingerprint.function_fingerprint(builders.first) == before
    with edited(package / "builders.py", "return n + 1", "return n + 10"):
        assert fingerprint.function_fingerprint(builders.first) != before

    def inner():
        return 0

    inner.__module__ = builders.__name__
    with pytest.raises(ValueError, match="no top-level definition 'inner'"):
        fingerprint.function_fingerprint(inner)


def test_every_builder_has_its_own_fingerprint():
    from sinefreq import models

    prints = {fingerprint.function_fingerprint(b) for b in models.ARCHITECTURES.values()}
    assert len(prints) == len(models.ARCHITECTURES)


def test_the_workflows_steps_reach_what_they_run():
    def reach(step):
        return {
            m.removeprefix("sinefreq.")
            for m in fingerprint.reach("sinefreq.steps", ["logged", step])
        }

    common = {"sinefreq", "steps", "io"}
    # The bound is built from the signal model's derivatives under the noise model.
    assert reach("bound") == common | {"crlb", "signals", "noise"}
    assert reach("make_dataset") == common | {"datasets", "signals", "noise"}
    assert {"training", "metrics"} <= reach("evaluate")
    assert {"models", "training"} <= reach("train") and "plots" not in reach("train")
    for figure in ("experiment_figures", "sweep_figure", "frequency_figure"):
        assert reach(figure) == common | {"plots"}
