"""``fastcnn train``: train the galaxy classifier and save it.

The command gathers a :class:`~fastcnn.records.TrainingRecord` (from its
options, or from the checkpoint it resumes), loads and splits the data, and
hands ``Sequential.fit`` a list of callbacks: Keras's own for
``--lr-schedule``, ``--early-stopping`` and ``--csv-log``, and the CLI's for
the record, the checkpoints and a clean stop on Ctrl-C (``cli/callbacks.py``).
What it reports and writes at the end is in ``cli/train_results.py``.
"""
import signal
import time
from pathlib import Path

import click
from click.core import ParameterSource

from .common import UserError, crop_of, data_options, echo_dataset, threads_option, use_threads, user_errors
from .recipes import RECIPES, apply_recipe


@click.command()
@data_options
@click.option("--epochs", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=0.001, show_default=True,
              help="Adam's learning rate.")
@click.option("--lr-schedule", default=None, metavar="SCHEDULE",
              help="Change the learning rate per epoch: 'cosine' (down to 0 at the last epoch) or "
                   "'step:EVERY:FACTOR' (e.g. step:5:0.5 halves it every 5 epochs), either after 'warmup:W,' "
                   "(e.g. warmup:2,cosine: up linearly to --learning-rate over W epochs first), or 'warmup:W'.")
@click.option("--normalize", type=click.Choice(["none", "per-channel"]), default="none", show_default=True,
              help="per-channel: the model sees (x/255 - mean) / std, with each channel's mean and std over the "
                   "training split, stored in the model file (evaluate and predict apply them too).")
@click.option("--early-stopping", type=click.IntRange(min=0), default=None, metavar="PATIENCE",
              help="Stop when val_loss has not improved for PATIENCE epochs, and keep the best epoch's weights.")
@click.option("--csv-log", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Write one CSV row of metrics per epoch to FILE (Keras's CSVLogger).")
@click.option("--augment", type=click.Choice(["dihedral", "flip"]), default=None,
              help="Train on a random exact view of every image: one of its 8 rotations by 90 degrees and mirror "
                   "images (dihedral, square images), or itself or its mirror image (flip).")
@click.option("--tta", is_flag=True, help="Also report the validation scores averaged over the images' views.")
@click.option("--recipe", type=click.Choice(sorted(RECIPES)), default="plain", show_default=True,
              help="plain: the original Keras settings. strong: --normalize per-channel --learning-rate 0.003 "
                   "--lr-schedule warmup:1,cosine --augment dihedral --tta (options given explicitly win).")
@click.option("--class-weight", default=None, metavar="WEIGHTS",
              help="Weigh each image's loss by its class: 'balanced' (n / (classes * n_class) from the training "
                   "split) or NAME=WEIGHT,... (other classes 1), as Keras's class_weight.")
@click.option("--label-smoothing", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              metavar="EPS",
              help="Train towards y * (1 - EPS) + EPS / classes instead of one-hot labels (Keras's label_smoothing).")
@click.option("--val-split", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Fraction held out for validation (stratified by class).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the split, the initial weights and the shuffling: same seed, same result.")
@click.option("--crop", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Keep only this central fraction of each image before resizing (e.g. 0.5 for Galaxy Zoo).")
@click.option("--image-size", type=click.IntRange(min=16), default=128, show_default=True,
              help="Images are resized to this many pixels square.")
@click.option("--model", "model_source", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Train this architecture (.json: Keras layer descriptions or a model config) "
                                   "or fine-tune this model (.npz, .keras, .h5; images are resized to its input "
                                   "size) instead of the reference classifier.")
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
@click.option("--report", "write_html", is_flag=True,
              help="Also write <out>.report.html: one offline page with the run, curves, scores, galleries of "
                   "right and wrong predictions, feature maps and filters (fastcnn report; needs Jinja2).")
@threads_option
@user_errors
def train(data_path, file_column, label_column, no_cache, on_bad_image, epochs, batch_size, learning_rate,
          lr_schedule, normalize, early_stopping, csv_log, augment, tta, recipe, class_weight, label_smoothing, val_split,
          seed, crop, image_size, model_source, out, checkpoint_dir,
          no_checkpoints, resume, quiet, plots, write_html, threads):
    """Train the reference galaxy classifier (Keras's original settings by default), or the --model given.

    A checkpoint is written after every epoch; Ctrl-C stops cleanly after the
    current batch and says how to resume (--resume DIR), which ends with the
    same weights, bit for bit, as an uninterrupted run.
    """
    import fastcnn
    from fastcnn.callbacks import parse_schedule
    from fastcnn.data import load_dataset, stratified_split
    from fastcnn.records import DataSource, Settings, Split, TrainingRecord
    from fastcnn.warmup import compile_for
    from .callbacks import Checkpointer, ResumableEarlyStopping
    from .models import check_image_size, model_to_train, starting_point
    from .outputs import claim_outputs
    from .scale_options import preloaded_dataset
    from .train_loss import class_weight_argument, class_weights, describe_loss, parse_class_weight
    from .train_setup import input_preprocessing, resumed_run, training_callbacks
    from .train_results import report_validation, save_results, where_saved, write_training_report

    started = time.perf_counter()
    use_threads(threads)
    chosen = apply_recipe(recipe, {"normalize": normalize, "learning_rate": learning_rate, "lr_schedule": lr_schedule,
                                   "augment": augment, "tta": tta})
    normalize, learning_rate, lr_schedule, augment, tta = (chosen[k] for k in ("normalize", "learning_rate",
                                                                               "lr_schedule", "augment", "tta"))
    if resume is not None:
        given = {name: value for name, value in click.get_current_context().params.items()
                 if click.get_current_context().get_parameter_source(name) == ParameterSource.COMMANDLINE}
        model, record = resumed_run(resume, given)
        checkpoint_dir, crop, size = resume, crop_of(model), tuple(model.input_shape[:2])
    else:
        start = None if model_source is None else starting_point(model_source)
        model = start if isinstance(start, fastcnn.Sequential) else None
        size = tuple(model.input_shape[:2]) if model is not None else (image_size, image_size)
        check_image_size(start, size)
        record = TrainingRecord(
            data=DataSource(None if data_path is None else str(Path(data_path).resolve()), "", file_column,
                            label_column),
            split=Split(val_split, seed),
            settings=Settings(epochs, batch_size, learning_rate, seed, str(out.resolve()), early_stopping,
                              None if csv_log is None else str(csv_log.resolve()), lr_schedule,
                              None if model_source is None else str(model_source.resolve()), augment=augment,
                              class_weight=class_weight, label_smoothing=label_smoothing, recipe=recipe))
        checkpoint_dir = None if no_checkpoints else (checkpoint_dir or out.with_name(out.stem + ".checkpoints"))
    settings, out = record.settings, Path(record.settings.out)
    if out.suffix != ".npz":
        raise UserError(f"--out must end in .npz, got {out}")
    if not out.parent.exists():
        raise UserError(f"the folder for --out does not exist: {out.parent}")
    claim_outputs(out, checkpoint_dir, record.data.path if resume is None else None, settings.csv_log)
    weighing = parse_class_weight(settings.class_weight) if resume is None else None
    if settings.early_stopping is not None and record.split.val_split == 0:
        raise UserError("--early-stopping watches val_loss: it needs a validation split (--val-split > 0)")
    schedule = parse_schedule(settings.lr_schedule, settings.learning_rate, settings.epochs) \
        if settings.lr_schedule else None

    dataset = preloaded_dataset() or load_dataset(
        record.data.path, image_size=size, crop=crop, file_column=record.data.file_column,
        label_column=record.data.label_column, use_cache=not no_cache, on_bad_image=on_bad_image,
        class_names=model.class_names if model else None)
    echo_dataset(dataset)
    if len(dataset.class_names) < 2:
        raise UserError(f"need at least two classes to train, found {list(dataset.class_names)}")
    train_index, val_index = stratified_split(dataset.labels, record.split.val_split, record.split.seed)
    if len(train_index) == 0:
        raise UserError("no training images left after the validation split")
    train_set, val_set = dataset.subset(train_index), dataset.subset(val_index)
    record.data.source, record.split.train, record.split.validation = dataset.source, len(train_set), len(val_set)
    if resume is None:
        settings.class_weights = class_weights(weighing, dataset.class_names, train_set.labels)
    click.echo(f"Split: {len(train_set)} training / {len(val_set)} validation images "
               f"(stratified, seed {record.split.seed})")

    if resume is None:
        model = model_to_train(start, size, dataset.class_names, seed)
        model.class_names = dataset.class_names
        model.preprocessing = input_preprocessing(model, train_set.images, size, crop, normalize)
        model.compile(fastcnn.Adam(learning_rate), fastcnn.CategoricalCrossentropy(label_smoothing=label_smoothing),
                      ["categorical_accuracy", "balanced_accuracy", "auc"])
    click.echo(f"Model: {model.name}, {model.count_params():,} parameters; Adam({settings.learning_rate:g}"
               f"{', ' + settings.lr_schedule + ' schedule' if schedule else ''}), batch size {settings.batch_size}, "
               f"{settings.epochs} epochs{', ' + settings.augment + ' augmentation' if settings.augment else ''}"
               f"{describe_loss(settings)}")
    callbacks, stopper = training_callbacks(model, record, schedule, checkpoint_dir, resume is not None)
    checkpointer = next((c for c in callbacks if isinstance(c, Checkpointer)), None)

    compile_seconds = compile_for(model, train_set.images, train_set.one_hot())
    if compile_seconds > 1.0:
        click.echo(f"Compiled the Numba kernels in {compile_seconds:.1f} s (cached for later runs)")
    validation = (val_set.images, val_set.one_hot()) if len(val_set) else None
    done, fit_started = record.epochs_done, time.perf_counter()
    try:
        model.fit(train_set.images, train_set.one_hot(), epochs=settings.epochs, initial_epoch=done,
                  batch_size=settings.batch_size, validation_data=validation, verbose=2 if quiet else 1,
                  callbacks=callbacks, augment=settings.augment,
                  class_weight=class_weight_argument(settings.class_weights, model.class_names))
    except fastcnn.TrainingDivergedError as error:
        raise UserError(f"training diverged at {error}; {where_saved(checkpointer)}") from None
    finally:
        stopper.restore()
    if stopper.received is not None:
        name = "Ctrl-C" if stopper.received == signal.SIGINT else "SIGTERM"
        click.echo(f"Stopped by {name} during epoch {record.epochs_done + 1} of {settings.epochs}; "
                   f"{where_saved(checkpointer)}.", err=True)
        if checkpointer is not None and checkpointer.epochs_saved:
            click.echo(f"Resume with: fastcnn train --resume {checkpoint_dir}", err=True)
        raise SystemExit(128 + int(stopper.received))
    fit_seconds = time.perf_counter() - fit_started
    record.images_per_second = round((record.epochs_done - done) * len(train_set) / max(fit_seconds, 1e-9), 1)
    record.threads = fastcnn.get_num_threads()
    click.echo(f"Trained {record.epochs_done - done} epochs in {fit_seconds:.1f} s "
               f"({record.images_per_second:,.0f} images/s, "
               f"validation included)")
    early = next((c for c in callbacks if isinstance(c, ResumableEarlyStopping)), None)
    report_validation(record, val_set, early, model if tta else None)
    record.seconds = round(time.perf_counter() - started, 2)
    save_results(model, record, out, val_set if validation is not None else None, plots)
    if write_html:
        write_training_report(model, record, out, val_set if len(val_set) else train_set)
