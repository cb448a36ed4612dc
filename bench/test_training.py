"""Training throughput of the reference model: one epoch of 1,120 images, batch 32 and batch 5.

Every entry of a group trains on the same images (fastcnn with the same
metrics as Keras), so medians compare directly.  fastcnn runs on float32
pixels like the peers, and on uint8 pixels (its own input, no float copy of
the data set); the NumPy twins show what the kernels add.
"""
import numpy as np
import pytest

import fastcnn
from bench.conftest import SEED, THREADS, record
from fastcnn.benchmark import peers

ROUNDS = 5
PEERS = {"torch": peers.torch_runner, "keras": peers.keras_runner, "jax": peers.jax_runner}


@pytest.mark.parametrize("batch_size", [32, 5])
@pytest.mark.parametrize("runner", ["fastcnn", "fastcnn-uint8", "numpy-reference", "torch", "keras", "jax"])
def test_train_epoch(benchmark, data, runner, batch_size):
    pixels, x, y = data
    benchmark.group = f"train one epoch of {len(x)} {pixels} images, batch {batch_size}"
    xf = x / np.float32(255)
    if runner.startswith("fastcnn") or runner == "numpy-reference":
        model = fastcnn.galaxy_classifier(seed=SEED)
        model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
        inputs = x if runner == "fastcnn-uint8" else xf
        if runner == "numpy-reference":
            inputs = inputs[:5 * batch_size]  # the twins are slow: a part of the epoch, counted as such
        model.fit(inputs[:2 * batch_size], y[:2 * batch_size], epochs=1, batch_size=batch_size, verbose=0)

        def epoch():
            with fastcnn.use_backend("reference" if runner == "numpy-reference" else "numba"):
                model.fit(inputs, y[:len(inputs)], epochs=1, batch_size=batch_size, verbose=0)

        benchmark.pedantic(epoch, rounds=2 if runner == "numpy-reference" else ROUNDS, warmup_rounds=1)
        record(benchmark, images=len(inputs))
        return
    pytest.importorskip({"torch": "torch", "keras": "tensorflow", "jax": "jax"}[runner])
    peer = PEERS[runner](SEED, THREADS)
    benchmark.pedantic(peer.train_epoch, args=(xf, y, batch_size), rounds=ROUNDS, warmup_rounds=1)
    record(benchmark, images=len(x))


@pytest.mark.parametrize("augment", [None, "flip", "dihedral"])
def test_train_epoch_augmented(benchmark, data, augment):
    """One uint8 epoch at batch 5 with each augmentation: the target is dihedral within 10% of None.

    For a ratio that survives a noisy machine, compare interleaved runs in one process instead:
    ``python -m bench.augment_speed`` (docs/experiments/gz1.md quotes it)."""
    pixels, x, y = data
    benchmark.group = f"train one epoch of {len(x)} {pixels} uint8 images, batch 5, augmentation"
    model = fastcnn.galaxy_classifier(seed=SEED)
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    model.fit(x[:10], y[:10], epochs=1, batch_size=5, verbose=0, augment=augment)
    benchmark.pedantic(model.fit, args=(x, y), kwargs=dict(epochs=1, batch_size=5, verbose=0, augment=augment),
                       rounds=ROUNDS, warmup_rounds=1)
    record(benchmark, images=len(x))
