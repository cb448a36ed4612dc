"""Which layers a compiled model runs together: its layers turned into the plan's stages.

The fast plan (Numba kernels) fuses a ``Conv2D`` with the 2x2 ``MaxPool2D``
after it (:class:`fastcnn.stages.ConvPoolStage`), a ``Dense`` with its ReLU
(:class:`~fastcnn.stages.DenseStage`, which also stops at the logits when
the softmax is fused into the loss), and makes ``Flatten`` a reshape; every
other layer, and every layer of the NumPy plan, is a
:class:`~fastcnn.stages.LayerStage`.
"""
from .layers.activations import ReLU
from .layers.dense import Dense
from .layers.flatten import Flatten
from .stages import ConvPoolStage, DenseStage, FlattenStage, LayerStage, fuses_with_pool


def fuse_stages(layers, fusion, parameters, fast):
    """The stages that compute ``layers``, in order.

    Parameters
    ----------
    layers : list of Layer
        Built.
    fusion : {None, "activation", "layer"}
        How the softmax meets the loss (:func:`fastcnn.losses.loss_fusion`):
        "layer" skips a last Softmax layer, "activation" stops the last
        layer at its logits.
    parameters : FlatParameters
        The model's flat buffers: the stages write their gradients into them.
    fast : bool
        True: fused stages on the Numba kernels; False: one LayerStage per layer.

    Returns
    -------
    list of Stage
    """
    stages, index = [], 0
    last = len(layers) - (1 if fusion == "layer" else 0)
    while index < last:
        layer = layers[index]
        is_last = index == last - 1
        grads = {key: parameters.gradient_of(layer, key) for key in layer.params}
        if fast and index + 1 < last and fuses_with_pool(layer, layers[index + 1]):
            stages.append(ConvPoolStage(layer, layers[index + 1], grads["kernel"], grads["bias"]))
            index += 2
            continue
        logits_only = is_last and fusion == "activation"
        if fast and isinstance(layer, Dense) and (layer.activation is None or logits_only
                                                  or isinstance(layer.activation, ReLU)):
            stages.append(DenseStage(layer, grads["kernel"], grads["bias"]))
        elif fast and isinstance(layer, Flatten):
            stages.append(FlattenStage())
        else:
            stages.append(LayerStage(layer, grads, linear=logits_only))
        index += 1
    return stages
