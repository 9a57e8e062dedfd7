"""Options declared by annotation, checked before anything runs.

A model builder's hyper-parameters and a classical estimator's options are its parameters
with a default. Each declares what it accepts in its own signature, e.g.
``units: Annotated[int, Range(min=1)] = 100``: a base type (``int``, ``float``, ``str``,
``bool``, ``None``, a ``Literal``, ``list[...]`` or a union of these) and optional
constraints (:class:`Range`, :class:`OneOf`, :class:`MultipleOf`). :func:`problems` checks
a config's values against that, so a new builder or estimator is checked as soon as it
annotates its parameters; nothing else needs to know about it.
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union


@dataclass(frozen=True)
class Range:
    """Bounds on a number; ``None`` leaves that side open."""

    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    # Where ``max`` is defined, when it is a ceiling against slips rather than a limit of
    # meaning: messages say where to raise it.
    ceiling: str | None = None

    def allows(self, value) -> bool:
        # Written as "not outside" would let NaN through; "inside" refuses it.
        above = self.min is None or (value > self.min if self.min_exclusive else value >= self.min)
        below = self.max is None or (value < self.max if self.max_exclusive else value <= self.max)
        return above and below

    def describe(self) -> str:
        sides = []
        if self.min is not None:
            sides.append(f"{'>' if self.min_exclusive else '>='} {self.min:g}")
        if self.max is not None:
            sides.append(f"{'<' if self.max_exclusive else '<='} {self.max:g}")
        return " and ".join(sides)


# Ceilings on the sizes builders take, against a slip of a few zeros that would build a
# model no machine holds (Dense(10**6) after Dense(10**6) is 8 TB of float64 weights).
# The study uses at most 256 units and 4 layers.
MAX_UNITS = 4096
MAX_LAYERS = 64
Units = Annotated[int, Range(min=1, max=MAX_UNITS, ceiling="sinefreq.params.MAX_UNITS")]
Layers = Annotated[int, Range(min=0, max=MAX_LAYERS, ceiling="sinefreq.params.MAX_LAYERS")]


@dataclass(frozen=True)
class OneOf:
    """A value from a fixed set, for sets too long to spell as a ``Literal``."""

    choices: tuple

    def allows(self, value) -> bool:
        return value in self.choices

    def describe(self) -> str:
        return "(one of: " + ", ".join(map(str, self.choices)) + ")"


@dataclass(frozen=True)
class MultipleOf:
    """An integer multiple of ``step`` (e.g. an even zero-padding factor)."""

    step: int

    def allows(self, value) -> bool:
        return value % self.step == 0

    def describe(self) -> str:
        return "even" if self.step == 2 else f"a multiple of {self.step}"


# A bool is an int to Python, never to a config: True is no unit count.
_PLAIN = {
    int: ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: (
        "a finite number",
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
    ),
    str: ("a string", lambda v: isinstance(v, str)),
    bool: ("true or false", lambda v: isinstance(v, bool)),
    type(None): ("null", lambda v: v is None),
}


def allows(hint, value) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (see the module docstring)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return allows(args[0], value) and all(c.allows(value) for c in hint.__metadata__)
    if origin is Literal:
        # 1 == True, so compare types too: true is not the literal 1.
        return any(type(value) is type(a) and value == a for a in args)
    if origin in (Union, types.UnionType):
        return any(allows(a, value) for a in args)
    if origin is list:
        return isinstance(value, list) and all(allows(args[0], v) for v in value)
    if hint is Any:
        return True
    return _PLAIN[hint][1](value)


def describe(hint) -> str:
    """What ``hint`` accepts, in words: 'an integer >= 1', 'one of relu, tanh'."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return f"{describe(args[0])} " + ", ".join(c.describe() for c in hint.__metadata__)
    if origin is Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (Union, types.UnionType):
        return " or ".join(describe(a) for a in args)
    if origin is list:
        return f"a list, each {describe(args[0])}"
    if hint is Any:
        return "anything"
    return _PLAIN[hint][0]


def supported(hint) -> bool:
    """Whether :func:`allows` understands ``hint`` (a test holds every option to this)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return supported(args[0])
    if origin in (Union, types.UnionType) or (origin is list and args):
        return all(supported(a) for a in args)
    return origin is Literal or hint is Any or hint in _PLAIN


def options(func: Callable) -> dict[str, tuple[Any, Any]]:
    """``{name: (annotation, default)}`` of ``func``'s parameters that have a default.

    Those are the options a config may set; the others (the series, its length) are the
    workflow's to pass. A parameter without annotation accepts anything.
    """
    hints = typing.get_type_hints(func, include_extras=True)
    return {
        name: (hints.get(name, Any), p.default)
        for name, p in inspect.signature(func).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def problems(func: Callable, given: dict, key: str, owner: str, noun: str = "option") -> list[str]:
    """Every problem of the options ``given`` at config key ``key`` for ``func``.

    ``owner`` names ``func`` in messages ("architecture 'a0_lstm'"), ``noun`` what its
    options are called. Each message names the dotted key, the value given and what is
    allowed.
    """
    declared = options(func)
    found = []
    for name, value in given.items():
        if name not in declared:
            allowed = ", ".join(sorted(declared)) or "none"
            found.append(f"{key}.{name}: {owner} has no {noun} {name}; allowed: {allowed}")
        elif not allows(declared[name][0], value):
            found.append(
                f"{key}.{name}: {value!r} is not allowed; {owner} takes "
                f"{describe(declared[name][0])}{_yaml_hint(value)}{_ceiling_hint(declared[name][0], value)}"
            )
    return found


def ceilings(hint) -> list[Range]:
    """The :class:`Range` constraints of ``hint`` that are ceilings (``ceiling`` set)."""
    if typing.get_origin(hint) is not Annotated:
        return []
    return [c for c in hint.__metadata__ if isinstance(c, Range) and c.ceiling]


def _ceiling_hint(hint, value) -> str:
    """Above a ceiling: say what it is for and where to raise it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    for limit in ceilings(hint):
        if value > limit.max:
            return (
                f"; {limit.max:g} is a ceiling against a slip that would exhaust memory or "
                f"time: raise {limit.ceiling} to go higher"
            )
    return ""


def _yaml_hint(value) -> str:
    """A number that arrived as text: quoted, or an exponent without a dot, which YAML 1.1
    reads as a string (1e-3); say how to write it rather than only 'not a number'."""
    if not isinstance(value, str):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    return "; that is text: write numbers unquoted, exponents with a dot (1.0e-3, not 1e-3)"


def validation_problem(error: dict, key: str, unknown: str = "unknown setting") -> str:
    """One of pydantic's errors (``ValidationError.errors()``) in the config's words: the
    dotted key under ``key``, the value given and what is allowed; ``unknown`` words a
    key the settings do not declare."""
    where = ".".join(str(part) for part in (key, *error["loc"]))
    if error["type"] == "extra_forbidden":
        return f"{where}: {unknown}"
    if error["type"] == "missing":
        return f"{where}: required, and not given"
    # pydantic says "Input should be ...": name the value instead of "input".
    allowed = error["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
    return f"{where}: {error['input']!r} is not allowed; it should be {allowed}"
