"""``fastcnn warmup``: compile every kernel ahead of time."""
import click

from .common import user_errors


@click.command()
@click.option("--verbose", "-v", is_flag=True, help="One line per kernel and dtype.")
@user_errors
def warmup(verbose):
    """Compile every Numba kernel now (float32 and float64) and print how long it took.

    Compiled code is cached on disk next to fastcnn's sources (or in
    $NUMBA_CACHE_DIR), so this is slow once and near-instant afterwards.
    """
    from fastcnn.warmup import compile_all

    timings = compile_all()
    total = sum(timings.values())
    if verbose:
        width = max(len(name) for name in timings)
        for name, seconds in timings.items():
            click.echo(f"  {name:<{width}}  {seconds:7.3f} s")
    state = "compiled" if total > 2.0 else "loaded from the on-disk cache"
    click.echo(f"{len(timings)} kernel variants {state} in {total:.2f} s")
