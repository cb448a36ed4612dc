"""Numba-compiled kernels: one module per operation, each forward beside its backward.

Every public function here has a plain-NumPy twin with the same name and
signature in :mod:`fastcnn.reference`; the tests hold the two equal.

Each public function checks its arguments, allocates its outputs and calls a
private ``@njit`` loop.  A few of those loops have public names ending in
``_unchecked`` (``dense_forward_unchecked``, ...): the compiled model's plan
(:mod:`fastcnn.stages`, :mod:`fastcnn.plan`) and Adam on flat buffers call
them directly, having checked and allocated everything once, when the model
was compiled.
"""
from .adam import adam_update
from .average_pooling2d import average_pooling2d_backward, average_pooling2d_forward
from .batch_normalization import (batch_normalization_backward, batch_normalization_forward,
                                  batch_normalization_inference)
from .conv2d import conv2d_backward, conv2d_forward
from .conv2d_relu_maxpool2d import conv2d_relu_maxpool2d_backward, conv2d_relu_maxpool2d_forward
from .dense import dense_backward, dense_forward
from .dihedral import dihedral_batch
from .dropout import dropout_backward, dropout_forward
from .elu import elu_backward, elu_forward
from .global_average_pooling2d import global_average_pooling2d_backward, global_average_pooling2d_forward
from .global_max_pooling2d import global_max_pooling2d_backward, global_max_pooling2d_forward
from .leaky_relu import leaky_relu_backward, leaky_relu_forward
from .maxpool2d import maxpool2d_backward, maxpool2d_forward
from .relu import relu_backward, relu_forward
from .sigmoid import sigmoid_backward, sigmoid_forward
from .softmax import softmax_backward, softmax_forward
from .softmax_cross_entropy import softmax_cross_entropy
from .tanh import tanh_backward, tanh_forward

__all__ = [
    "adam_update",
    "conv2d_forward", "conv2d_backward",
    "conv2d_relu_maxpool2d_forward", "conv2d_relu_maxpool2d_backward",
    "maxpool2d_forward", "maxpool2d_backward",
    "average_pooling2d_forward", "average_pooling2d_backward",
    "global_average_pooling2d_forward", "global_average_pooling2d_backward",
    "global_max_pooling2d_forward", "global_max_pooling2d_backward",
    "dense_forward", "dense_backward",
    "dihedral_batch",
    "relu_forward", "relu_backward",
    "softmax_forward", "softmax_backward",
    "softmax_cross_entropy",
    "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "elu_forward", "elu_backward",
    "batch_normalization_forward", "batch_normalization_inference", "batch_normalization_backward",
    "dropout_forward", "dropout_backward",
]
