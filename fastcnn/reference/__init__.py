"""Plain-NumPy reference twins of every kernel in :mod:`fastcnn.kernels`.

Written for clarity, not speed: they are the specification the tests compare
the compiled kernels against, and the baseline the benchmarks measure.
Same function names, same signatures, same results.
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

#: every twin imported above, by name (a test checks these are the names of ``fastcnn.kernels.__all__``)
__all__ = sorted(name for name, value in list(globals().items()) if callable(value) and not name.startswith("_"))
