"""What the report shows, section by section, as plain data for its template (no HTML here).

:func:`report_content` computes every number and picture once; the
template (``templates/report.html.j2``) only lays them out.  The evaluation
numbers are :func:`fastcnn.evaluation.scores`, the very function behind
``fastcnn evaluate --json``, so the page and that command agree.
"""
import datetime

import numpy as np

from .. import viz
from ..evaluation import scores
from ..viz.network import layer_kind
from .pictures import figure, thumbnail
from .run import glance, reproduce_command, versions


def report_content(model, dataset, described, tta=False, per_gallery=6, inside=3):
    """The report's sections for ``model`` evaluated on ``dataset``.

    Parameters
    ----------
    model : fastcnn.Sequential
        Compiled, with class names; its ``training_info`` (if any) gives the run.
    dataset : fastcnn.data.Dataset
        The images it is evaluated on (usually its validation split).
    described : str
        What the data is, in words ("the validation split ...").
    tta : bool, default False
        Evaluate with test-time averaging over the views.
    per_gallery : int, default 6
        Thumbnails in each gallery row.
    inside : int, default 3
        Galaxies shown layer by layer.

    Returns
    -------
    dict
        The template's variables (see the template).
    """
    names = list(model.class_names)
    results, probabilities = scores(model, dataset.images, dataset.labels, tta=tta)
    predicted = probabilities.argmax(axis=1)
    record = model.training_info
    y = np.eye(len(names), dtype=np.float32)[dataset.labels]
    chosen = inside_galaxies(dataset.labels, predicted, probabilities, inside)
    return {
        "title": f"fastcnn report: {model.name}",
        "generated": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "glance": glance(model, record, dataset, described, tta),
        "command": reproduce_command(record, model.preprocessing),
        "versions": versions(),
        "curves": figure(viz.plot_training_curves, record.history)[0][1] if record and record.history else None,
        "evaluation": results | {"data": described, "images": len(dataset), "tta": tta},
        "confusion_picture": figure(viz.plot_confusion_matrix, dataset.labels, predicted, names)[0][1],
        "roc_picture": figure(viz.plot_roc, y, probabilities, names)[0][1],
        "galleries": galleries(dataset, predicted, probabilities, names, per_gallery),
        "inside": [{"caption": f"galaxy {i} (true {names[dataset.labels[i]]}, predicted {names[predicted[i]]}, "
                               f"probability {probabilities[i, predicted[i]]:.2f})",
                    "pictures": figure(_galaxy_pictures, model, dataset.images[i], int(dataset.labels[i]))}
                   for i in chosen],
        "summary": summary_rows(model),
        "filters": first_filters(model),
    }


def galleries(dataset, predicted, probabilities, names, per_gallery):
    """For each true class: its most confident right predictions, and its most confident wrong ones.

    Parameters
    ----------
    dataset : fastcnn.data.Dataset
    predicted : ndarray of int, (N,)
    probabilities : ndarray, (N, classes)
    names : list of str
    per_gallery : int

    Returns
    -------
    list of dict
        {"name", "right": [thumb...], "wrong": [thumb...], "count"} per class; a thumb is
        {"uri", "true", "predicted", "probability", "index"}.
    """
    labels, confidence = dataset.labels, probabilities[np.arange(len(predicted)), predicted]
    rows = []
    for k, name in enumerate(names):
        thumbs = {}
        for kind, mask in (("right", (labels == k) & (predicted == k)), ("wrong", (labels == k) & (predicted != k))):
            order = np.flatnonzero(mask)[np.argsort(-confidence[mask], kind="stable")][:per_gallery]
            thumbs[kind] = [{"uri": thumbnail(dataset.images[i]), "true": name, "predicted": names[predicted[i]],
                             "probability": float(confidence[i]), "index": int(i)} for i in order]
        rows.append({"name": name, "count": int((labels == k).sum()), **thumbs})
    return rows


def inside_galaxies(labels, predicted, probabilities, count):
    """Which galaxies to show layer by layer: the most confident right prediction of each class, in turn.

    Parameters
    ----------
    labels, predicted : ndarray of int, (N,)
    probabilities : ndarray, (N, classes)
    count : int

    Returns
    -------
    list of int
    """
    confidence = probabilities[np.arange(len(predicted)), predicted]
    chosen = []
    for k in range(probabilities.shape[1]):
        right = np.flatnonzero((labels == k) & (predicted == k))
        if len(right):
            chosen.append(int(right[np.argmax(confidence[right])]))
    return (chosen or list(range(min(count, len(labels)))))[:count]


def _galaxy_pictures(model, image, true_label, path):
    """:func:`fastcnn.viz.visualize_galaxy` into ``path``'s folder (``figure`` hands it a file path)."""
    return viz.visualize_galaxy(model, image, path.with_suffix(""), true_label)


def summary_rows(model):
    """The model summary: one row per layer, and the parameter totals.

    Parameters
    ----------
    model : fastcnn.Sequential

    Returns
    -------
    dict
        {"layers": [(name, type, output shape, parameters)], "total", "trainable", "non_trainable"}.
    """
    layers = [(layer.name, layer_kind(layer), str((None,) + layer.output_shape(layer.input_shape)),
               f"{layer.count_params():,}") for layer in model.layers]
    weights = list(model.named_weights())
    trainable = sum(value.size for _, value, is_trainable in weights if is_trainable)
    total = sum(value.size for _, value, _ in weights)
    return {"layers": layers, "total": f"{total:,}", "trainable": f"{trainable:,}",
            "non_trainable": f"{total - trainable:,}"}


def first_filters(model):
    """The first Conv2D's filters as small RGB images (a data URI), or None without one.

    Parameters
    ----------
    model : fastcnn.Sequential

    Returns
    -------
    str or None
    """
    from ..layers import Conv2D

    conv = next((layer for layer in model.layers if isinstance(layer, Conv2D)), None)
    if conv is None:
        return None
    return figure(viz.plot_filters, conv.params["kernel"], layer_name=conv.name)[0][1]
