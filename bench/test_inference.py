"""Inference throughput: predict 1,120 images in batches of 256."""
import numpy as np
import pytest

import fastcnn
from bench.conftest import SEED, THREADS, record
from fastcnn.benchmark import peers

BATCH = 256
PEERS = {"torch": peers.torch_runner, "keras": peers.keras_runner, "jax": peers.jax_runner}


@pytest.mark.parametrize("runner", ["fastcnn", "fastcnn-uint8", "torch", "keras", "jax"])
def test_predict(benchmark, data, runner):
    pixels, x, _ = data
    benchmark.group = f"predict {len(x)} {pixels} images, batch {BATCH}"
    xf = x / np.float32(255)
    if runner.startswith("fastcnn"):
        model = fastcnn.galaxy_classifier(seed=SEED)
        inputs = x if runner == "fastcnn-uint8" else xf
        model.predict(inputs[:BATCH], batch_size=BATCH)
        benchmark.pedantic(model.predict, args=(inputs,), kwargs=dict(batch_size=BATCH), rounds=7, warmup_rounds=1)
    else:
        pytest.importorskip({"torch": "torch", "keras": "tensorflow", "jax": "jax"}[runner])
        peer = PEERS[runner](SEED, THREADS)
        benchmark.pedantic(peer.predict, args=(xf, BATCH), rounds=7, warmup_rounds=1)
    record(benchmark, images=len(x))
