"""How ``fastcnn train`` weighs its loss: ``--class-weight`` and ``--label-smoothing``.

``--class-weight balanced`` gives class c the weight n / (k * n_c), with n
training images, k classes and n_c training images of class c (scikit-learn's
and Keras's tutorials' "balanced" rule: every class then carries the same total
weight).  ``--class-weight Merger=3,Other=1`` names some classes' weights; the
others weigh 1.  The weights used are recorded by class name in the model
file, so ``--resume`` trains on with the same ones.
"""
import math

import numpy as np

from .common import UserError


def parse_class_weight(spec):
    """The ``--class-weight`` text, checked for its form: "balanced", or {name: weight} from "NAME=W,...".

    Parameters
    ----------
    spec : str or None

    Returns
    -------
    str, dict or None
        "balanced", the named weights, or None.
    """
    if spec is None or spec.strip() == "balanced":
        return None if spec is None else "balanced"
    weights = {}
    for item in spec.split(","):
        name, sep, value = item.partition("=")
        try:
            weight = float(value) if sep and name.strip() else math.nan
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            raise UserError(f"--class-weight must be 'balanced' or NAME=WEIGHT,... with weights >= 0, "
                            f"got {item.strip()!r}")
        weights[name.strip()] = weight
    return weights


def class_weights(spec, class_names, labels):
    """The weight of each class by name, from :func:`parse_class_weight`'s result and the training labels.

    Parameters
    ----------
    spec : str, dict or None
        "balanced" or {name: weight}.
    class_names : sequence of str
    labels : ndarray of int
        The training split's class indices.

    Returns
    -------
    dict or None
        Every class name -> its weight (1 when not named; 1 for a class without training images under
        "balanced": it has no loss to weigh), or None without ``spec``.
    """
    if spec is None:
        return None
    if spec == "balanced":
        counts = np.bincount(labels, minlength=len(class_names))
        return {name: (len(labels) / (len(class_names) * int(count)) if count else 1.0)
                for name, count in zip(class_names, counts)}
    unknown = [name for name in spec if name not in class_names]
    if unknown:
        raise UserError(f"--class-weight names unknown class {unknown[0]!r}; the classes are "
                        f"{', '.join(class_names)}")
    return {name: float(spec.get(name, 1.0)) for name in class_names}


def class_weight_argument(weights, class_names):
    """``fit``'s ``class_weight`` ({class index: weight}) from the recorded weights by name.

    Parameters
    ----------
    weights : dict or None
        Class name -> weight, as :func:`class_weights` gives (or a record holds).
    class_names : sequence of str

    Returns
    -------
    dict or None
    """
    if not weights:
        return None
    unknown = [name for name in weights if name not in class_names]
    if unknown:
        raise UserError(f"the recorded class weights name unknown class {unknown[0]!r}")
    return {list(class_names).index(name): weight for name, weight in weights.items()}


def describe_loss(settings):
    """``"; class weights Merger 3.18, ...; label smoothing 0.1"`` for the model line, or "" without either.

    Parameters
    ----------
    settings : fastcnn.records.Settings

    Returns
    -------
    str
    """
    parts = []
    if settings.class_weights:
        listed = ", ".join(f"{name} {weight:.3g}" for name, weight in settings.class_weights.items())
        parts.append(f"class weights ({settings.class_weight}) {listed}")
    if settings.label_smoothing:
        parts.append(f"label smoothing {settings.label_smoothing:g}")
    return "".join("; " + part for part in parts)
