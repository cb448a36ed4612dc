"""Inference throughput: predict 1,280 images in batches of 256."""
import numpy as np
import pytest

from bench.conftest import fastcnn_model, keras_model, report, torch_model

BATCH = 256


@pytest.mark.parametrize("runner", ["fastcnn", "torch-channels-last", "keras-predict_on_batch"])
def test_predict(benchmark, pixels, runner):
    benchmark.group = f"predict {len(pixels[0])} images, batch {BATCH}"
    x = pixels[0]
    if runner == "fastcnn":
        model = fastcnn_model()
        model.predict(x[:BATCH], batch_size=BATCH)
        benchmark.pedantic(model.predict, args=(x,), kwargs=dict(batch_size=BATCH), rounds=7, warmup_rounds=1)
    elif runner.startswith("torch"):
        torch, model = torch_model(channels_last=True)
        xt = torch.from_numpy(x.astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous(
            memory_format=torch.channels_last)
        model.eval()

        def predict():
            with torch.inference_mode():
                return [torch.softmax(model(xt[i:i + BATCH]), 1) for i in range(0, len(xt), BATCH)]

        benchmark.pedantic(predict, rounds=7, warmup_rounds=1)
    else:
        keras, model = keras_model()
        xf = x.astype(np.float32) / 255

        def predict():
            return [model.predict_on_batch(xf[i:i + BATCH]) for i in range(0, len(xf), BATCH)]

        benchmark.pedantic(predict, rounds=7, warmup_rounds=1)
    report(benchmark, len(x))
