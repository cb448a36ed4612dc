"""``fastcnn data``: look at data sets."""
import time
from pathlib import Path

import click

from fastcnn.data.load import BUILTIN_SIZE


from .common import UserError, user_errors


@click.group()
def data():
    """Generate or inspect data sets."""


@data.command()
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="A folder (images/*.png + labels.csv), or a file ending in .npz (the original format).")
@click.option("--n", "count", type=click.IntRange(min=1), default=BUILTIN_SIZE, show_default=True,
              help="How many galaxies.  The default with --seed 0 is exactly the built-in training set.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--image-size", type=click.IntRange(min=16), default=128, show_default=True)
@click.option("--preview", is_flag=True, help="Also write a contact sheet: 8 example galaxies of each class.")
@click.option("--overwrite", is_flag=True, help="Replace an existing .npz, or the labels.csv and images of a folder.")
@user_errors
def synth(out, count, seed, image_size, preview, overwrite):
    """Write procedural galaxies as PNG files plus labels.csv, or as an .npz.

    An .npz is written in chunks, so it may be larger than memory (e.g.
    --n 100000): fastcnn train then reads it batch by batch.
    """
    from fastcnn.data import Dataset, load_builtin, write_image_folder
    from fastcnn.data.export import write_npz_in_chunks, write_synthetic_npz
    from fastcnn.data.npz import load_npz
    from fastcnn.classes import GALAXY_CLASSES
    from fastcnn.data.synth import synthesize_galaxies
    from fastcnn.viz import contact_sheet

    started = time.perf_counter()
    existing = out if out.suffix == ".npz" else out / "labels.csv"
    if existing.exists() and not overwrite:
        raise UserError(f"{existing} already exists: add --overwrite to replace it, or choose another --out")
    if out.suffix == ".npz" and out.is_dir():
        raise UserError(f"--out {out} is a folder: an .npz data set is a file")
    if out.suffix == ".npz":
        if not out.parent.exists():
            raise UserError(f"the folder for --out does not exist: {out.parent}")
        if count == BUILTIN_SIZE and seed == 0:
            dataset = load_builtin((image_size, image_size))
            write_npz_in_chunks(out, count, dataset.image_shape, [dataset.images], dataset.labels,
                                dataset.class_names)
        else:
            write_synthetic_npz(out, count, image_size, seed)
        click.echo(f"Wrote {count} galaxies to {out} in {time.perf_counter() - started:.1f} s")
        if preview:
            sample = load_npz(out, (image_size, image_size))
            sheet = contact_sheet(sample.images, sample.labels, sample.class_names, out.with_suffix(".preview.png"))
            click.echo(f"Contact sheet: {sheet}")
        click.echo(f"Train on them with: fastcnn train --data {out}")
        return
    if count == BUILTIN_SIZE and seed == 0:
        dataset = load_builtin((image_size, image_size))
    else:
        images, labels = synthesize_galaxies(count, image_size, seed=seed)
        dataset = Dataset(images=images, labels=labels, class_names=GALAXY_CLASSES, source="procedural galaxies")
    csv_path = write_image_folder(dataset, out)
    counts = ", ".join(f"{k} {v}" for k, v in dataset.class_counts().items())
    click.echo(f"Wrote {len(dataset)} images ({counts}) to {out / 'images'} and the labels to {csv_path}")
    if preview:
        sheet = contact_sheet(dataset.images, dataset.labels, dataset.class_names, out / "preview.png")
        click.echo(f"Contact sheet: {sheet}")
    click.echo(f"Train on them with: fastcnn train --data {csv_path}")
