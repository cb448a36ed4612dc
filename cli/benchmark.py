"""``fastcnn benchmark``: images per second of the reference model, and against the peers."""
import json
import platform

import click

from .common import UserError, user_errors


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@click.command()
@click.option("--peers", is_flag=True,
              help="Also run the same model in PyTorch, Keras/TensorFlow and JAX, where installed "
                   "(pip install \"fastcnn[peers]\"), each in its own process, and print the ratios.")
@click.option("--pixels", type=click.Choice(["galaxies", "random"]), default="galaxies", show_default=True,
              help="The built-in galaxies, or uniform random pixels.")
@click.option("--threads", type=int, default=None,
              help="Threads for every framework. Default: the cores this process may use.")
@click.option("--rounds", type=int, default=5, show_default=True, help="Timed rounds per task (the median counts).")
@click.option("--images", type=int, default=1120, show_default=True, help="Images per round.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Also write every round's time to this JSON file.")
@user_errors
def benchmark(peers, pixels, threads, rounds, images, json_path):
    """Time training (batch 32 and 5) and prediction (batch 256) of the reference model.

    One round is an epoch of IMAGES training images (shuffled, with the
    original's metrics) or one prediction pass over them. Frameworks take
    turns, one round at a time, so a busy minute slows them all alike.
    """
    from fastcnn.benchmark import format_table, run_benchmark
    from fastcnn.progress import ProgressBar
    from fastcnn.threads import usable_cores

    threads = threads or usable_cores()
    if threads < 1 or rounds < 1 or images < 256:
        raise UserError("--threads and --rounds must be positive and --images at least 256")
    click.echo(f"fastcnn benchmark: {_cpu_name()}, {usable_cores()} usable cores, {threads} threads; "
               f"{images:,} {pixels} images, median of {rounds} rounds")
    bar = ProgressBar(1)

    def progress(done, total, label):
        bar.total = total
        bar.update(done, {})

    result = run_benchmark(threads, pixels, peers, rounds, images, progress=progress)
    if bar.live:
        click.echo("\r\033[K", nl=False)
    click.echo(format_table(result))
    for framework, version in result.versions.items():
        if framework not in result.skipped and framework != "fastcnn-uint8":
            click.echo(f"  {framework}: {version}")
    for framework, reason in result.skipped.items():
        click.echo(f"  {framework}: skipped ({reason})")
    if json_path:
        with open(json_path, "w") as handle:
            json.dump(result.to_json(), handle, indent=2)
        click.echo(f"Wrote {json_path}")
