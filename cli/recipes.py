"""``fastcnn train --recipe``: named sets of training options (imported by the command's decorators, so light)."""
import click
from click.core import ParameterSource


#: what ``--recipe`` sets, for each option the command line leaves at its default.  "strong" is the
#: best combination found on Galaxy Zoo 1 cutouts (docs/experiments/gz1.md): per-channel input
#: standardisation, Adam at 3e-3 after one warm-up epoch with a cosine decay, dihedral augmentation,
#: and the validation report averaged over the 8 views.  The architecture and epochs stay.
RECIPES = {
    "plain": {},
    "strong": {"normalize": "per-channel", "learning_rate": 0.003, "lr_schedule": "warmup:1,cosine",
               "augment": "dihedral", "tta": True},
}


def apply_recipe(recipe, options):
    """``options`` with the recipe's values where the user gave none.

    Parameters
    ----------
    recipe : {"plain", "strong"}
    options : dict of str to object
        Option name -> the value click passed (its default, unless given).

    Returns
    -------
    dict of str to object
        A new dict; options given on the command line keep their values.
    """
    context = click.get_current_context()
    chosen = dict(options)
    for name, value in RECIPES[recipe].items():
        if context.get_parameter_source(name) in (None, ParameterSource.DEFAULT):
            chosen[name] = value
    return chosen
