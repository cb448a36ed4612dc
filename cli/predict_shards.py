"""``fastcnn predict MODEL --data LIST --out predictions.csv``: prediction at survey scale, shard by shard.

The image list (a CSV's file column, or a folder's images) is cut into
shards of ``--shard-size`` images; each shard is one task of the chosen
backend (:mod:`fastcnn.scale.backends`), which decodes only its own images,
predicts them and writes its CSV.  The model file travels once (its bytes
are the backend's shared object).  Finished shards survive a crash or a
Ctrl-C, and the same command again does only the rest
(:mod:`fastcnn.scale.shards`).
"""
from pathlib import Path

import click

from fastcnn.scale import TaskFailure, check_backend, make_backend
from fastcnn.scale.shards import join_shards, list_images, plan_shards, predict_shard

from .common import UserError
from .outputs import PREDICTIONS, check_output_file
from .models import load_trained_model


def predict_sharded(model_path, data_path, file_column, out, backend, address, shard_size, threads, tta):
    """Predict every image of ``data_path`` into ``out``; see the module docstring.

    Parameters
    ----------
    model_path : str
    data_path : str
        An image list (.csv) or a folder.
    file_column : str
    out : pathlib.Path
        The predictions CSV (file, predicted, probability, one column per class, error).
    backend : {"process", "ray"}
    address : str or None
    shard_size : int
    threads : int
        Numba threads per task.
    tta : bool
    """
    if out.suffix.lower() != ".csv":
        raise UserError(f"--out must be a .csv file, got {out}")
    if not out.parent.is_dir():
        raise UserError(f"the folder for --out does not exist: {out.parent}")
    check_backend(backend, address)
    check_output_file(out, "--out", [data_path, model_path], PREDICTIONS)
    model = load_trained_model(model_path)  # checked here, once, before any task starts
    model_bytes = Path(model_path).read_bytes()
    images = list_images(data_path, file_column)
    directory = out.with_name(out.name + ".shards")
    tasks, done = plan_shards(images, shard_size, model_bytes, tta, directory)
    todo = [task for task in tasks if task["index"] not in done]
    click.echo(f"{len(images):,} images in {len(tasks)} shards of up to {shard_size:,}"
               + (f"; {len(done)} shards done before, in {directory}" if done else ""))
    failed_images, failed_shards, peak = 0, [], 0.0
    if todo:
        runner = make_backend(backend, threads, address)
        click.echo(f"Predicting on {runner.describe()}")
        try:
            for count, (index, result) in enumerate(runner.run(predict_shard, todo, model_bytes), start=1):
                task = todo[index]
                if isinstance(result, TaskFailure):
                    failed_shards.append(task["index"])
                    click.echo(f"[{count}/{len(todo)}] shard {task['index']}: failed: {result.error}", err=True)
                    continue
                failed_images += result["failed"]
                peak = max(peak, result["peak_mb"])
                click.echo(f"[{count}/{len(todo)}] shard {task['index']}: {result['images']} images"
                           + (f", {result['failed']} unreadable" if result["failed"] else ""))
        except KeyboardInterrupt:
            click.echo(f"\nInterrupted; the finished shards are in {directory}: run the same command again to "
                       f"finish", err=True)
            raise SystemExit(130)
        finally:
            runner.close()
    if failed_shards:
        raise UserError(f"{len(failed_shards)} shards failed ({', '.join(map(str, failed_shards[:5]))}); the others "
                        f"are kept in {directory}: run the same command again to retry")
    rows = join_shards(tasks, model.class_names, out, directory)
    click.echo(f"Wrote {rows:,} predictions to {out}"
               + (f" ({failed_images} unreadable images listed with their error)" if failed_images else ""))
    if peak:
        click.echo(f"Largest worker memory: {peak:,.0f} MB (one shard of {shard_size:,} images at a time)")
