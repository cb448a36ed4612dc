"""Each kernel against its NumPy twin at the reference model's shapes, batch 32.

Group = one operation; the two entries are fastcnn.kernels (Numba) and
fastcnn.reference (NumPy), called with identical arguments.  The summary
prints each one's GFLOP/s (fastcnn/benchmark/flops.py).
"""
import numpy as np
import pytest

import fastcnn.kernels as fast
import fastcnn.reference as slow
from bench.conftest import record
from fastcnn.benchmark import flops

N = 32


@pytest.fixture(scope="module")
def arrays():
    from fastcnn.benchmark.workload import make_data

    rng = np.random.default_rng(0)
    x, _ = make_data("galaxies", N, uint8=True)                          # (32, 128, 128, 3) uint8
    w1 = (rng.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((3, 3, 8, 8)) * 0.3).astype(np.float32)
    b = np.full(8, 0.01, np.float32)
    pool1, argmax1 = fast.conv2d_relu_maxpool2d_forward(x, w1, b, 2)      # (32, 31, 31, 8)
    pool2, argmax2 = fast.conv2d_relu_maxpool2d_forward(pool1, w2, b, 2)  # (32, 7, 7, 8)
    flat = pool2.reshape(N, -1)
    wd = (rng.standard_normal((392, 16)) * 0.1).astype(np.float32)
    hidden = fast.dense_forward(flat, wd, np.zeros(16, np.float32), relu=True)
    logits = hidden[:, :4].copy()
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, N)]
    g1 = rng.standard_normal(pool1.shape).astype(np.float32)
    g2 = rng.standard_normal(pool2.shape).astype(np.float32)
    xf = x / np.float32(255)
    return dict(x=x, xf=xf, w1=w1, w2=w2, b=b, pool1=pool1, argmax1=argmax1, pool2=pool2, argmax2=argmax2,
                flat=flat, wd=wd, hidden=hidden, logits=logits, y=y, g1=g1, g2=g2)


CALLS = {
    "conv2d+relu+maxpool2d forward, layer 1 (uint8)": (
        lambda k, a: k.conv2d_relu_maxpool2d_forward(a["x"], a["w1"], a["b"], 2),
        flops.conv2d_relu_maxpool2d_forward(N, 31, 31, 3, 3, 3, 8)),
    "conv2d+relu+maxpool2d forward, layer 1 (float32)": (
        lambda k, a: k.conv2d_relu_maxpool2d_forward(a["xf"], a["w1"], a["b"], 2),
        flops.conv2d_relu_maxpool2d_forward(N, 31, 31, 3, 3, 3, 8)),
    "conv2d+relu+maxpool2d backward, layer 1 (uint8, no dx)": (
        lambda k, a: k.conv2d_relu_maxpool2d_backward(a["g1"], a["pool1"], a["argmax1"], a["x"], a["w1"], 2,
                                                      need_dx=False),
        flops.conv2d_relu_maxpool2d_backward(N, 31, 31, 3, 3, 3, 8, need_dx=False)),
    "conv2d+relu+maxpool2d forward, layer 2": (
        lambda k, a: k.conv2d_relu_maxpool2d_forward(a["pool1"], a["w2"], a["b"], 2),
        flops.conv2d_relu_maxpool2d_forward(N, 7, 7, 3, 3, 8, 8)),
    "conv2d+relu+maxpool2d backward, layer 2": (
        lambda k, a: k.conv2d_relu_maxpool2d_backward(a["g2"], a["pool2"], a["argmax2"], a["pool1"], a["w2"], 2),
        flops.conv2d_relu_maxpool2d_backward(N, 7, 7, 3, 3, 8, 8)),
    "conv2d_forward, layer 1 (uint8, ReLU, unfused)": (
        lambda k, a: k.conv2d_forward(a["x"], a["w1"], a["b"], 2, relu=True), flops.conv2d(N, 63, 63, 3, 3, 3, 8)),
    "maxpool2d_forward, layer 1 (unfused)": (lambda k, a: k.maxpool2d_forward(a["pool1"], 2), None),
    "dense_forward 392->16 (ReLU)": (
        lambda k, a: k.dense_forward(a["flat"], a["wd"], np.zeros(16, np.float32), relu=True),
        flops.dense_forward(N, 392, 16)),
    "dense_backward 392->16 (ReLU)": (
        lambda k, a: k.dense_backward(a["hidden"], a["flat"], a["wd"], relu=True, out=a["hidden"]),
        flops.dense_backward(N, 392, 16)),
    "softmax_cross_entropy": (lambda k, a: k.softmax_cross_entropy(a["logits"], a["y"]), None),
}


@pytest.mark.parametrize("implementation", ["numba", "numpy-reference"])
@pytest.mark.parametrize("operation", list(CALLS))
def test_kernel(benchmark, arrays, operation, implementation):
    benchmark.group = f"{operation}, batch {N}"
    module = fast if implementation == "numba" else slow
    call, work = CALLS[operation]
    call(module, arrays)  # compile / warm up
    benchmark.pedantic(call, args=(module, arrays), rounds=25 if implementation == "numba" else 3,
                       warmup_rounds=1)
    record(benchmark, images=N, flops=work)
