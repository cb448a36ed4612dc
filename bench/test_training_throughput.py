"""Training throughput of the reference model: Numba kernels vs their NumPy twins.

One round = one epoch over 320 images at batch 32 (10 optimizer steps).
Images/s = 320 / the round's time; compare the medians in the table.
"""
import pytest

import fastcnn
from bench.conftest import compiled_model

IMAGES = 320


@pytest.mark.benchmark(group="train epoch, reference model, batch 32")
@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_train_epoch(benchmark, galaxy_batch_data, backend):
    x, y = galaxy_batch_data
    x, y = x[:IMAGES], y[:IMAGES]
    model = compiled_model()
    model.fit(x[:64], y[:64], epochs=1, batch_size=32, verbose=0)  # compile / load kernels first
    with fastcnn.use_backend(backend):
        benchmark.pedantic(model.fit, args=(x, y), kwargs=dict(epochs=1, batch_size=32, verbose=0),
                           rounds=5, warmup_rounds=1)
    benchmark.extra_info["images_per_round"] = IMAGES
