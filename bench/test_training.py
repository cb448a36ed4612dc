"""Training throughput of the reference model: one epoch, batch 32 and batch 5.

Every entry of a group trains on the same 640 images (same shuffling work,
same metrics: accuracy and AUC), so medians compare directly.  fastcnn reads
uint8 pixels (its normal input: no float copy of the data set); the
"float32" entry feeds it pre-scaled floats like the peers get.
"""
import numpy as np
import pytest

import fastcnn
from bench.conftest import fastcnn_model, keras_model, report, torch_model

IMAGES = 640
ROUNDS = 5


def fastcnn_epoch(benchmark, x, y, batch_size, backend="numba"):
    model = fastcnn_model()
    model.fit(x[:2 * batch_size], y[:2 * batch_size], epochs=1, batch_size=batch_size, verbose=0)  # warm up
    with fastcnn.use_backend(backend):
        benchmark.pedantic(model.fit, args=(x, y), kwargs=dict(epochs=1, batch_size=batch_size, verbose=0),
                           rounds=ROUNDS, warmup_rounds=1)
    report(benchmark, len(x))


def torch_epoch(benchmark, x, y, batch_size, channels_last):
    torch, model = torch_model(channels_last)
    xt = torch.from_numpy(x.astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()
    if channels_last:
        xt = xt.to(memory_format=torch.channels_last)
    labels = torch.from_numpy(y.argmax(1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(xt), batch_size):
            index = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[index]), labels[index])
            loss.backward()
            optimizer.step()

    benchmark.pedantic(epoch, rounds=ROUNDS, warmup_rounds=1)
    report(benchmark, len(x))


def keras_epoch(benchmark, x, y, batch_size):
    keras, model = keras_model()
    xf = x.astype(np.float32) / 255
    benchmark.pedantic(model.fit, args=(xf, y), kwargs=dict(epochs=1, batch_size=batch_size, verbose=0),
                       rounds=ROUNDS, warmup_rounds=1)
    report(benchmark, len(x))


@pytest.mark.parametrize("batch_size", [32, 5])
@pytest.mark.parametrize("runner", ["fastcnn", "fastcnn-float32", "numpy-reference", "torch", "torch-channels-last",
                                    "keras"])
def test_train_epoch(benchmark, pixels, runner, batch_size):
    benchmark.group = f"train one epoch of {IMAGES} images, batch {batch_size}"
    x, y = pixels[0][:IMAGES], pixels[1][:IMAGES]
    if runner == "fastcnn":
        fastcnn_epoch(benchmark, x, y, batch_size)
    elif runner == "fastcnn-float32":
        fastcnn_epoch(benchmark, x.astype(np.float32) / 255, y, batch_size)
    elif runner == "numpy-reference":
        fastcnn_epoch(benchmark, x, y, batch_size, backend="reference")
    elif runner.startswith("torch"):
        torch_epoch(benchmark, x, y, batch_size, channels_last=runner.endswith("last"))
    else:
        keras_epoch(benchmark, x, y, batch_size)
