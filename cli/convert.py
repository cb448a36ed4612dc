"""``fastcnn convert``: a Keras model file into a fastcnn model file."""
from pathlib import Path

import click

from .common import UserError, user_errors


@click.command()
@click.argument("keras_path", metavar="MODEL", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The fastcnn model file to write [default: MODEL with .npz].")
@click.option("--class-names", default=None, metavar="A,B,...",
              help="Names of the model's outputs, in order [default: Normal,Ringed,Merger,Other for 4 outputs].")
@click.option("--crop", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="The central fraction of each image the Keras model was trained on (default: whole image).")
@user_errors
def convert(keras_path, out, class_names, crop):
    """Import a Keras model (.keras from Keras 3, .h5 from Keras 2) with its weights.

    The file is read as data: only known layers and arguments are accepted
    (a Lambda layer or a custom object is refused), and TensorFlow is never
    needed (h5py is: pip install "fastcnn[keras]").  The result evaluates,
    visualises and fine-tunes like a model trained here.
    """
    import fastcnn
    from fastcnn.records import Preprocessing
    from .models import output_names

    out = out or keras_path.with_suffix(".npz")
    if out.suffix != ".npz":
        raise UserError(f"--out must end in .npz, got {out}")
    if out.resolve() == keras_path.resolve():
        raise UserError("--out would overwrite the Keras file")
    model = fastcnn.from_keras(keras_path)
    names = None if class_names is None else [name.strip() for name in class_names.split(",")]
    model.class_names = output_names(model, names, keras_path)
    shape = model.input_shape
    if len(shape) == 3 and shape[0] == shape[1] and shape[2] == 3:
        model.preprocessing = Preprocessing(tuple(shape[:2]), crop)
    elif crop is not None:
        raise UserError(f"--crop needs a model of square RGB images, this one takes {shape}")
    fastcnn.save_model(model, out)
    click.echo(f"Converted {keras_path} -> {out}: {len(model.layers)} layers, {model.count_params():,} parameters, "
               f"input {shape}, classes {', '.join(model.class_names)}")
