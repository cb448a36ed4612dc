"""``fastcnn`` command-line entry point.

User errors (bad arguments, missing or bad files) print one line
``Error: ...`` and exit with status 2; they never show a traceback.
"""
import sys

import click

import fastcnn

from .common import UserError, user_errors
from .convert import convert
from .models import architecture_json, summary_model
from .benchmark import benchmark
from .data import data
from .evaluate import evaluate
from .predict import predict
from .report import report
from .gradcheck import gradcheck
from .sweep import sweep
from .train import train
from .visualize import visualize
from .warmup import warmup

AUGMENT_WORDS = {"dihedral": "trained on random rotations by 90 degrees and mirror images",
                 "flip": "trained on random mirror images"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(fastcnn.__version__, "--version", prog_name="fastcnn", message="%(prog)s %(version)s")
def cli():
    """fastcnn: train and use a small CNN on the CPU, with readable Numba kernels."""


@cli.command()
@click.argument("model_path", metavar="[MODEL]", required=False, type=click.Path(path_type=str))
@click.option("--model", "model_option", type=click.Path(path_type=str), default=None, metavar="FILE",
              help="The same as MODEL: a model file (.npz, .keras, .h5) or an architecture file (.json).")
@click.option("--input-size", type=int, default=128, show_default=True,
              help="Input height and width of the reference model, and of an architecture file that does "
                   "not say its input shape.")
@click.option("--classes", type=int, default=4, show_default=True, help="Without MODEL: number of classes.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the architecture as a JSON file for 'fastcnn train --model' instead of the table.")
@user_errors
def summary(model_path, model_option, input_size, classes, as_json):
    """Print the layer table of MODEL (a saved model or an architecture file), or of the reference classifier."""
    if model_path is not None and model_option is not None:
        raise UserError("give MODEL or --model, not both")
    model_path = model_path or model_option
    model = summary_model(model_path, input_size, classes)
    if as_json:
        click.echo(architecture_json(model))
        return
    model.summary()
    if getattr(model, "class_names", None):
        click.echo(f"Classes: {', '.join(model.class_names)}")
    if getattr(model, "preprocessing", None) is not None:
        click.echo(f"Preprocessing: {model.preprocessing.describe()}")
    if getattr(model, "augment", None) is not None:
        click.echo(f"Augmentation: {model.augment} ({AUGMENT_WORDS[model.augment]}); "
                   f"evaluate/predict --tta average over them")
    record = getattr(model, "training_info", None)
    if record is not None and record.epochs_done:
        history, source = record.history, record.data.source if record.data else "?"
        line = f"Trained: {record.epochs_done} epochs on {source}"
        if record.stopped_early:
            line += " (stopped early)"
        if history.get("val_categorical_accuracy"):
            line += (f"; final val_categorical_accuracy {history['val_categorical_accuracy'][-1]:.4f}, "
                     f"val_auc {history['val_auc'][-1]:.4f}")
        click.echo(line)


cli.add_command(train)
cli.add_command(sweep)
cli.add_command(benchmark)
cli.add_command(evaluate)
cli.add_command(predict)
cli.add_command(report)
cli.add_command(data)
cli.add_command(warmup)
cli.add_command(visualize)
cli.add_command(gradcheck)
cli.add_command(convert)

__all__ = ["cli", "main", "UserError"]


def main(argv=None):
    """Console-script entry point.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``fastcnn``; default ``sys.argv[1:]``.

    Returns
    -------
    NoReturn
        Click's standalone mode ends by raising ``SystemExit`` with the exit status.
    """
    return cli.main(args=argv, prog_name="fastcnn")


if __name__ == "__main__":  # python -m fastcnn_cli.main
    sys.exit(main())
