"""``fastcnn data``: look at data sets."""
from pathlib import Path

import click

from fastcnn.data import load_builtin, write_image_folder

from .common import user_errors


@click.group()
def data():
    """Generate or inspect data sets."""


@data.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write images/*.png and labels.csv into.")
@click.option("--image-size", type=click.IntRange(min=16), default=128, show_default=True)
@user_errors
def synth(out, image_size):
    """Write the built-in procedural galaxies as PNG files plus labels.csv."""
    dataset = load_builtin((image_size, image_size))
    csv_path = write_image_folder(dataset, out)
    counts = ", ".join(f"{k} {v}" for k, v in dataset.class_counts().items())
    click.echo(f"Wrote {len(dataset)} images ({counts}) to {out / 'images'} and the labels to {csv_path}")
    click.echo(f"Train on them with: fastcnn train --data {csv_path}")
