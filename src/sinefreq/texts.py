"""The report's texts: Jinja templates filled from the facts :mod:`sinefreq.paper` computes.

The templates live in ``report/`` at the workflow's top: ``workflow.rst.j2`` (the front
page), ``captions/<name>.rst.j2`` (one per caption a rule's ``report(caption=...)`` names)
and ``macros.j2`` (the words of a comparison, shared by all). A caption shown once per
experiment is rendered for each experiment its facts list; ``by_experiment.rst.j2`` then
lets Snakemake's report, which renders a caption once per output, pick the text of the
output's ``experiment`` wildcard.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import jinja2

FRONT_PAGE = "workflow.rst.j2"
CAPTIONS = "captions"
SUFFIX = ".rst.j2"
BY_EXPERIMENT = "by_experiment.rst.j2"
# Captions shown once per experiment -> the facts entry (experiment -> its facts) they are
# rendered for: every experiment, those with a sweep, those placing the thread's numbers,
# those whose failure rate is tested along a label.
PER_EXPERIMENT = {
    "predicted_vs_true": "experiments",
    "learning_curves": "experiments",
    "error_vs_frequency": "experiments",
    "sweep": "sweeps",
    "seed_distribution": "seeds",
    "seed_table": "seeds",
    "failure_trend": "trends",
    "failure_trend_table": "trends",
}


def caption_names(folder: str | os.PathLike) -> list[str]:
    """The captions the templates in ``folder`` (``report/``) write, by name."""
    found = sorted(Path(folder, CAPTIONS).glob(f"*{SUFFIX}"))
    return [p.name.removesuffix(SUFFIX) for p in found]


def load(paths) -> dict[str, str]:
    """Template name (its path relative to the folder all ``paths`` share) -> its text."""
    paths = [Path(p) for p in paths]
    root = Path(os.path.commonpath(paths)) if len(paths) > 1 else paths[0].parent
    return {p.relative_to(root).as_posix(): p.read_text() for p in paths}


# -- how the templates print numbers ----------------------------------------------------


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def num(x) -> str:
    """Three significant digits; "n/a" where there is no number."""
    return f"{x:.3g}" if _finite(x) else "n/a"


def db(x) -> str:
    return f"{x:+.1f} dB" if _finite(x) else "n/a"


def db_range(r: dict) -> str:
    """``{"lo", "hi"}`` in dB: one value where they agree to 0.05 dB."""
    if not (_finite(r["lo"]) and _finite(r["hi"])):
        return "n/a"
    return db(r["lo"]) if abs(r["hi"] - r["lo"]) < 0.05 else f"{r['lo']:+.1f} to {r['hi']:+.1f} dB"


def percent(x) -> str:
    return f"{100 * x:.0f}%" if _finite(x) else "n/a"


def spread(s: dict) -> str:
    """``median [lo, hi]`` (the median alone where the interval is one value)."""
    if not _finite(s.get("median", s.get("value"))):
        return "n/a"
    middle = num(s.get("median", s.get("value")))
    if s["lo"] is None or s["lo"] == s["hi"]:
        return middle
    return f"{middle} [{num(s['lo'])}, {num(s['hi'])}]"


def k_of_n(c: dict) -> str:
    """A count with its binomial interval: ``3 of 10 (95% interval 11-60%)``."""
    if not c["n"]:
        return f"{c['k']} of {c['n']}"
    return f"{c['k']} of {c['n']} (95% interval {100 * c['lo']:.0f}-{100 * c['hi']:.0f}%)"


def p_value(p) -> str:
    if not _finite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


FILTERS = {"num": num, "db": db, "db_range": db_range, "percent": percent, "spread": spread,
           "k_of_n": k_of_n, "p_value": p_value}  # fmt: skip


def environment(templates: dict[str, str]) -> jinja2.Environment:
    """Templates by name, with the number filters; an unknown name in a template is an
    error (StrictUndefined), so a template cannot silently print nothing."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(templates),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render(templates: dict[str, str], facts: dict) -> dict[str, str]:
    """The front page (``workflow``) and every caption (by name) from ``facts``."""
    env = environment(templates)
    names = [n.removeprefix(f"{CAPTIONS}/").removesuffix(SUFFIX)
             for n in templates if n.startswith(f"{CAPTIONS}/") and n.endswith(SUFFIX)]  # fmt: skip
    unknown = sorted(set(PER_EXPERIMENT) - set(names))
    if unknown:
        raise ValueError(
            f"no template {CAPTIONS}/<name>{SUFFIX} for the per-experiment captions {unknown}"
        )
    written = {"workflow": env.get_template(FRONT_PAGE).render(**facts)}
    for name in names:
        template = env.get_template(f"{CAPTIONS}/{name}{SUFFIX}")
        if name in PER_EXPERIMENT:
            texts = {
                experiment: template.render(**facts, experiment=experiment, e=entry)
                for experiment, entry in facts[PER_EXPERIMENT[name]].items()
            }
            written[name] = env.get_template(BY_EXPERIMENT).render(texts=texts)
        else:
            written[name] = template.render(**facts)
    return written
