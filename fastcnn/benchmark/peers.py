"""The reference model in the frameworks a user would pick instead of fastcnn.

Each ``<framework>_runner(seed, threads)`` returns a :class:`Runner`:
``train_epoch(x, y, batch_size)`` runs one shuffled epoch of Adam(1e-3) steps
on float32 pixels in [0, 1] (N, 128, 128, 3) and one-hot labels, the
framework's usual way; ``predict(x, batch_size)`` returns the softmax outputs,
``batch_size`` images at a time.  Each is written the way that framework's
documentation recommends for speed on a CPU.

They are imported only inside :mod:`fastcnn.benchmark.worker`, a subprocess of
``fastcnn benchmark --peers``, after the thread count has been set in the
environment: none of these frameworks is a dependency of fastcnn.
"""
import numpy as np

LEARNING_RATE = 1e-3


class Runner:
    """What a worker times; subclasses fill in the two methods."""

    version = ""
    uint8 = False  # True: the runner is given uint8 pixels (fastcnn's own input), else float32 / 255

    def train_epoch(self, x, y, batch_size):
        """Train for one epoch: every image once, in a shuffled order.

        Parameters
        ----------
        x : numpy.ndarray
            (N, 128, 128, 3) float32 pixels in [0, 1], or uint8 when ``uint8``.
        y : numpy.ndarray
            (N, 4) float32 one-hot labels.
        batch_size : int
        """
        raise NotImplementedError

    def predict(self, x, batch_size):
        """The softmax outputs for ``x``, ``batch_size`` images at a time.

        Parameters
        ----------
        x : numpy.ndarray
            As for :meth:`train_epoch`.
        batch_size : int

        Returns
        -------
        numpy.ndarray or list of numpy.ndarray
            (N, 4) probabilities, or one (batch, 4) array per batch.
        """
        raise NotImplementedError


def torch_runner(seed, threads):
    """PyTorch, ``channels_last`` memory format (its fastest CPU layout for convolutions).

    Parameters
    ----------
    seed : int
        Seeds the initial weights and the shuffling.
    threads : int
        Threads the framework may use.

    Returns
    -------
    Runner
    """
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(392, 16), nn.ReLU(), nn.Linear(16, 4),
    ).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(seed)

    def to_tensor(x):
        # NHWC in memory, seen by torch as NCHW with channels_last strides: no copy
        return torch.from_numpy(x).permute(0, 3, 1, 2)

    class TorchRunner(Runner):
        version = f"torch {torch.__version__}, channels_last"

        def train_epoch(self, x, y, batch_size):
            xt, labels = to_tensor(x), torch.from_numpy(y.argmax(1))
            model.train()
            order = torch.randperm(len(xt), generator=generator)
            for start in range(0, len(xt), batch_size):
                index = order[start:start + batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = nn.functional.cross_entropy(model(xt[index]), labels[index])
                loss.backward()
                optimizer.step()

        def predict(self, x, batch_size):
            xt = to_tensor(x)
            model.eval()
            with torch.inference_mode():
                return [torch.softmax(model(xt[i:i + batch_size]), 1).numpy() for i in range(0, len(xt), batch_size)]

    return TorchRunner()


def keras_runner(seed, threads):
    """Keras 3 on TensorFlow: ``model.fit`` with the original's metrics, ``predict_on_batch``.

    Parameters
    ----------
    seed, threads : int
        As for :func:`torch_runner` (TensorFlow's intra- and inter-op pools both get ``threads``).

    Returns
    -------
    Runner
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras = tf.keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((128, 128, 3)),
        keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(LEARNING_RATE), "categorical_crossentropy",
                  metrics=["categorical_accuracy", keras.metrics.AUC(name="auc")])

    class KerasRunner(Runner):
        version = f"keras {keras.__version__}, tensorflow {tf.__version__}"

        def train_epoch(self, x, y, batch_size):
            model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)

        def predict(self, x, batch_size):
            return [model.predict_on_batch(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]

    return KerasRunner()


def jax_runner(seed, threads):
    """JAX: a ``jax.jit``-compiled training step (forward, ``jax.grad``, Adam) and forward pass.

    Parameters
    ----------
    seed, threads : int
        As for :func:`torch_runner` (the worker sets XLA's thread count in XLA_FLAGS before JAX starts).

    Returns
    -------
    Runner
    """
    import jax
    import jax.numpy as jnp

    def conv(x, w, b):
        z = jax.lax.conv_general_dilated(x, w, (2, 2), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jax.nn.relu(z + b)

    def pool(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    def logits(params, x):
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
        h = pool(conv(x, w1, b1))
        h = pool(conv(h, w2, b2))
        h = jax.nn.relu(h.reshape(len(x), -1) @ w3 + b3)
        return h @ w4 + b4

    def loss_fn(params, x, y):
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits(params, x)), axis=1))

    @jax.jit
    def step(params, m, v, t, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
        alpha = LEARNING_RATE * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + 1e-7), params, m, v)
        return params, m, v, t

    forward = jax.jit(lambda params, x: jax.nn.softmax(logits(params, x)))

    rng = np.random.default_rng(seed)

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return jnp.asarray(rng.uniform(-limit, limit, shape).astype(np.float32))

    params = [(glorot((3, 3, 3, 8), 27, 72), jnp.zeros(8)), (glorot((3, 3, 8, 8), 72, 72), jnp.zeros(8)),
              (glorot((392, 16), 392, 16), jnp.zeros(16)), (glorot((16, 4), 16, 4), jnp.zeros(4))]
    state = {"params": params, "m": jax.tree_util.tree_map(jnp.zeros_like, params),
             "v": jax.tree_util.tree_map(jnp.zeros_like, params), "t": jnp.zeros((), jnp.float32)}

    class JaxRunner(Runner):
        version = f"jax {jax.__version__}"

        def train_epoch(self, x, y, batch_size):
            order = rng.permutation(len(x))
            p, m, v, t = state["params"], state["m"], state["v"], state["t"]
            for start in range(0, len(x), batch_size):
                index = order[start:start + batch_size]
                p, m, v, t = step(p, m, v, t, x[index], y[index])
            jax.block_until_ready(p)
            state.update(params=p, m=m, v=v, t=t)

        def predict(self, x, batch_size):
            out = [forward(state["params"], x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
            return [np.asarray(o) for o in out]

    return JaxRunner()
