"""Each kernel against its NumPy twin, at the reference model's shapes, batch 32.

Group = one operation; the two entries are fastcnn.kernels (Numba) and
fastcnn.reference (NumPy), called with identical arguments.
"""
import numpy as np
import pytest

import fastcnn.kernels as fast
import fastcnn.reference as slow

N = 32


@pytest.fixture(scope="module")
def shapes(pixels):
    rng = np.random.default_rng(0)
    x = pixels[0][:N]                                                    # (32, 128, 128, 3) uint8
    w1 = (rng.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((3, 3, 8, 8)) * 0.3).astype(np.float32)
    b = np.full(8, 0.01, np.float32)
    out1 = fast.conv2d_forward(x, w1, b, 2, relu=True)                   # (32, 63, 63, 8)
    pool1 = fast.maxpool2d_forward(out1, 2)                              # (32, 31, 31, 8)
    out2 = fast.conv2d_forward(pool1, w2, b, 2, relu=True)               # (32, 15, 15, 8)
    pool2 = fast.maxpool2d_forward(out2, 2)                              # (32, 7, 7, 8)
    flat = pool2.reshape(N, -1)
    wd = (rng.standard_normal((392, 16)) * 0.1).astype(np.float32)
    hidden = fast.dense_forward(flat, wd, np.zeros(16, np.float32))
    logits = hidden[:, :4].copy()
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, N)]
    g1 = rng.standard_normal(pool1.shape).astype(np.float32)
    g2 = rng.standard_normal(pool2.shape).astype(np.float32)
    return dict(x=x, w1=w1, w2=w2, b=b, out1=out1, pool1=pool1, out2=out2, pool2=pool2, flat=flat, wd=wd,
                hidden=hidden, logits=logits, y=y, g1=g1, g2=g2)


CALLS = {
    "conv2d_forward, layer 1 (uint8, ReLU)": lambda k, s: k.conv2d_forward(s["x"], s["w1"], s["b"], 2, relu=True),
    "maxpool2d_forward, layer 1": lambda k, s: k.maxpool2d_forward(s["out1"], 2),
    "conv2d+relu+maxpool2d backward, layer 1 (no dx)": lambda k, s: k.conv2d_relu_maxpool2d_backward(
        s["g1"], s["pool1"], s["out1"], s["x"], s["w1"], 2, need_dx=False),
    "conv2d_forward, layer 2 (ReLU)": lambda k, s: k.conv2d_forward(s["pool1"], s["w2"], s["b"], 2, relu=True),
    "conv2d+relu+maxpool2d backward, layer 2": lambda k, s: k.conv2d_relu_maxpool2d_backward(
        s["g2"], s["pool2"], s["out2"], s["pool1"], s["w2"], 2),
    "maxpool2d_backward, layer 1": lambda k, s: k.maxpool2d_backward(s["g1"], s["out1"], s["pool1"], 2),
    "conv2d_backward, layer 1 (ReLU, no dx)": lambda k, s: k.conv2d_backward(
        k.maxpool2d_backward(s["g1"], s["out1"], s["pool1"], 2), s["x"], s["w1"], 2, relu=True, out=s["out1"],
        need_dx=False),
    "dense_forward 392->16": lambda k, s: k.dense_forward(s["flat"], s["wd"], np.zeros(16, np.float32)),
    "dense_backward 392->16": lambda k, s: k.dense_backward(s["hidden"], s["flat"], s["wd"]),
    "softmax_cross_entropy": lambda k, s: k.softmax_cross_entropy(s["logits"], s["y"]),
}


@pytest.mark.parametrize("implementation", ["numba", "numpy-reference"])
@pytest.mark.parametrize("operation", list(CALLS))
def test_kernel(benchmark, shapes, operation, implementation):
    benchmark.group = f"{operation}, batch {N}"
    module = fast if implementation == "numba" else slow
    call = CALLS[operation]
    call(module, shapes)  # compile / warm up
    benchmark.pedantic(call, args=(module, shapes), rounds=15 if implementation == "numba" else 5,
                       warmup_rounds=1)
