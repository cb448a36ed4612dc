"""``Sequential.predict``: the model's outputs for images, batch by batch, optionally averaged over symmetric views."""
import numpy as np

from .augment import averaged_predictions
from .inputs import as_model_input, check_count, standardization_of


def predict(model, x, batch_size=32, tta=False):
    """The model's outputs for images ``x``, computed in batches.

    Parameters
    ----------
    model : Sequential
        ``self`` when called as ``model.predict``; compiled or not.
    x : ndarray or row source, (N, H, W, C) uint8 or float
    batch_size : int, default 32
    tta : bool, default False
        Test-time averaging: the mean of the outputs (the softmax) over the 8 exact rotations and
        mirror images of every image, or over the image and its mirror when the model was trained
        with ``augment="flip"`` or the images are not square (:mod:`fastcnn.augment`).

    Returns
    -------
    ndarray, (N, classes), the parameters' dtype
    """
    x = model.check_data(x)
    batch_size = check_count(batch_size, "batch_size")
    if not isinstance(tta, bool):
        raise TypeError(f"tta must be True or False, got {tta!r}")
    if tta:
        return averaged_predictions(model, x, batch_size)
    outputs = np.empty((len(x),) + model.output_shape, dtype=model.dtype)
    plan = model.plan() if model.compiled else None
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        if plan is not None:
            head = plan.forward(*plan.batch_source(x, np.arange(start, stop)), training=False)
            outputs[start:stop] = plan.outputs(head)
            continue
        out = as_model_input(np.asarray(x[start:stop]), model.layers[0], model.dtype,
                             standardization_of(model.preprocessing))
        for layer in model.layers:  # not compiled: layer by layer
            out = layer.forward(out, training=False)
        outputs[start:stop] = out
    return outputs
