"""Print the CLI reference (docs/cli.md) from the commands' own help texts:
``python -m fastcnn_cli.reference > docs/cli.md``.  A test checks the file
is up to date."""
import click
from click.testing import CliRunner

from .main import cli

INTRO = """# Command-line reference

`fastcnn` is installed with the package (`pip install .`). Every command takes `-h`/`--help`.
A mistake in what you ask for (a missing file, an unreadable image, an unknown label, a file
that is not a fastcnn model, an impossible size) prints one line `Error: ...` and exits with
status 2, never a traceback. The sections below are the commands' own `--help` texts; a test
checks that every command and option appears here.

Typical session:

```bash
fastcnn train --epochs 12                      # built-in galaxies -> galaxy_model.npz (+ history, pictures)
fastcnn evaluate galaxy_model.npz --plots      # validation split: table, confusion matrix, ROC
fastcnn predict galaxy_model.npz galaxy.jpg    # probabilities and predicted class per image
fastcnn visualize galaxy_model.npz --data galaxies/labels.csv --limit 4   # feature maps
fastcnn gradcheck                              # the backward passes against finite differences
fastcnn benchmark --peers                      # images/s against PyTorch, Keras and JAX, where installed
```
"""


def commands(group=cli, prefix=()):
    """(name words, command) for every command, in help order.

    Parameters
    ----------
    group : click.Group, default the ``fastcnn`` group
    prefix : tuple of str, default ()
        The words naming ``group`` below ``fastcnn``.

    Yields
    ------
    words : tuple of str
        E.g. ``("data", "synth")``.
    command : click.Command
        A command, not a group (groups are descended into).
    """
    context = click.Context(group)
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)  # (the fastcnn group imports its commands on demand)
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def reference():
    """The Markdown of docs/cli.md.

    Returns
    -------
    str
        :data:`INTRO`, then every command's ``--help`` output (at 100 columns)
        in a section of its own.
    """
    runner = CliRunner()
    parts = [INTRO, "\n## `fastcnn`\n\n```text\n" + runner.invoke(cli, ["--help"], prog_name="fastcnn", terminal_width=100).output.rstrip()
             + "\n```\n"]
    for words, _ in commands():
        text = runner.invoke(cli, list(words) + ["--help"], prog_name="fastcnn", terminal_width=100).output
        parts.append(f"\n## `fastcnn {' '.join(words)}`\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
