"""Shared fixtures for the benchmarks (run: pytest bench/ --benchmark-only --benchmark-group-by=group)."""
import numpy as np
import pytest

import fastcnn


@pytest.fixture(scope="session")
def galaxy_batch_data():
    """640 random 128x128x3 images with one-hot labels (speed does not depend on content)."""
    rng = np.random.default_rng(0)
    x = rng.random((640, 128, 128, 3), dtype=np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, len(x))]
    return x, y


def compiled_model(seed=0):
    model = fastcnn.galaxy_classifier(seed=seed)
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    return model
