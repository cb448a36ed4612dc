"""``fastcnn gradcheck``: finite differences against every layer's backward pass."""
import copy
import math

import click

from .common import user_errors

GOOD = 1e-6
BAD = 1e-2


def verdict(error):
    """What a relative error says about a backward pass.

    Parameters
    ----------
    error : float
        max |analytic - numeric| / max |numeric|.

    Returns
    -------
    str
        "ok" below :data:`GOOD`, "WRONG" from :data:`BAD` on (and for NaN),
        else a hint to check again.
    """
    if error < GOOD:
        return "ok"
    if error < BAD:
        return "check (a ReLU kink or pooling tie?)"
    return "WRONG"


@click.command()
@click.argument("model_path", metavar="[MODEL]", required=False, type=click.Path(path_type=str))
@click.option("--input-size", type=click.IntRange(min=8), default=32, show_default=True,
              help="Image size for the check (small keeps it quick; the math does not depend on it).")
@click.option("--entries", type=click.IntRange(min=1), default=30, show_default=True,
              help="Entries checked per array (a random sample).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@user_errors
def gradcheck(model_path, input_size, entries, seed):
    """Check every layer's gradients against central finite differences in float64.

    Without MODEL the reference galaxy classifier is checked; with MODEL its
    architecture (and, where the shapes allow, its weights) at --input-size.
    """
    import numpy as np
    import fastcnn
    from fastcnn.gradcheck import check_layer, check_model
    from .models import load_any_model

    if model_path is None:
        model = fastcnn.galaxy_classifier(input_shape=(input_size, input_size, 3), seed=seed)
    else:
        saved = load_any_model(model_path)
        config = copy.deepcopy(saved.get_config())
        if len(saved.input_shape) == 3:  # images: checked at --input-size
            config["input_shape"] = [input_size, input_size, saved.input_shape[2]]
        model = fastcnn.Sequential.from_config(config)
        for mine, theirs in zip(model.layers, saved.layers):  # reuse weights whose shapes still fit
            for key, value in theirs.params.items():
                if mine.params[key].shape == value.shape:
                    mine.params[key][...] = value
    model.compile(fastcnn.Adam(), metrics=[])
    click.echo(f"Central differences (eps = 1e-6, float64) on {model.name}, input "
               f"{input_size}x{input_size}, up to {entries} entries per array.")
    click.echo("relative error = max |analytic - numeric| / max |numeric|: below 1e-6 the backward pass is")
    click.echo("right; above 1e-2 it is wrong; in between a ReLU input or a pooling tie sat within eps of")
    click.echo("switching (check again with another --seed).")
    click.echo("")
    rows = []
    rng = np.random.default_rng(seed)
    shape = model.input_shape
    for layer in model.layers:
        x = rng.standard_normal((2,) + shape)
        errors = check_layer(layer, x=x, max_entries=entries, seed=seed)
        for array, error in errors.items():
            rows.append((f"{layer.name} ({type(layer).__name__})", array, error))
        shape = layer.output_shape(shape)
    x = rng.random((3,) + model.input_shape)
    y = np.eye(model.output_shape[0])[rng.integers(0, model.output_shape[0], 3)]
    for name, error in check_model(model, x, y, max_entries=entries, seed=seed).items():
        rows.append(("whole model, loss", name, error))
    width = max(len(r[0]) for r in rows)
    click.echo(f"{'layer':<{width}}  {'array':<16}  {'rel. error':>10}  verdict")
    for layer, array, error in rows:
        click.echo(f"{layer:<{width}}  {array:<16}  {error:>10.2e}  {verdict(error)}")
    worst = max((r[2] for r in rows), default=0.0)
    click.echo("")
    click.echo(f"worst relative error {worst:.2e}: {verdict(worst)}" if not math.isnan(worst) else "NaN error")
    if worst >= BAD:
        raise SystemExit(1)
