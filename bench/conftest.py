"""Shared set-up for the benchmarks.

Run:  pytest bench/ --benchmark-only --benchmark-group-by=group --benchmark-columns=median,iqr,rounds

Every benchmark in a group processes the same number of images, so the
ratio of medians is the ratio of throughputs.  PyTorch and Keras run in the
same session when installed (pip install torch==2.13.0 tensorflow-cpu) and
are skipped otherwise.  Everything is limited to 2 threads.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # keep TensorFlow quiet
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "2")


import pytest  # noqa: E402

import fastcnn  # noqa: E402

THREADS = 2
SEED = 0


@pytest.fixture(scope="session")
def pixels():
    """The built-in procedural galaxies: 1,400 uint8 128x128x3 images, one-hot labels.

    Real-looking data, not noise: fastcnn's backward pass skips output pixels
    whose gradient is zero (ReLU off, or not a pooling maximum), so its speed
    depends on the activations, and those should be the ones of real training.
    """
    from fastcnn.data import load_builtin

    dataset = load_builtin((128, 128))
    return dataset.images, dataset.one_hot()


def fastcnn_model(seed=SEED):
    model = fastcnn.galaxy_classifier(seed=seed)
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    return model


def report(benchmark, images):
    """Record the images per round, so the table can be read as throughput."""
    benchmark.extra_info["images"] = images
    stats = benchmark.stats.stats if benchmark.stats else None
    if stats is not None:
        benchmark.extra_info["images_per_second"] = round(images / stats.median)


# ---- peers, built only when their library is installed ----------------------

def torch_model(channels_last=False):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(392, 16), nn.ReLU(), nn.Linear(16, 4),
    )
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return torch, model


def keras_model():
    tf = pytest.importorskip("tensorflow")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    except RuntimeError:
        pass  # already initialised by an earlier benchmark: same settings
    keras = tf.keras
    keras.utils.set_random_seed(SEED)
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
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy",
                  metrics=["categorical_accuracy", keras.metrics.AUC(name="auc")])
    return keras, model
