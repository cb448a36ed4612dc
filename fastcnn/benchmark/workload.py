"""What ``fastcnn benchmark`` times: the data, and a runner per framework."""
import numpy as np

from . import peers


def make_data(pixels, images, seed=0, uint8=False):
    """``images`` training images and one-hot labels.

    ``pixels="galaxies"``: the built-in procedural galaxies, repeated if more
    are asked for (real-looking activations); ``"random"``: uniform noise.
    uint8 pixels for fastcnn's own input, else float32 scaled to [0, 1]
    (what the peers get, and fastcnn too in the headline comparison).

    Parameters
    ----------
    pixels : {"galaxies", "random"}
    images : int
        How many images.
    seed : int, default 0
        Seeds the random pixels and labels (the galaxies are always the built-in set).
    uint8 : bool, default False

    Returns
    -------
    x : numpy.ndarray
        (images, 128, 128, 3) uint8, or float32 in [0, 1].
    y : numpy.ndarray
        (images, 4) float32 one-hot labels.
    """
    if pixels == "galaxies":
        from ..data import load_builtin

        dataset = load_builtin((128, 128))
        reps = -(-images // len(dataset.images))
        x = np.concatenate([dataset.images] * reps)[:images]
        y = np.concatenate([dataset.one_hot()] * reps)[:images].astype(np.float32)
    else:
        rng = np.random.default_rng(seed)
        x = rng.integers(0, 256, (images, 128, 128, 3), dtype=np.uint8)
        y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, images)]
    return (x, y) if uint8 else (x.astype(np.float32) / np.float32(255), y)


def fastcnn_runner(seed, threads, uint8=False):
    """fastcnn itself: ``Sequential.fit`` for one epoch (metrics included), ``predict``.

    Parameters
    ----------
    seed : int
        Seeds the initial weights.
    threads : int
        Exactly this many threads (``share=False``).
    uint8 : bool, default False
        The runner asks for uint8 pixels (fastcnn's own input).

    Returns
    -------
    Runner
    """
    import fastcnn

    # exactly ``threads``, like the peers: the other workers' idle thread pools may spin for a
    # moment after their rounds, and fastcnn would otherwise step aside for them
    fastcnn.set_num_threads(threads, share=False)
    model = fastcnn.galaxy_classifier(seed=seed)
    model.compile(fastcnn.Adam(peers.LEARNING_RATE), "categorical_crossentropy", ["categorical_accuracy", "auc"])

    class FastcnnRunner(peers.Runner):
        version = f"fastcnn {fastcnn.__version__}"

        def train_epoch(self, x, y, batch_size):
            model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)

        def predict(self, x, batch_size):
            return model.predict(x, batch_size=batch_size)

    runner = FastcnnRunner()
    runner.uint8 = uint8
    return runner


RUNNERS = {
    "fastcnn": fastcnn_runner,
    "fastcnn-uint8": lambda seed, threads: fastcnn_runner(seed, threads, uint8=True),
    "torch": peers.torch_runner,
    "keras": peers.keras_runner,
    "jax": peers.jax_runner,
}


def make_runner(framework, seed, threads):
    """The runner for ``framework``, built in this process.

    Parameters
    ----------
    framework : str
        A key of :data:`RUNNERS`.
    seed : int
    threads : int

    Returns
    -------
    Runner
    """
    return RUNNERS[framework](seed, threads)
