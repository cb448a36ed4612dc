"""``fastcnn`` command-line entry point.

User errors (bad arguments, bad files) print one line ``Error: ...`` and exit
with status 2; they never show a traceback.
"""
import sys

import click

import fastcnn
from fastcnn.errors import FastcnnError


class UserError(click.ClickException):
    """A problem with what the user asked for: one line, exit status 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(fastcnn.__version__, "--version", prog_name="fastcnn", message="%(prog)s %(version)s")
def cli():
    """fastcnn: train and use a small CNN on the CPU, with readable Numba kernels."""


@cli.command()
@click.option("--input-size", type=int, default=128, show_default=True, help="Input height and width in pixels.")
@click.option("--classes", type=int, default=4, show_default=True, help="Number of output classes.")
def summary(input_size, classes):
    """Print the layer table of the reference galaxy classifier."""
    try:
        model = fastcnn.galaxy_classifier(input_shape=(input_size, input_size, 3), num_classes=classes)
    except FastcnnError as error:
        raise UserError(str(error)) from None
    model.summary()


def main(argv=None):
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="fastcnn")


if __name__ == "__main__":  # python -m fastcnn_cli.main
    sys.exit(main())
