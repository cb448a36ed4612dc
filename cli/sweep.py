"""``fastcnn sweep``: many training runs at once, on a local process pool or on Ray.

The data set is decoded once, here, and shared with every trial (the process
pool hands it to each worker when it starts; Ray puts it in the object store
once).  Each trial is ``fastcnn train`` with the sweep's train options, its
grid values and its seed (``cli/sweep_trial.py``), writing its model, history
and log under ``DIR/<trial id>/``.  ``DIR/sweep.json`` records the sweep, so
``--resume DIR`` can finish one that was interrupted; ``DIR/results.csv`` gets
a row per finished trial.
"""
import json
import sys
from pathlib import Path

import click

from fastcnn.scale.results import METRICS, format_table, read_results, summarize, trial_row, write_results

from .common import UserError, user_errors
from .scale_options import backend_options

@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                 "help_option_names": ["-h", "--help"]})
@click.option("--grid", "grid_specs", multiple=True, metavar="NAME=V1,V2",
              help="A train option and its values to try (repeat for more options; every combination runs). "
                   "Use ';' between values that contain commas. 'none' unsets an option.")
@click.option("--seeds", default="0", show_default=True, help="Seeds to run each setting with: 0,1,2 or 0-4.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The sweep's folder [required unless --resume].")
@backend_options
@click.option("--threads-per-trial", type=click.IntRange(min=1), default=1, show_default=True,
              help="Numba threads each trial uses; trials x threads never exceeds the cores.")
@click.option("--metric", type=click.Choice(METRICS), default="val_categorical_accuracy", show_default=True,
              help="The validation metric the table sorts by (its final value, mean over seeds).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Finish the sweep in this folder: skip its finished trials, run the rest.")
@click.pass_context
@user_errors
def sweep(context, grid_specs, seeds, out_dir, backend, address, threads_per_trial, metric, resume_dir):
    """Train one model per combination of --grid values and seed, in parallel; any `fastcnn train` option
    (data, crop, epochs, ...) after these applies to every trial.

    Example: fastcnn sweep --grid learning_rate=1e-3,3e-3 --grid augment=none,dihedral --seeds 0,1,2
    --epochs 12 --out sweep1
    """
    from fastcnn._files import atomic_write
    from fastcnn.scale import check_backend, make_backend
    from fastcnn.scale.grid import Trial, parse_grid, parse_seeds

    from .locks import OutputLock
    from .sweep_setup import SWEEP_NAME, check_arguments, new_spec, read_spec, sweep_data
    from .sweep_trial import trial_arguments, warm_up_node

    if resume_dir is not None:
        if grid_specs or out_dir is not None or context.args:
            raise UserError("--resume takes the sweep's settings from its sweep.json: give no --grid, --out or "
                            "train options with it")
        spec = read_spec(resume_dir)
        out_dir = resume_dir
    else:
        if out_dir is None:
            raise UserError("--out DIR is required (the sweep's folder)")
        if (out_dir / SWEEP_NAME).exists():
            raise UserError(f"{out_dir} already holds a sweep: --resume {out_dir} finishes it, or choose another --out")
        spec = new_spec(parse_grid(grid_specs), parse_seeds(seeds), list(context.args))
    check_backend(backend, address)
    trials = [Trial(t["number"], t["params"], t["seed"]) for t in spec["trials"]]
    tasks = [{"args": trial_arguments(spec["train_args"], trial.params, trial.seed, out_dir / trial.id),
              "directory": str(out_dir / trial.id)} for trial in trials]
    check_arguments(tasks)
    out_dir.mkdir(parents=True, exist_ok=True)
    context.with_resource(OutputLock(out_dir, "the sweep folder"))  # one sweep at a time in it
    if resume_dir is None:
        with atomic_write(out_dir / SWEEP_NAME, "w") as handle:
            json.dump(spec, handle, indent=2)
    grid_names = list(spec["grid"])
    rows = read_results(out_dir)
    todo = [i for i, trial in enumerate(trials) if rows.get(trial.id, {}).get("status") != "ok"]
    if resume_dir is not None:
        click.echo(f"Resuming {out_dir}: {len(trials) - len(todo)} of {len(trials)} trials finished")
    dataset = sweep_data(spec["train_args"])
    runner = make_backend(backend, threads_per_trial, address)
    try:
        click.echo(f"Sweep: {len(trials)} trials ({len(todo)} to run) on {runner.describe()}")
        if backend == "ray" and todo:
            runner.warm_up(warm_up_node)
        run_trials(runner, [trials[i] for i in todo], [tasks[i] for i in todo], dataset, rows, out_dir, grid_names)
    except KeyboardInterrupt:
        done = sum(row["status"] == "ok" for row in rows.values())
        click.echo(f"\nInterrupted: {done} of {len(trials)} trials finished, in {out_dir / 'results.csv'}; "
                   f"finish with: fastcnn sweep --resume {out_dir}", err=True)
        raise SystemExit(130)
    finally:
        runner.close()
    report(rows, grid_names, metric, out_dir)


def run_trials(runner, trials, tasks, dataset, rows, out_dir, grid_names):
    """Run the trials, recording each as it finishes and counting them on a progress bar.

    Parameters
    ----------
    runner : fastcnn.scale.backends.Backend
    trials : list of fastcnn.scale.grid.Trial
    tasks : list of dict
        The trials' train arguments and folders, in the same order.
    dataset : fastcnn.data.Dataset
        Shared by every trial.
    rows : dict of str to dict
        The results so far, by trial id; updated.
    out_dir : pathlib.Path
    grid_names : list of str

    Returns
    -------
    None
    """
    from fastcnn.scale import TaskFailure

    from .sweep_trial import run_trial

    total, failed = len(trials), 0
    for done, (index, result) in enumerate(runner.run(run_trial, tasks, dataset), start=1):
        trial = trials[index]
        if isinstance(result, TaskFailure):
            failed += 1
            rows[trial.id] = trial_row(trial, error=result.error)
            what = f"failed: {result.error}"
            if result.details:
                with open(Path(tasks[index]["directory"]) / "error.log", "w") as handle:
                    handle.write(result.details)
        else:
            rows[trial.id] = trial_row(trial, result["history"], result["seconds"])
            accuracy = rows[trial.id]["final_val_categorical_accuracy"] or "-"
            what = f"val_categorical_accuracy {accuracy} in {result['seconds']:.1f} s"
        write_results(out_dir, list(rows.values()), grid_names)
        width = 20
        bar = "=" * (width * done // total) + ">" * (done < total) + " " * (width - width * done // total - 1)
        click.echo(f"[{bar[:width]}] {done}/{total}{f' ({failed} failed)' if failed else ''}  {trial.id}: {what}")
        sys.stdout.flush()


def report(rows, grid_names, metric, out_dir):
    """Print the settings sorted by mean ``metric``, and where the results are.

    Parameters
    ----------
    rows : dict of str to dict
    grid_names : list of str
    metric : str
    out_dir : pathlib.Path

    Returns
    -------
    None
    """
    table = summarize(list(rows.values()), grid_names, metric)
    click.echo("")
    for line in format_table(table, grid_names, metric):
        click.echo(line)
    failed = [row for row in rows.values() if row["status"] != "ok"]
    click.echo(f"\nResults: {out_dir / 'results.csv'} ({len(rows)} trials"
               f"{f', {len(failed)} failed: see their error.log' if failed else ''})")
