"""What Keras 2 (the thread's Keras, 2017-2018) did differently in the layers and optimizer
answer 0 used, so its network can be trained as the thread trained it.

- The LSTM's recurrent activation defaulted to ``hard_sigmoid`` in Keras 2 (``sigmoid`` in
  Keras 3), and Keras 2's ``hard_sigmoid`` was ``clip(0.2 x + 0.5, 0, 1)``
  (``keras/backend/tensorflow_backend.py``): slope 0.2, saturating at |x| = 2.5. Keras 3's
  ``hard_sigmoid`` is ``relu6(x + 3) / 6``, slope 1/6, so the name alone does not restore it.
- Adam's epsilon was 1e-8 in Keras 2.0 to 2.1.2 (``epsilon=1e-8`` in ``keras/optimizers.py``;
  from 2.1.3 ``K.epsilon()`` = 1e-7, Keras 3's default). Its update rule is Keras 3's.
- Everything else answer 0 relies on kept its default: glorot-uniform kernels, orthogonal
  recurrent kernels, unit forget bias, zero biases, batch 32, shuffling every epoch.

Importing this module does not load Keras; :func:`hard_sigmoid` defines and registers the
activation on first use (before building or loading a model that holds it).
"""

from __future__ import annotations

import functools

ADAM_EPSILON = 1e-8
HARD_SIGMOID = "keras2_hard_sigmoid"  # the name a config gives it


@functools.cache
def hard_sigmoid():
    """Keras 2's hard sigmoid, registered for saving and safe-mode loading."""
    import keras

    @keras.saving.register_keras_serializable(package="sinefreq", name=HARD_SIGMOID)
    def keras2_hard_sigmoid(x):
        return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)

    return keras2_hard_sigmoid
