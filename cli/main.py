"""``fastcnn`` command-line entry point.

User errors (bad arguments, missing or bad files) print one line
``Error: ...`` and exit with status 2; they never show a traceback.
"""
import sys

import click

import fastcnn

from .common import UserError, user_errors
from .benchmark import benchmark
from .data import data
from .evaluate import evaluate
from .predict import predict
from .gradcheck import gradcheck
from .train import train
from .visualize import visualize
from .warmup import warmup


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(fastcnn.__version__, "--version", prog_name="fastcnn", message="%(prog)s %(version)s")
def cli():
    """fastcnn: train and use a small CNN on the CPU, with readable Numba kernels."""


@cli.command()
@click.argument("model_path", metavar="[MODEL]", required=False, type=click.Path(path_type=str))
@click.option("--input-size", type=int, default=128, show_default=True,
              help="Without MODEL: input height and width of the reference model.")
@click.option("--classes", type=int, default=4, show_default=True, help="Without MODEL: number of classes.")
@user_errors
def summary(model_path, input_size, classes):
    """Print the layer table of a saved MODEL, or of the reference galaxy classifier."""
    if model_path is None:
        model = fastcnn.galaxy_classifier(input_shape=(input_size, input_size, 3), num_classes=classes)
        model.summary()
        return
    model = fastcnn.load_model(model_path)
    model.summary()
    if model.class_names:
        click.echo(f"Classes: {', '.join(model.class_names)}")
    if model.preprocessing is not None:
        click.echo(f"Preprocessing: {model.preprocessing.describe()}")
    record = model.training_info
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
cli.add_command(benchmark)
cli.add_command(evaluate)
cli.add_command(predict)
cli.add_command(data)
cli.add_command(warmup)
cli.add_command(visualize)
cli.add_command(gradcheck)

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
