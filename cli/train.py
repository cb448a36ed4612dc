"""``fastcnn train``: train the galaxy classifier and save it."""
import json
import time
from pathlib import Path

import click

import fastcnn
from fastcnn import viz
from fastcnn._files import atomic_write
from fastcnn.data import load_dataset, stratified_split
from fastcnn.warmup import compile_for

from .common import UserError, data_options, echo_dataset, user_errors


def history_path(model_path):
    """``galaxy_model.npz`` -> ``galaxy_model.history.json`` (beside the model)."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".history.json")


def picture_path(model_path, what):
    """``galaxy_model.npz`` -> ``galaxy_model.<what>.png`` (beside the model)."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.stem}.{what}.png")


def write_json_atomically(path, document):
    with atomic_write(path, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")


@click.command()
@data_options
@click.option("--epochs", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=0.001, show_default=True,
              help="Adam's learning rate.")
@click.option("--val-split", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Fraction held out for validation (stratified by class).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the split, the initial weights and the shuffling: same seed, same result.")
@click.option("--crop", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Keep only this central fraction of each image before resizing (e.g. 0.5 for Galaxy Zoo).")
@click.option("--image-size", type=click.IntRange(min=16), default=128, show_default=True,
              help="Images are resized to this many pixels square.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("galaxy_model.npz"),
              show_default=True, help="Where to write the trained model.")
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write training curves, confusion matrix and ROC pictures beside the model.")
@user_errors
def train(data_path, file_column, label_column, no_cache, epochs, batch_size, learning_rate, val_split, seed,
          crop, image_size, out, quiet, plots):
    """Train the reference galaxy classifier (Keras's original settings by default)."""
    if out.suffix != ".npz":
        raise UserError(f"--out must end in .npz, got {out}")
    if not out.parent.exists():
        raise UserError(f"the folder for --out does not exist: {out.parent}")

    started = time.perf_counter()
    size = (image_size, image_size)
    dataset = load_dataset(data_path, image_size=size, crop=crop, file_column=file_column,
                           label_column=label_column, use_cache=not no_cache)
    echo_dataset(dataset)
    if len(dataset.class_names) < 2:
        raise UserError(f"need at least two classes to train, found {list(dataset.class_names)}")
    train_index, val_index = stratified_split(dataset.labels, val_split, seed)
    if len(train_index) == 0:
        raise UserError("no training images left after the validation split")
    train_set, val_set = dataset.subset(train_index), dataset.subset(val_index)
    click.echo(f"Split: {len(train_set)} training / {len(val_set)} validation images "
               f"(stratified, seed {seed})")

    model = fastcnn.galaxy_classifier(input_shape=size + (3,), num_classes=len(dataset.class_names), seed=seed)
    model.class_names = dataset.class_names
    model.preprocessing = {"image_size": list(size), "crop": crop, "pixels": "uint8 / 255"}
    model.compile(fastcnn.Adam(learning_rate), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    click.echo(f"Model: {model.name}, {model.count_params():,} parameters; Adam({learning_rate:g}), "
               f"batch size {batch_size}, {epochs} epochs")

    compile_seconds = compile_for(model, train_set.images, train_set.one_hot())
    if compile_seconds > 1.0:
        click.echo(f"Compiled the Numba kernels in {compile_seconds:.1f} s (cached for later runs)")
    validation = (val_set.images, val_set.one_hot()) if len(val_set) else None
    fit_started = time.perf_counter()
    history = model.fit(train_set.images, train_set.one_hot(), epochs=epochs, batch_size=batch_size,
                        validation_data=validation, verbose=2 if quiet else 1)
    fit_seconds = time.perf_counter() - fit_started
    images_seen = epochs * len(train_set)
    click.echo(f"Trained {epochs} epochs in {fit_seconds:.1f} s ({images_seen / fit_seconds:,.0f} images/s, "
               f"validation included)")
    if validation is not None:
        baseline = max(val_set.class_counts().values()) / len(val_set)
        click.echo(f"Validation: categorical_accuracy {history['val_categorical_accuracy'][-1]:.4f} - "
                   f"auc {history['val_auc'][-1]:.4f} - loss {history['val_loss'][-1]:.4f} "
                   f"(majority-class baseline {baseline:.4f})")

    training = {
        "data": {"path": None if data_path is None else str(Path(data_path).resolve()),
                 "source": dataset.source, "file_column": file_column, "label_column": label_column},
        "split": {"val_split": val_split, "seed": seed, "train": len(train_set), "validation": len(val_set)},
        "settings": {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed},
        "epochs_done": len(history["loss"]),
        "history": dict(history),
        "seconds": round(time.perf_counter() - started, 2),
    }
    fastcnn.save_model(model, out, training=training)
    write_json_atomically(history_path(out), dict(history))
    click.echo(f"Saved the model to {out} and its history to {history_path(out)}")
    if plots:
        written = [viz.plot_training_curves(history, picture_path(out, "training_curves"))]
        if validation is not None:
            probabilities = model.predict(val_set.images, batch_size=64)
            written.append(viz.plot_confusion_matrix(val_set.labels, probabilities.argmax(1), model.class_names,
                                                     picture_path(out, "confusion_matrix")))
            written.append(viz.plot_roc(val_set.one_hot(), probabilities, model.class_names,
                                        picture_path(out, "roc")))
        click.echo("Pictures: " + ", ".join(str(p) for p in written))
