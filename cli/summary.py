"""``fastcnn summary``: the layer table of a model or an architecture file."""
import click

from .common import UserError, user_errors

AUGMENT_WORDS = {"dihedral": "trained on random rotations by 90 degrees and mirror images",
                 "flip": "trained on random mirror images"}


@click.command()
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
    from .models import architecture_json, summary_model

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
