import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Hypothesis: kernels compile on their first call (seconds), so no per-example
# deadline; a moderate number of examples keeps the suite fast on 2 cores.
settings.register_profile(
    "fastcnn",
    deadline=None,
    max_examples=int(os.environ.get("FASTCNN_HYPOTHESIS_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("fastcnn")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
