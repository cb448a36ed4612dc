"""``fastcnn train``: train the galaxy classifier and save it."""
import json
import signal
import time
from pathlib import Path

import click

import fastcnn
from fastcnn import viz
from fastcnn._files import atomic_write
from fastcnn.data import load_dataset, stratified_split
from fastcnn.warmup import compile_for

from .common import UserError, data_options, echo_dataset, threads_option, use_threads, user_errors


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


CHECKPOINT_NAME = "checkpoint.npz"


class Checkpointer(fastcnn.Callback):
    """After every complete epoch, write the whole training state (weights,
    optimizer state, shuffling RNG, epoch, history, settings) to
    DIR/checkpoint.npz, atomically: the previous checkpoint stays intact until
    the new one is complete on disk."""

    def __init__(self, directory, training, history):
        self.directory = Path(directory)
        self.training = training  # data, split and settings: what --resume needs
        self.history = {key: list(values) for key, values in history.items()}
        self.epochs_saved = training.get("epochs_done", 0)

    @property
    def path(self):
        return self.directory / CHECKPOINT_NAME

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.training.update(epochs_done=epoch + 1, history=self.history)
        fastcnn.save_model(self.model, self.path, training=self.training)
        self.epochs_saved = epoch + 1


class StopOnSignal:
    """Ctrl-C (SIGINT) or SIGTERM: finish the current batch, then stop.  A
    second signal acts at once, as usual."""

    def __init__(self, model):
        self.model = model
        self.received = None
        self._previous = {}

    def _handle(self, signum, frame):
        self.received = signum
        self.model.stop_training = True
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        click.echo("\nStopping after this batch (press Ctrl-C again to abort at once)...", err=True)

    def __enter__(self):
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc):
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        return False


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
@click.option("--checkpoint-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where a checkpoint is written after every epoch [default: <out>.checkpoints beside --out].")
@click.option("--no-checkpoints", is_flag=True, help="Write no checkpoints.")
@click.option("--resume", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Continue the training whose checkpoint is in this folder; every other setting "
                   "(data, epochs, seed, ...) comes from the checkpoint.")
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write training curves, confusion matrix and ROC pictures beside the model.")
@threads_option
@user_errors
def train(data_path, file_column, label_column, no_cache, on_bad_image, epochs, batch_size, learning_rate,
          val_split, seed, crop, image_size, out, checkpoint_dir, no_checkpoints, resume, quiet, plots, threads):
    """Train the reference galaxy classifier (Keras's original settings by default).

    A checkpoint is written after every epoch; Ctrl-C stops cleanly after the
    current batch and says how to resume (--resume DIR), which ends with the
    same weights, bit for bit, as an uninterrupted run.
    """
    started = time.perf_counter()
    use_threads(threads)
    history = {}
    if resume is not None:
        checkpoint = resume / CHECKPOINT_NAME
        if not checkpoint.is_file():
            raise UserError(f"no checkpoint to resume in {resume} (expected {checkpoint})")
        model = fastcnn.load_model(checkpoint)
        info = model.training_info
        try:
            settings, data, split = info["settings"], info["data"], info["split"]
            epochs, batch_size, seed = settings["epochs"], settings["batch_size"], settings["seed"]
            learning_rate, out = settings["learning_rate"], Path(settings["out"])
            data_path, file_column, label_column = data["path"], data["file_column"], data["label_column"]
            val_split, done = split["val_split"], int(info["epochs_done"])
            history = info.get("history") or {}
        except (KeyError, TypeError):
            raise UserError(f"{checkpoint}: not a checkpoint written by fastcnn train") from None
        crop, size = model.preprocessing.get("crop"), tuple(model.input_shape[:2])
        checkpoint_dir = resume
        click.echo(f"Resuming from {checkpoint}: {done} of {epochs} epochs done")
    else:
        done, size = 0, (image_size, image_size)
        checkpoint_dir = None if no_checkpoints else (checkpoint_dir or out.with_name(out.stem + ".checkpoints"))
    if out.suffix != ".npz":
        raise UserError(f"--out must end in .npz, got {out}")
    if not out.parent.exists():
        raise UserError(f"the folder for --out does not exist: {out.parent}")

    dataset = load_dataset(data_path, image_size=size, crop=crop, file_column=file_column,
                           label_column=label_column, use_cache=not no_cache, on_bad_image=on_bad_image,
                           class_names=model.class_names if resume is not None else None)
    echo_dataset(dataset)
    if len(dataset.class_names) < 2:
        raise UserError(f"need at least two classes to train, found {list(dataset.class_names)}")
    train_index, val_index = stratified_split(dataset.labels, val_split, seed)
    if len(train_index) == 0:
        raise UserError("no training images left after the validation split")
    train_set, val_set = dataset.subset(train_index), dataset.subset(val_index)
    click.echo(f"Split: {len(train_set)} training / {len(val_set)} validation images "
               f"(stratified, seed {seed})")

    if resume is None:
        model = fastcnn.galaxy_classifier(input_shape=size + (3,), num_classes=len(dataset.class_names), seed=seed)
        model.class_names = dataset.class_names
        model.preprocessing = {"image_size": list(size), "crop": crop, "pixels": "uint8 / 255"}
        model.compile(fastcnn.Adam(learning_rate), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    click.echo(f"Model: {model.name}, {model.count_params():,} parameters; Adam({learning_rate:g}), "
               f"batch size {batch_size}, {epochs} epochs")
    training = {
        "data": {"path": None if data_path is None else str(Path(data_path).resolve()),
                 "source": dataset.source, "file_column": file_column, "label_column": label_column},
        "split": {"val_split": val_split, "seed": seed, "train": len(train_set), "validation": len(val_set)},
        "settings": {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
                     "out": str(out.resolve())},
        "epochs_done": done,
    }
    callbacks = []
    if checkpoint_dir is not None:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        callbacks.append(Checkpointer(checkpoint_dir, training, history))

    compile_seconds = compile_for(model, train_set.images, train_set.one_hot())
    if compile_seconds > 1.0:
        click.echo(f"Compiled the Numba kernels in {compile_seconds:.1f} s (cached for later runs)")
    validation = (val_set.images, val_set.one_hot()) if len(val_set) else None
    fit_started = time.perf_counter()
    with StopOnSignal(model) as stopper:
        try:
            new_history = model.fit(train_set.images, train_set.one_hot(), epochs=epochs - done,
                                    initial_epoch=done, batch_size=batch_size, validation_data=validation,
                                    verbose=2 if quiet else 1, callbacks=callbacks)
        except fastcnn.TrainingDivergedError as error:
            raise UserError(f"training diverged at {error}; {last_checkpoint(callbacks)}") from None
    if stopper.received is not None:
        name = "Ctrl-C" if stopper.received == signal.SIGINT else "SIGTERM"
        epochs_saved = callbacks[0].epochs_saved if callbacks else 0
        click.echo(f"Stopped by {name} during epoch {done + len(new_history.get('loss', [])) + 1} of {epochs}; "
                   f"{last_checkpoint(callbacks)}.", err=True)
        if callbacks and epochs_saved:
            click.echo(f"Resume with: fastcnn train --resume {checkpoint_dir}", err=True)
        raise SystemExit(128 + int(stopper.received))
    for key, values in new_history.items():
        history.setdefault(key, []).extend(values)
    fit_seconds = time.perf_counter() - fit_started
    images_seen = (epochs - done) * len(train_set)
    click.echo(f"Trained {epochs - done} epochs in {fit_seconds:.1f} s "
               f"({images_seen / max(fit_seconds, 1e-9):,.0f} images/s, validation included)")
    if validation is not None and history.get("val_loss"):
        baseline = max(val_set.class_counts().values()) / len(val_set)
        click.echo(f"Validation: categorical_accuracy {history['val_categorical_accuracy'][-1]:.4f} - "
                   f"auc {history['val_auc'][-1]:.4f} - loss {history['val_loss'][-1]:.4f} "
                   f"(majority-class baseline {baseline:.4f})")

    training.update(epochs_done=len(history.get("loss", [])), history=history,
                    seconds=round(time.perf_counter() - started, 2))
    fastcnn.save_model(model, out, training=training)
    write_json_atomically(history_path(out), history)
    click.echo(f"Saved the model to {out} and its history to {history_path(out)}")
    if plots and history:
        written = [viz.plot_training_curves(history, picture_path(out, "training_curves"))]
        if validation is not None:
            probabilities = model.predict(val_set.images, batch_size=64)
            written.append(viz.plot_confusion_matrix(val_set.labels, probabilities.argmax(1), model.class_names,
                                                     picture_path(out, "confusion_matrix")))
            written.append(viz.plot_roc(val_set.one_hot(), probabilities, model.class_names,
                                        picture_path(out, "roc")))
        click.echo("Pictures: " + ", ".join(str(p) for p in written))


def last_checkpoint(callbacks):
    """Where the last complete epoch is saved, in words."""
    if not callbacks:
        return "no checkpoints were being written"
    if not callbacks[0].epochs_saved:
        return "no epoch was complete, so there is no checkpoint yet"
    return f"the checkpoint after epoch {callbacks[0].epochs_saved} is intact in {callbacks[0].directory}"
