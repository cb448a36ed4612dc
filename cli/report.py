"""``fastcnn report``: one self-contained HTML page about a trained model (``fastcnn/report/``)."""
from pathlib import Path

import click

from .common import data_options, echo_dataset, evaluation_data, threads_option, use_threads, user_errors


def report_path(model_path):
    """``galaxy_model.npz`` -> ``galaxy_model.report.html`` (beside the model).

    Parameters
    ----------
    model_path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    path = Path(model_path)
    return path.with_name(path.stem + ".report.html")


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=str))
@data_options(default="the validation split of the data the model was trained on")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write [default: <MODEL>.report.html beside MODEL].")
@click.option("--tta", is_flag=True, help="Evaluate with the outputs averaged over each image's views.")
@threads_option
@user_errors
def report(model_path, data_path, file_column, label_column, no_cache, on_bad_image, out, tta, threads):
    """Write one HTML page about MODEL: the run, its curves, its scores on the validation split it was trained
    with (or --data), galleries of its surest right and wrong predictions, its feature maps and filters.

    The page is one file with everything inline: it opens offline in any browser and can be sent on.
    """
    from fastcnn.report import write_report
    from .models import load_trained_model
    from .outputs import REPORT, check_output_file

    use_threads(threads)
    model = load_trained_model(model_path)
    dataset, described = evaluation_data(model, data_path, file_column, label_column, no_cache, on_bad_image)
    echo_dataset(dataset)
    out = report_path(model_path) if out is None else out
    check_output_file(out, "-o", [model_path, data_path], REPORT)
    size = write_report(model, dataset, out, described, tta=tta)
    click.echo(f"Wrote the report to {out} ({size / 1e6:.1f} MB); open it in any browser")
