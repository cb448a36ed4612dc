"""fastcnn against PyTorch: same weights and batches give the same loss,
gradients, input gradient and Adam trajectory, to float32 precision.

PyTorch is only a test-time reference (never a dependency of fastcnn); the
whole module is skipped where it is not installed.

The PyTorch twin is written independently of fastcnn's code, from an explicit
architecture spec (the layers ``galaxy_classifier`` is documented to have, and
a small "same"-padding variant).  It works in NCHW: the NHWC input is permuted
to NCHW, conv kernels (KH, KW, C_in, C_out) become (C_out, C_in, KH, KW),
dense kernels (D_in, D_out) become (D_out, D_in), and before flattening the
activations are permuted back to NHWC so that the flatten order is fastcnn's
(and Keras's) row-major (H, W, C) order.  TensorFlow's "same" padding (extra
row/column at the bottom/right) is reproduced with ``F.pad``: zeros before a
convolution, -inf before a max-pool (padding never wins a maximum).
"""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import fastcnn  # noqa: E402

torch.set_num_threads(2)

# ---------------------------------------------------------------------------
# Tolerances.
#
# Both libraries compute in float32 (unit round-off U32 = 2**-24 ~ 6e-8) but
# sum in different orders, so results differ by accumulated round-off only.
# Forward sums have at most 392 terms (the Dense(16) layer): the worst-case
# (linear) bound is 392 * U32 ~ 2.3e-5 of the magnitude of the terms.  The
# longest reductions are the conv weight/bias gradients, sums over the batch
# and every output position (up to 32 * 63 * 63 ~ 1.3e5 terms), but both
# libraries sum them blockwise (fastcnn: per-sample partial sums in <= 8
# chunk buffers; PyTorch: blocked GEMM), so their round-off grows like
# sqrt(n) * U32 ~ 2.1e-5.  Hence GRAD_REL = 3e-5, applied relative to the
# largest element of each compared array (atol = GRAD_REL * max|expected|,
# rtol = GRAD_REL); measured worst case ~3e-6.  A real bug -- a transposed or
# mis-permuted kernel, a dropped border row, a wrong flatten order, a
# mis-routed pooling gradient -- moves results by O(1e-2 .. 1) relative, three
# or more orders of magnitude above this.
GRAD_REL = 3e-5
# The loss is a mean of log-sum-exps of logits that are themselves <= 392-term
# float32 sums: same bound.  Measured: ~1e-7 relative.
LOSS_RTOL = 3e-5
# Adam-trained weights.  An Adam step moves each weight by about lr times
# m_hat / sqrt(v_hat), a quantity of order 1 that depends only on the ratios of
# gradients, so float32 gradient differences of relative size 1e-6 move the
# weights by ~1e-6 * lr per step.  Two effects can exceed that, both bounded
# well below one step: (a) an element whose gradient is itself close to the
# round-off level, for which m_hat / sqrt(v_hat) is ill-conditioned; (b) once
# the weights differ in their last bits, a ReLU input or a max-pool near-tie
# may fall on opposite sides in the two libraries, switching one term of a
# gradient sum (the loss is continuous there, so losses still agree).  We
# allow 1% of one step's size, lr / 100; measured worst here ~7.5e-5 * lr
# (7.5e-8, about one float32 ulp of the weights), and below 5e-3 * lr over a
# dozen other seeds, where effect (b) occasionally shows.  A wrong Adam rule
# (bias correction, betas, epsilon placement) errs by O(1e-2 .. 1) * lr.
LEARNING_RATE = 1e-3
WEIGHT_ATOL = LEARNING_RATE / 100


def assert_f32_close(actual, expected, rel, name):
    """|actual - expected| <= rel * (|expected| + max|expected|), elementwise."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=rel * scale, err_msg=name)


# ---------------------------------------------------------------------------
# Architectures, as explicit specs.  Each entry:
#   ("conv", filters, (KH, KW), (SH, SW), padding, activation)
#   ("pool", (KH, KW), (SH, SW), padding)
#   ("relu",)   ("flatten",)   ("dense", units, activation)

# The original project's CNN (see fastcnn/architectures.py), input 128x128x3.
GALAXY_SPEC = [
    ("conv", 8, (3, 3), (2, 2), "valid", "relu"),
    ("pool", (2, 2), (2, 2), "valid"),
    ("conv", 8, (3, 3), (2, 2), "valid", "relu"),
    ("pool", (2, 2), (2, 2), "valid"),
    ("flatten",),
    ("dense", 16, "relu"),
    ("dense", 4, "softmax"),
]

# A small variant exercising "same" padding with an odd total padding (the
# extra row/column goes at the bottom/right, TensorFlow's rule), a non-square
# input, kernel and strides, overlapping pooling windows, a max-pool over a
# linear (possibly negative) input that feeds another linear layer, so that a
# pool padded with zeros instead of -inf would show, and a standalone ReLU
# layer.  Input 33x30x3:
#   conv (3,4) s(2,1) same :  17x30x6, pads H (1,1), W (1,2)
#   pool 3 s2 same         :  9x15x6,  pads H (1,1), W (0,1)
#   conv 3 s2 valid        :  4x7x5
#   relu
#   pool 2 s2 same         :  2x4x5,  pads H (0,0), W (0,1)
#   flatten 40, dense 12 + relu, dense 3 + softmax
SAME_INPUT_SHAPE = (33, 30, 3)
SAME_SPEC = [
    ("conv", 6, (3, 4), (2, 1), "same", None),
    ("pool", (3, 3), (2, 2), "same"),
    ("conv", 5, (3, 3), (2, 2), "valid", None),
    ("relu",),
    ("pool", (2, 2), (2, 2), "same"),
    ("flatten",),
    ("dense", 12, "relu"),
    ("dense", 3, "softmax"),
]


def fastcnn_from_spec(spec, input_shape, seed):
    layers = []
    for entry in spec:
        kind = entry[0]
        if kind == "conv":
            _, filters, kernel, strides, padding, activation = entry
            layers.append(fastcnn.Conv2D(filters, kernel, strides=strides, padding=padding, activation=activation))
        elif kind == "pool":
            _, pool, strides, padding = entry
            layers.append(fastcnn.MaxPool2D(pool, strides=strides, padding=padding))
        elif kind == "relu":
            layers.append(fastcnn.ReLU())
        elif kind == "flatten":
            layers.append(fastcnn.Flatten())
        elif kind == "dense":
            _, units, activation = entry
            layers.append(fastcnn.Dense(units, activation=activation))
    return fastcnn.Sequential(layers, input_shape=input_shape, seed=seed)


def assert_model_matches_spec(model, spec):
    """The fastcnn model really is the architecture the torch twin implements."""
    assert len(model.layers) == len(spec)
    for layer, entry in zip(model.layers, spec):
        config = layer.get_config()
        kind = entry[0]
        if kind == "conv":
            assert isinstance(layer, fastcnn.Conv2D)
            assert (config["filters"], tuple(config["kernel_size"]), tuple(config["strides"]),
                    config["padding"], config["activation"]) == entry[1:]
        elif kind == "pool":
            assert isinstance(layer, fastcnn.MaxPool2D)
            assert (tuple(config["pool_size"]), tuple(config["strides"]), config["padding"]) == entry[1:]
        elif kind == "relu":
            assert isinstance(layer, fastcnn.ReLU)
        elif kind == "flatten":
            assert isinstance(layer, fastcnn.Flatten)
        elif kind == "dense":
            assert isinstance(layer, fastcnn.Dense)
            assert (config["units"], config["activation"]) == entry[1:]


# ---------------------------------------------------------------------------
# The PyTorch twin.

def tf_same_padding(size, window, stride):
    """(before, after) padding of TensorFlow's "same" rule along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def to_torch_layout(w):
    """A fastcnn weight array as a float32 torch leaf tensor in torch's layout."""
    if w.ndim == 4:  # (KH, KW, C_in, C_out) -> (C_out, C_in, KH, KW)
        w = np.transpose(w, (3, 2, 0, 1))
    elif w.ndim == 2:  # (D_in, D_out) -> (D_out, D_in)
        w = w.T
    return torch.tensor(np.ascontiguousarray(w), dtype=torch.float32).requires_grad_()


def to_fastcnn_layout(t):
    """Inverse of to_torch_layout, for weights and their gradients."""
    a = t.detach().numpy()
    if a.ndim == 4:  # (C_out, C_in, KH, KW) -> (KH, KW, C_in, C_out)
        a = np.transpose(a, (2, 3, 1, 0))
    elif a.ndim == 2:
        a = a.T
    return np.ascontiguousarray(a)


def torch_logits(spec, params, x_nhwc):
    """Forward pass of ``spec`` with ``params`` (kernel, bias per linear layer,
    fastcnn's order) on an NHWC batch; returns the logits (softmax omitted:
    the loss applies log_softmax)."""
    h = x_nhwc.permute(0, 3, 1, 2)  # NCHW
    params = iter(params)
    for index, entry in enumerate(spec):
        kind = entry[0]
        if kind == "conv":
            _, _, (KH, KW), (SH, SW), padding, activation = entry
            if padding == "same":
                top, bottom = tf_same_padding(h.shape[2], KH, SH)
                left, right = tf_same_padding(h.shape[3], KW, SW)
                h = F.pad(h, (left, right, top, bottom))  # zeros
            h = F.conv2d(h, next(params), next(params), stride=(SH, SW))
        elif kind == "pool":
            _, (KH, KW), (SH, SW), padding = entry
            if padding == "same":
                top, bottom = tf_same_padding(h.shape[2], KH, SH)
                left, right = tf_same_padding(h.shape[3], KW, SW)
                h = F.pad(h, (left, right, top, bottom), value=-math.inf)
            h = F.max_pool2d(h, (KH, KW), stride=(SH, SW))
            activation = None
        elif kind == "relu":
            activation = "relu"
        elif kind == "flatten":
            h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # flatten in NHWC order
            activation = None
        elif kind == "dense":
            _, _, activation = entry
            h = F.linear(h, next(params), next(params))
        if activation == "relu":
            h = F.relu(h)
        elif activation == "softmax":
            assert index == len(spec) - 1, "softmax only as the last activation"
    return h


def torch_loss(logits, y):
    """Mean categorical cross-entropy of softmax(logits) against one-hot y."""
    return -(torch.from_numpy(y) * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


# ---------------------------------------------------------------------------
# Cases.

CASES = {
    # name: (spec, input_shape, fastcnn model builder, batch sizes)
    "galaxy": (
        GALAXY_SPEC, (128, 128, 3),
        lambda seed: fastcnn.galaxy_classifier(input_shape=(128, 128, 3), num_classes=4, seed=seed),
        (5, 32, 1),
    ),
    "same_padding": (
        SAME_SPEC, SAME_INPUT_SHAPE,
        lambda seed: fastcnn_from_spec(SAME_SPEC, SAME_INPUT_SHAPE, seed),
        (3, 16),
    ),
}


def batches(input_shape, num_classes, sizes, seed):
    """Inputs uniform in [0, 1) and random one-hot labels, from a fixed seed."""
    rng = np.random.default_rng(seed)
    for n in sizes:
        x = rng.random((n,) + tuple(input_shape), dtype=np.float32)
        y = np.eye(num_classes, dtype=np.float32)[rng.integers(0, num_classes, n)]
        yield x, y


def make_pair(case, seed, epsilon=1e-7):
    spec, input_shape, build, sizes = CASES[case]
    model = build(seed)
    assert_model_matches_spec(model, spec)
    model.compile(fastcnn.Adam(LEARNING_RATE, epsilon=epsilon), "categorical_crossentropy", [])
    params = [to_torch_layout(w) for w in model.get_weights()]
    return spec, input_shape, sizes, model, params


# ---------------------------------------------------------------------------
# Test 1: loss, parameter gradients and dL/dx at the initial weights.

@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_and_gradients_match_torch(case):
    spec, input_shape, sizes, model, params = make_pair(case, seed=0)
    names = model.weight_names()
    num_classes = model.output_shape[0]
    for x, y in batches(input_shape, num_classes, sizes, seed=1):
        loss, grads, dx = model.loss_and_gradients(x, y)

        x_t = torch.tensor(x, requires_grad=True)
        for p in params:
            p.grad = None
        logits = torch_logits(spec, params, x_t)
        loss_t = torch_loss(logits, y)
        loss_t.backward()

        n = len(x)
        np.testing.assert_allclose(loss, loss_t.item(), rtol=LOSS_RTOL, err_msg=f"loss, batch {n}")
        assert len(grads) == len(params)
        for name, g, p in zip(names, grads, params):
            assert_f32_close(g, to_fastcnn_layout(p.grad), GRAD_REL, f"d loss / d {name}, batch {n}")
        assert_f32_close(dx, x_t.grad.numpy(), GRAD_REL, f"d loss / d x, batch {n}")
        # the non-fused inference path (softmax applied by the last layer)
        probabilities = torch.softmax(logits, dim=1).detach().numpy()
        assert_f32_close(model.predict(x), probabilities, GRAD_REL, f"predict, batch {n}")


# ---------------------------------------------------------------------------
# Test 2: consecutive Adam steps.
#
# fastcnn follows Keras 3:  theta -= alpha * m / (sqrt(v) + eps_k)  with
# alpha = lr * sqrt(1 - b2^t) / (1 - b1^t).  PyTorch adds its epsilon to
# sqrt(v_hat) = sqrt(v) / sqrt(1 - b2^t):
#     theta -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps_t)
#            = alpha * m / (sqrt(v) + eps_t * sqrt(1 - b2^t)).
# The two rules coincide when eps_t = eps_k / sqrt(1 - b2^t).
#
# "tiny": eps = 1e-12 on both sides (the constant-epsilon comparison).  The
#   two denominators differ by at most eps = 1e-12 (eps_t * sqrt(1 - b2^t) is
#   between 0 and eps), while sqrt(v) >= sqrt(1 - b2) * |g_t| ~ 0.03 |g_t|
#   for the latest gradient g_t.  For every gradient element above ~1e-9
#   (gradients here are O(1e-2 .. 1e-1); round-off alone is ~1e-8), epsilon
#   changes the denominator by less than float32's relative resolution
#   (6e-8), so both rules reduce to alpha * m / sqrt(v) to float32 precision.
#   Elements with smaller gradients are at the round-off level anyway
#   (WEIGHT_ATOL's effect (a)), and an exactly-zero gradient history leaves
#   m = 0 and the weight unchanged on both sides.
# "keras_default": fastcnn's default eps = 1e-7, with PyTorch's epsilon set
#   before every step to eps_k / sqrt(1 - b2^t): the rules are then
#   algebraically identical, so this also checks fastcnn's epsilon placement.

ADAM_STEPS = 8
BETA_2 = 0.999


@pytest.mark.parametrize("eps_mode", ["tiny", "keras_default"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_adam_steps_match_torch(case, eps_mode):
    epsilon = 1e-12 if eps_mode == "tiny" else 1e-7
    spec, input_shape, sizes, model, params = make_pair(case, seed=0, epsilon=epsilon)
    optimizer = torch.optim.Adam(params, lr=LEARNING_RATE, betas=(0.9, BETA_2), eps=epsilon)
    names = model.weight_names()
    num_classes = model.output_shape[0]
    step_sizes = [sizes[t % 2] for t in range(ADAM_STEPS)]  # alternate two batch sizes
    for t, (x, y) in enumerate(batches(input_shape, num_classes, step_sizes, seed=2), start=1):
        loss = model.train_on_batch(x, y)["loss"]

        if eps_mode == "keras_default":
            optimizer.param_groups[0]["eps"] = epsilon / math.sqrt(1.0 - BETA_2**t)
        optimizer.zero_grad()
        loss_t = torch_loss(torch_logits(spec, params, torch.from_numpy(x)), y)
        loss_t.backward()
        optimizer.step()

        # the loss of step t is computed before its update: it checks the
        # weights reached after step t - 1
        np.testing.assert_allclose(loss, loss_t.item(), rtol=LOSS_RTOL, err_msg=f"loss at step {t}")
        for name, w, p in zip(names, model.get_weights(), params):
            np.testing.assert_allclose(
                w, to_fastcnn_layout(p), rtol=0, atol=WEIGHT_ATOL, err_msg=f"{name} after step {t}"
            )
    assert model.optimizer.iterations == ADAM_STEPS
