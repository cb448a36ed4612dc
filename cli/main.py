"""The ``fastcnn`` command: a group whose commands are imported only when one runs.

``fastcnn --help`` lists the commands from :data:`COMMANDS` without importing
them, and ``fastcnn CMD --help`` imports only CMD's module, whose top level
imports no Numba and no matplotlib: help and usage errors answer at once.
(``tests/test_cli.py`` holds the short help texts here equal to the commands'.)
"""
import importlib

import click

from fastcnn._version import __version__

from .common import UserError

#: command name -> (module in fastcnn_cli, its short help), in the order ``--help`` lists them
COMMANDS = {
    "train": ("train", "Train the reference galaxy classifier (Keras's original settings by default), or the..."),
    "sweep": ("sweep", "Train one model per combination of --grid values and seed, in parallel; any `fastcnn..."),
    "evaluate": ("evaluate", "Evaluate a saved MODEL (default data: the validation split it was trained with)."),
    "predict": ("predict", "Predict the class of each IMAGE (or of the images in --data, with their true labels)."),
    "report": ("report", "Write one HTML page about MODEL: the run, its curves, its scores on the validation..."),
    "visualize": ("visualize",
                  "Draw, for each galaxy: the image with its predicted class, the feature maps after every..."),
    "summary": ("summary", "Print the layer table of MODEL (a saved model or an architecture file), or of the..."),
    "data": ("data", "Generate or inspect data sets."),
    "convert": ("convert", "Import a Keras model (.keras from Keras 3, .h5 from Keras 2) with its weights."),
    "benchmark": ("benchmark", "Time training (batch 32 and 5) and prediction (batch 256) of the reference model."),
    "warmup": ("warmup", "Compile every Numba kernel now (float32 and float64) and print how long it took."),
    "gradcheck": ("gradcheck", "Check every layer's gradients against central finite differences in float64."),
}


class LazyCommands(click.Group):
    """A click group that imports a command's module when that command is used."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")
        return getattr(module, name)

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fastcnn", message="%(prog)s %(version)s")
def cli():
    """fastcnn: train and use a small CNN on the CPU, with readable Numba kernels."""


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


if __name__ == "__main__":
    main()
