"""What ``fastcnn benchmark`` times: the data, and a runner per framework."""
import numpy as np

from . import peers


def make_data(pixels, images, seed=0, float_pixels=True):
    """``images`` training images and one-hot labels.

    ``pixels="galaxies"`` takes the built-in procedural galaxies (real-looking
    activations), ``"random"`` uniform noise.  Float pixels are scaled to
    [0, 1] (what the peers get); otherwise uint8 (fastcnn's own input).
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
    if float_pixels:
        x = x.astype(np.float32) / np.float32(255)
    return x, y


def fastcnn_runner(batch_size, seed, threads):
    """fastcnn itself: ``Sequential.fit`` for one epoch (metrics included), ``predict``."""
    import fastcnn

    model = fastcnn.galaxy_classifier(seed=seed)
    model.compile(fastcnn.Adam(peers.LEARNING_RATE), "categorical_crossentropy", ["categorical_accuracy", "auc"])

    class Runner:
        def train_epoch(self, x, y):
            model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)

        def predict(self, x):
            return model.predict(x, batch_size=batch_size)

    return Runner()


RUNNERS = {
    "fastcnn": fastcnn_runner,
    "fastcnn-uint8": fastcnn_runner,
    "torch": peers.torch_runner,
    "keras": peers.keras_runner,
    "jax": peers.jax_runner,
}


def make_runner(framework, batch_size, seed, threads):
    return RUNNERS[framework](batch_size, seed, threads)
