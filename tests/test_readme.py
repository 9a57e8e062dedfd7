"""The README's own-signals example: its config of a few lines is a valid study that trains
an any-length network for the lengths it names."""

import re

from sinefreq import config as study
from sinefreq import settings

from .conftest import ROOT


def readme_config(tmp_path):
    text = (ROOT / "README.md").read_text()
    section = text.split("## Your own signals", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)
    path = tmp_path / "my_lengths.yaml"
    path.write_text(block)
    return study.load(path, ROOT / "config" / "schema.yaml")


def test_the_readme_config_trains_an_any_length_network_for_its_lengths(tmp_path):
    cfg = readme_config(tmp_path)
    (run,) = study.runs(cfg)
    typed = settings.of(study.training_settings(cfg, run.model))
    assert typed.architecture == "coarse_to_fine_any" and typed.lengths == [200, 300]
    assert typed.lengths[0] <= cfg["datasets"][run.dataset]["n_samples"] <= typed.lengths[1]
