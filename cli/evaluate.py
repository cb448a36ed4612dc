"""``fastcnn evaluate``: loss, accuracy, AUC, balanced accuracy, macro F1, per-class scores, confusion matrix."""
import json

import click

from .common import (data_options, echo_dataset, evaluation_data, picture_path,
                     threads_option, use_threads, user_errors)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=str))
@data_options(default="the validation split of the data the model was trained on")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--tta", is_flag=True,
              help="Average the model's outputs over each image's 8 rotations and mirror images "
                   "(over the image and its mirror for a model trained with --augment flip).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")
@click.option("--plots", is_flag=True,
              help="Also write <model>.evaluate.confusion_matrix.png and <model>.evaluate.roc.png beside MODEL.")
@threads_option
@user_errors
def evaluate(model_path, data_path, file_column, label_column, no_cache, on_bad_image, batch_size, tta, as_json,
             plots, threads):
    """Evaluate a saved MODEL (default data: the validation split it was trained with)."""
    from fastcnn import viz
    from fastcnn.evaluation import scores
    from .models import load_trained_model
    from .tables import confusion_table, per_class_table
    from .train_results import views_in_words

    use_threads(threads)
    model = load_trained_model(model_path)
    dataset, described = evaluation_data(model, data_path, file_column, label_column, no_cache, on_bad_image)
    if not as_json:
        echo_dataset(dataset)
        click.echo(f"Evaluating {model_path} on {described}")
        if tta:
            click.echo(f"Test-time averaging over {views_in_words(model, dataset.images.shape[1:])}")
    results, probabilities = scores(model, dataset.images, dataset.labels, batch_size=batch_size, tta=tta)
    predicted = probabilities.argmax(axis=1)
    pictures = []
    if plots:
        pictures.append(viz.plot_confusion_matrix(dataset.labels, predicted, model.class_names,
                                                  picture_path(model_path, "evaluate.confusion_matrix")))
        pictures.append(viz.plot_roc(dataset.one_hot(), probabilities, model.class_names,
                                     picture_path(model_path, "evaluate.roc")))
    if as_json:
        click.echo(json.dumps({"data": described, "images": len(dataset), "tta": tta} | results
                              | {"pictures": [str(p) for p in pictures]}, indent=2))
        return
    logs, macro, baseline = results, results["auc_macro"], results["majority_baseline"]
    balanced, f1 = results["balanced_accuracy"], results["macro_f1"]
    scores_by_class = {key: [results["per_class"][name][key] for name in model.class_names]
                       for key in ("precision", "recall", "f1", "support")}
    counts = results["confusion_matrix"]
    click.echo(f"loss {logs['loss']:.4f} - categorical_accuracy {logs['categorical_accuracy']:.4f} - "
               f"auc {logs['auc']:.4f} (micro, as Keras) - auc_macro {macro:.4f} - "
               f"majority-class baseline {baseline:.4f}")
    click.echo(f"balanced_accuracy {balanced:.4f} (mean recall per class) - macro_f1 {f1:.4f}")
    click.echo("")
    click.echo(per_class_table(model.class_names, scores_by_class))
    click.echo("")
    click.echo("Confusion matrix (rows: true class, columns: predicted class)")
    click.echo(confusion_table(model.class_names, counts))
    if pictures:
        click.echo("Pictures: " + ", ".join(str(p) for p in pictures))
