"""What the thread reported, so the study can set its own numbers beside them.

Source: ``shared/seed`` (the question and its three answers); setups in SETUPS.md.
"""

from __future__ import annotations

import numpy as np

# Answer 0's mean |pred - y| on its own training data, by max_freq.
A0_TRAIN_MAE = {10: 0.0504, 20: 0.1460, 30: 0.4067}

# Answer 2's ten held-out (prediction, truth) pairs from its LSTM.
A2_LSTM_HELDOUT = np.array(
    [
        [13.08494568, 12.76470588],
        [22.23135376, 21.98039216],
        [39.0812912, 37.58823529],
        [15.77548409, 15.66666667],
        [26.57996941, 25.58823529],
        [26.57759476, 25.11764706],
        [16.42217445, 15.8627451],
        [32.55020905, 30.80392157],
        [44.16622925, 43.01960784],
        [26.18071365, 25.45098039],
    ]
)

# What the thread says of its setups' failures along a dataset label: (setup, label) ->
# the claim, which results/failure_trend/ tests.
FAILURE_CLAIMS = {("A0-lstm", "max_freq"): "diverges more often as max_freq grows"}

CLAIMS = {
    "Q-dense": "learns nothing useful: predicts a trivial constant",
    "Q-lstm": "learns nothing useful",
    "A0-lstm": "train MAE 0.050 / 0.146 / 0.407 at max_freq 10 / 20 / 30; "
    + FAILURE_CLAIMS[("A0-lstm", "max_freq")],
    "A1-recipe": "more data, a little noise and targets scaled to [-1, 1] should help (no numbers)",
    "A2-lstm": "held-out errors of about 0.1 to 1.5 cycles (MAE {:.2f} on its 10 printed pairs)",
    "A2-dnn": "a dense net does as well as the LSTM (no numbers)",
}


# Which split the thread's number was measured on (the others printed none).
MEASURED_ON = {"A0-lstm": "train", "A2-lstm": "test"}

# The setups, in the thread's order; config/schema.yaml's `thread` enum lists the same
# (tests/test_config.py keeps the two equal).
SETUPS = tuple(CLAIMS)

# The thread's numbers along a sweep axis: (setup, swept dataset label) -> {label: value}.
SWEEP_POINTS = {("A0-lstm", "max_freq"): A0_TRAIN_MAE}


def points(setup: str) -> tuple[str, dict[float, float]]:
    """The dataset label along which the thread reported ``setup``'s numbers, and them."""
    for (name, label), values in SWEEP_POINTS.items():
        if name == setup:
            return label, values
    raise ValueError(f"the thread reported no numbers along a dataset label for {setup}")


def sweep_points(setup: str | None, sweep: str) -> dict[float, float] | None:
    """The thread's points to draw on an experiment's sweep figure, or None."""
    return SWEEP_POINTS.get((setup, sweep))


def failure_claim(setup: str | None, label: str) -> str | None:
    """What the thread says of ``setup``'s failures along dataset ``label``, or None."""
    return FAILURE_CLAIMS.get((setup, label))


def a2_lstm_heldout_mae() -> float:
    pred, truth = A2_LSTM_HELDOUT.T
    return float(np.mean(np.abs(pred - truth)))


def claim(setup: str) -> str:
    return CLAIMS[setup].format(a2_lstm_heldout_mae())


def thread_value(setup: str, max_freq: float | None) -> float | None:
    """The thread's number for a setup (and max_freq for A0), or None where it gave none."""
    if setup == "A0-lstm" and max_freq is not None:
        return A0_TRAIN_MAE.get(int(max_freq))
    if setup == "A2-lstm":
        return a2_lstm_heldout_mae()
    return None
