"""Writes the real-Keras fixtures of tests/test_keras_import.py (run once, where Keras is installed).

    pip install tensorflow-cpu==2.21.0 keras==3.15.1 h5py
    python tests/data/keras/make_fixtures.py

Each model is trained for a few steps on random data (so that the weights
and BatchNormalization's moving statistics are not their initial values),
then saved as Keras 3 ``.keras`` and legacy ``.h5``; ``<name>_io.npz``
holds the inputs and Keras's predictions (inference mode) that fastcnn must
reproduce to 1e-5.
"""
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

HERE = Path(__file__).resolve().parent


def reference():
    """The original project's architecture, on uint8 pixels / 255."""
    return keras.Sequential([
        keras.Input((128, 128, 3)),
        layers.Conv2D(8, 3, strides=2, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(8, 3, strides=2, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(16, activation="relu"), layers.Dense(4, activation="softmax"),
    ], name="galaxy_cnn")


def every_layer():
    """Every layer type and activation fastcnn imports, on 32x32 float images."""
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(8, 3, padding="same", activation="elu"),
        layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.1),
        layers.AveragePooling2D(2),
        layers.Conv2D(8, 3, activation="tanh"),
        layers.MaxPooling2D(),
        layers.Activation("sigmoid"),
        layers.ELU(alpha=0.5),
        layers.Dropout(0.3),
        layers.GlobalAveragePooling2D(),
        layers.Dense(8, activation="leaky_relu"),
        layers.BatchNormalization(),
        layers.Dense(6, activation="relu"),
        layers.Dense(4, activation="softmax"),
    ], name="every_layer")


def pooling():
    """Overlapping same-padded average pooling, global max pooling, a ReLU and a Softmax layer."""
    return keras.Sequential([
        keras.Input((20, 18, 2)),
        layers.Conv2D(6, (3, 2), strides=(1, 2), padding="same"),
        layers.ReLU(),
        layers.AveragePooling2D(3, strides=2, padding="same"),
        layers.Conv2D(5, 1, activation="sigmoid"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(3),
        layers.Softmax(),
    ], name="pooling")


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    for name, make, uint8 in (("reference", reference, True), ("every_layer", every_layer, False),
                              ("pooling", pooling, False)):
        model = make()
        shape = model.input_shape[1:]
        classes = model.output_shape[-1]
        x_train = rng.random((40,) + shape).astype("float32")
        y_train = np.eye(classes, dtype="float32")[rng.integers(0, classes, 40)]
        model.compile(keras.optimizers.Adam(1e-2), "categorical_crossentropy")
        model.fit(x_train, y_train, epochs=3, batch_size=8, verbose=0)
        if uint8:
            x = rng.integers(0, 256, (6,) + shape).astype("uint8")
            predictions = model.predict(x.astype("float32") / 255.0, verbose=0)
        else:
            x = rng.random((6,) + shape).astype("float32")
            predictions = model.predict(x, verbose=0)
        model.save(HERE / f"{name}.keras")
        model.save(HERE / f"{name}.h5")
        np.savez(HERE / f"{name}_io.npz", x=x, predictions=predictions)
        print(name, model.count_params(), "parameters")


if __name__ == "__main__":
    main()
