"""All of a model's parameters in one flat buffer, and all its gradients in another.

A compiled model keeps every parameter array of every layer back to back in
one flat float buffer; each layer's ``params[key]`` is a view of its part.
Gradients likewise.  So the optimizer can update the whole model in one
kernel call (:meth:`fastcnn.optimizers.Optimizer.apply_flat`), and
``set_weights`` writes straight into the same memory.  Code that replaces a
layer's array instead of writing into it (the gradient check gives layers
float64 copies for a while) is noticed by :meth:`FlatParameters.is_current`,
and the model then makes the buffers again.
"""
import numpy as np

from .errors import ShapeError


def flat_buffer(shapes, dtype):
    """One zeroed flat array holding arrays of ``shapes`` back to back, and a view of each.

    Parameters
    ----------
    shapes : list of tuple of int
    dtype : numpy dtype

    Returns
    -------
    flat : ndarray, (sum of the sizes,)
    views : list of ndarray
        ``views[i]`` has ``shapes[i]`` and shares memory with ``flat``.
    """
    sizes = [int(np.prod(shape)) for shape in shapes]
    flat = np.zeros(sum(sizes), dtype=dtype)
    views, start = [], 0
    for shape, size in zip(shapes, sizes):
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return flat, views


class FlatParameters:
    """The flat buffers of a list of layers, and the views the layers hold.

    Parameters
    ----------
    layers : list of Layer
        Their current parameter values are copied in; afterwards each
        ``layer.params[key]`` and ``layer.grads[key]`` is a view.

    Attributes
    ----------
    params, grads : ndarray, shape (total,)
        Every parameter (gradient), layer by layer, kernel before bias.
    names : list of str
        ``"<layer>/<key>"`` of each array, in that order.
    """

    def __init__(self, layers):
        self.layers = layers
        arrays = [layer.params[key] for layer in layers for key in layer.params]
        dtype = arrays[0].dtype if arrays else np.dtype(np.float32)
        self.params, self.param_views = flat_buffer([a.shape for a in arrays], dtype)
        self.grads, self.grad_views = flat_buffer([a.shape for a in arrays], dtype)
        self.names = [f"{layer.name}/{key}" for layer in layers for key in layer.params]
        views = iter(zip(arrays, self.param_views, self.grad_views))
        for layer in layers:
            for key in layer.params:
                value, param_view, grad_view = next(views)
                np.copyto(param_view, value)
                layer.params[key], layer.grads[key] = param_view, grad_view

    def gradient_of(self, layer, key):
        """The view of the flat gradient buffer that holds ``layer.grads[key]``.

        Parameters
        ----------
        layer : Layer
        key : str
            ``"kernel"`` or ``"bias"``.

        Returns
        -------
        ndarray, shaped like the parameter
        """
        index = 0
        for other in self.layers:
            for other_key in other.params:
                if other is layer and other_key == key:
                    return self.grad_views[index]
                index += 1
        raise KeyError(f"{layer.name}/{key}")

    def is_current(self):
        """False when a layer's parameter array was replaced (not written into) since the buffers were made.

        Returns
        -------
        bool
        """
        views = iter(self.param_views)
        return all(layer.params[key] is next(views) for layer in self.layers for key in layer.params)


def check_weights(current, weights):
    """``weights`` as arrays, after checking them against the model's parameters.

    Parameters
    ----------
    current : list of (name, value, gradient)
        What ``Sequential.parameters()`` yields.
    weights : list of array_like
        One array per parameter, in the same order.

    Returns
    -------
    list of ndarray
        Each of the parameter's shape, numeric and finite (not yet cast).
    """
    if len(weights) != len(current):
        names = ", ".join(name for name, _, _ in current)
        raise ShapeError(f"expected {len(current)} weight arrays ({names}), got {len(weights)}")
    arrays = []
    for (name, param, _), value in zip(current, weights):
        value = np.asarray(value)
        if value.shape != param.shape:
            raise ShapeError(f"weight {name} must have shape {param.shape}, got {value.shape}")
        if not np.issubdtype(value.dtype, np.number) or not np.all(np.isfinite(value)):
            raise ShapeError(f"weight {name} must hold finite numbers")
        arrays.append(value)
    return arrays
