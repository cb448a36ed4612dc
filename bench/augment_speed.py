"""Training time with augmentation against without, interleaved in one process: ``python -m bench.augment_speed``.

The built-in galaxies (1,400, 20% held out for validation), the reference
model, batch 5, 2 epochs per run; the runs of each setting alternate, so a
machine that slows down or speeds up touches all of them alike.  Prints each
setting's median time per epoch and its ratio to training without augmentation
(issue target: dihedral within 1.10x).  Time it on a quiet machine (``uptime``
load under 0.5, nothing else running).
"""
import argparse
import time

import numpy as np

import fastcnn
from fastcnn.data import load_builtin


def time_fit(x, y, augment, epochs):
    """Seconds per epoch of one ``fit`` of a fresh reference model."""
    model = fastcnn.galaxy_classifier(seed=0)
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy"])
    started = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=5, validation_split=0.2, verbose=0, seed=0, augment=augment)
    return (time.perf_counter() - started) / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each setting (default 9)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run (default 2)")
    args = parser.parse_args()
    data = load_builtin()
    x, y = data.images, data.one_hot()
    settings = [None, "flip", "dihedral"]
    for augment in settings:  # compile and warm the caches first
        time_fit(x, y, augment, 1)
    seconds = {augment: [] for augment in settings}
    for run in range(args.runs):
        for augment in settings if run % 2 == 0 else settings[::-1]:
            seconds[augment].append(time_fit(x, y, augment, args.epochs))
    plain = np.median(seconds[None])
    for augment in settings:
        median = np.median(seconds[augment])
        print(f"augment={str(augment):9s} {median * 1000:7.1f} ms/epoch  {median / plain:.3f}x")


if __name__ == "__main__":
    main()
