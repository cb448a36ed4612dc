"""``fastcnn predict``: class probabilities for images, like the original's report."""
import json
from pathlib import Path

import click

from .common import (UserError, crop_of, data_options, evaluation_data, require_images_or_data, threads_option,
                     use_threads, user_errors)
from .scale_options import backend_options, decode_arguments, echo_skipped


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=str))
@click.argument("images", nargs=-1, type=click.Path(path_type=str))
@data_options(default="none: give IMAGE files, or --data")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="With --data: only the first N images.")
@click.option("--tta", is_flag=True,
              help="Average the model's outputs over each image's 8 rotations and mirror images "
                   "(over the image and its mirror for a model trained with --augment flip).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: a JSON list.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a predictions CSV instead (file, predicted class, each class's probability, error), "
                   "shard by shard: for image lists of any size; a rerun after a crash resumes.")
@click.option("--shard-size", type=click.IntRange(min=1), default=5000, show_default=True,
              help="With --out: images per shard (a task's memory is about shard size x H x W x 3 bytes).")
@backend_options
@click.option("--threads-per-task", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --out: Numba threads per shard task.")
@threads_option
@user_errors
def predict(model_path, images, data_path, file_column, label_column, no_cache, on_bad_image, limit, tta, as_json,
            out, shard_size, backend, address, threads_per_task, threads):
    """Predict the class of each IMAGE (or of the images in --data, with their true labels)."""
    import numpy as np
    from .models import load_trained_model
    from .predict_shards import predict_sharded

    if out is not None:
        if images or as_json or limit is not None or data_path is None:
            raise UserError("--out predicts the images of --data (a .csv list or a folder) into a CSV: "
                            "give --data, and no IMAGE arguments, --json or --limit")
        return predict_sharded(model_path, data_path, file_column, out, backend, address, shard_size,
                               threads_per_task, tta)
    use_threads(threads)
    require_images_or_data(images, data_path)
    model = load_trained_model(model_path)
    size = tuple(model.input_shape[:2])
    crop = crop_of(model)
    if images:
        decoded, names = decode_arguments(images, size, crop, on_bad_image)
        pixels = np.stack(decoded)
        truth = [None] * len(names)
    else:
        dataset, _ = evaluation_data(model, data_path, file_column, label_column, no_cache, on_bad_image)
        echo_skipped(dataset)
        count = len(dataset) if limit is None else min(limit, len(dataset))
        pixels = dataset.images[:count]
        names = list(dataset.files[:count]) if dataset.files else [f"{dataset.source}#{i}" for i in range(count)]
        truth = [int(label) for label in dataset.labels[:count]]
    probabilities = model.predict(pixels, tta=tta)
    results = []
    for name, p, true_index in zip(names, probabilities, truth):
        k = int(p.argmax())
        results.append({
            "file": name,
            "probabilities": {cls: round(float(v), 6) for cls, v in zip(model.class_names, p)},
            "predicted": model.class_names[k], "predicted_index": k, "confidence": round(float(p[k]), 6),
            "true_label": None if true_index is None else model.class_names[true_index],
            "true_index": true_index,
            "correct": None if true_index is None else k == true_index,
        })
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for result, p in zip(results, probabilities):
        click.echo(result["file"])
        click.echo(f"  Model prediction: [{' '.join(f'{v:.4f}' for v in p)}]  ({', '.join(model.class_names)})")
        click.echo(f"  Predicted class: {result['predicted']} ({result['predicted_index']}), "
                   f"probability {result['confidence']:.3f}")
        if result["true_index"] is not None:
            click.echo(f"  True label: {result['true_label']} ({result['true_index']}) / Correct: {result['correct']}")
    known = [r["correct"] for r in results if r["correct"] is not None]
    if known:
        click.echo(f"{sum(known)} of {len(known)} correct ({sum(known) / len(known):.3f})")
