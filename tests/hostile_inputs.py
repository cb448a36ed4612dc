"""The hostile-input table of docs/hardening.md, made by running every case: ``python -m tests.hostile_inputs``.

Each case is a command a user might type, run in a scratch folder with a
small data set and model; the table shows what the user sees (the last line,
or the line that matters) and the exit status.  The same cases are tests
(tests/test_hardening.py, tests/test_hardening_outputs.py); this script only
writes them up, so the table always shows what the code does.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

FASTCNN = [sys.executable, "-m", "fastcnn_cli.main"]
SMALL = ["--image-size", "32", "--epochs", "1", "--no-plots"]


def run(args, cwd, env=None, pick=None):
    """(the line the user sees, exit status) of ``fastcnn ARGS``."""
    result = subprocess.run(FASTCNN + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                            env=dict(os.environ, **(env or {})), timeout=600)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    if pick:
        lines = [line for line in lines if pick in line] or lines
    return (lines[-1] if lines else "").strip(), result.returncode


def setup(folder):
    """The scratch folder's data set, model and odd files."""
    run(["data", "synth", "--out", "d.npz", "--n", "40", "--image-size", "32"], folder)
    run(["data", "synth", "--out", "set", "--n", "12", "--image-size", "32"], folder)
    run(["train", "--data", "d.npz", "--out", "m.npz", *SMALL], folder)
    (folder / "notes.npz").write_text("my notes")
    (folder / "outdir.npz").mkdir()
    os.mkfifo(folder / "pipe.csv")
    os.mkfifo(folder / "pipe.png")
    np.savez_compressed(folder / "zeros.npz", data=np.zeros((2000, 32, 32, 3), np.uint8),
                        labels=np.eye(4)[np.arange(2000) % 4])
    classes = folder / "classes"
    for name, images in (("Normal", range(0, 4)), ("Other", range(4, 8)), ("Empty", [])):
        (classes / name).mkdir(parents=True)
        for k in images:
            shutil.copy(folder / "set" / "images" / f"{k:05d}.png", classes / name)
    (folder / "broken.png").write_text("not an image")
    for sub in ("a", "b"):
        (folder / sub).mkdir()
        shutil.copy(folder / "set" / "images" / ("00000.png" if sub == "a" else "00001.png"), folder / sub / "x.png")
    Image.new("L", (9500, 9500)).save(folder / "huge.png")  # 90 million pixels, a few hundred kB
    Image.new("LA", (40, 40)).save(folder / "grey_alpha.png")
    Image.fromarray(np.full((40, 40), 40000, np.uint16)).save(folder / "sixteen_bit.png")
    (folder / "traversal.csv").write_text("file,label\n../../etc/passwd,a\nset/images/00000.png,b\n")
    (folder / "absolute.csv").write_text("file,label\n/etc/passwd,a\nset/images/00000.png,b\n")
    (folder / "unknown.csv").write_text("file,label\nset/images/00000.png,Normal\nset/images/00001.png,zebra\n")
    np.savez(folder / "nan.npz", data=np.full((4, 32, 32, 3), np.nan), labels=np.eye(4))
    np.savez(folder / "pickled.npz", data=np.array([{"a": 1}], dtype=object), labels=np.eye(1))
    (folder / "truncated.npz").write_bytes((folder / "m.npz").read_bytes()[:3000])
    (folder / "garbage.npz").write_bytes(b"\x00garbage" * 50)
    from tests.helpers import rewrite_model_file

    rewrite_model_file(folder / "m.npz", folder / "renamed.npz",
                       edit_config=lambda config: config.update(class_names=["Normal", "Ringed"]))


def interrupted_run(folder):
    """Ctrl-C during training: what it says, its status, and what --resume says."""
    process = subprocess.Popen(FASTCNN + ["train", "--image-size", "32", "--epochs", "40", "--out", "long.npz",
                                          "--no-plots", "-q"], cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    checkpoint = folder / "long.checkpoints" / "checkpoint.npz"
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    line = [x for x in (out + err).splitlines() if "Stopped by" in x]
    return (line[-1] if line else "").strip(), process.returncode


CASES = [
    # (case, command, optional environment, optional line to pick)
    ("the training data as --out", ["train", "--data", "d.npz", "--out", "d.npz", *SMALL]),
    ("a file fastcnn did not write as --out", ["train", "--data", "d.npz", "--out", "notes.npz", *SMALL]),
    ("a folder as --out", ["train", "--data", "d.npz", "--out", "outdir.npz", *SMALL]),
    ("an earlier model as --out", ["train", "--data", "d.npz", "--out", "m.npz", *SMALL], None, "Replacing"),
    ("predict --out onto its own image list",
     ["predict", "m.npz", "--data", "set/labels.csv", "--out", "set/labels.csv"]),
    ("--csv-log onto the training data", ["train", "--data", "set/labels.csv", "--csv-log", "set/labels.csv",
                                          "--out", "l.npz", *SMALL]),
    ("report -o onto the model", ["report", "m.npz", "-o", "m.npz"]),
    ("data synth over an existing data set", ["data", "synth", "--out", "set", "--n", "4"]),
    ("data synth over an existing .npz", ["data", "synth", "--out", "d.npz", "--n", "4"]),
    ("--out in a folder that takes no files", ["train", "--out", "/proc/m.npz", "--no-checkpoints", *SMALL]),
    ("--checkpoint-dir that takes no files", ["train", "--out", "c.npz", "--checkpoint-dir", "/proc/ck", *SMALL]),
    ("a second run on a locked --out", ["train", "--data", "d.npz", "--out", "locked.npz", *SMALL]),
    ("a temporary file left by a killed save", ["train", "--data", "d.npz", "--out", "m.npz", *SMALL], None,
     "Removed"),
    ("a model whose class names do not fit its outputs", ["predict", "renamed.npz", "set/images/00000.png"]),
    ("a compressed .npz that inflates past the limit", ["train", "--data", "zeros.npz", "--out", "z.npz", *SMALL],
     {"FASTCNN_MAX_DATA_BYTES": "1000000"}),
    ("a pipe as labels.csv", ["train", "--data", "pipe.csv", "--out", "p.npz", *SMALL]),
    ("a pipe as an image", ["predict", "m.npz", "pipe.png"]),
    ("--image-size smaller than the model takes", ["train", "--image-size", "16", "--out", "s.npz"]),
    ("an empty class folder", ["train", "--data", "classes", "--out", "e.npz", *SMALL], None, "has no images"),
    ("predict --on-bad-image skip with an unreadable file",
     ["predict", "m.npz", "set/images/00000.png", "broken.png", "--on-bad-image", "skip"], None, "skipped 1 of"),
    ("visualize two images both named x.png", ["visualize", "m.npz", "a/x.png", "b/x.png", "--out", "pics"], None,
     "x_2_prediction"),
    ("--resume of a finished run", ["train", "--resume", "m.checkpoints"]),
    ("--resume with more --epochs", ["train", "--resume", "m.checkpoints", "--epochs", "2"], None, "Resuming"),
    ("--resume with another --learning-rate",
     ["train", "--resume", "m.checkpoints", "--epochs", "3", "--learning-rate", "0.01"]),
    ("a truncated model file", ["predict", "truncated.npz", "set/images/00000.png"]),
    ("a model file that is not a zip", ["summary", "garbage.npz"]),
    ("a data set holding Python objects (pickle)", ["train", "--data", "pickled.npz", "--out", "q.npz", *SMALL]),
    ("NaN pixels", ["train", "--data", "nan.npz", "--out", "n.npz", *SMALL]),
    ("a labels CSV that leaves its folder", ["train", "--data", "traversal.csv", "--out", "t.npz", *SMALL]),
    ("a labels CSV with an absolute path", ["train", "--data", "absolute.csv", "--out", "t.npz", *SMALL]),
    ("a label the model does not know", ["evaluate", "m.npz", "--data", "unknown.csv"]),
    ("an image of 90 million pixels", ["predict", "m.npz", "huge.png"]),
    ("grey+alpha and 16-bit images", ["predict", "m.npz", "grey_alpha.png", "sixteen_bit.png"], None,
     "Predicted class"),
    ("data that does not exist", ["train", "--data", "nothing.csv", "--out", "x.npz"]),
    ("an option out of range", ["train", "--epochs", "0"]),
    ("pictures that cannot be written", ["train", "--data", "d.npz", "--out", "pic.npz", "--image-size", "32",
                                         "--epochs", "1"], None, "Warning"),
]


def main():
    folder = Path(tempfile.mkdtemp(prefix="fastcnn-hostile-"))
    env_cache = {"FASTCNN_CACHE_DIR": str(folder / "cache")}
    os.environ.update(env_cache)
    try:
        setup(folder)
        (folder / "pic.training_curves.png").mkdir()  # a folder where a picture should go
        rows = []
        for case in CASES:
            name, args = case[0], case[1]
            env, pick = (case[2] if len(case) > 2 else None), (case[3] if len(case) > 3 else None)
            if name.startswith("a temporary file"):
                (folder / ".m.npz.999999999.abcd.tmp").write_bytes(b"half a model")  # no process has that PID
            if name.startswith("a second run"):
                with open(folder / "locked.npz.lock", "a+") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    handle.write("4242\n")
                    handle.flush()
                    seen, status = run(args, folder, env, pick)
            else:
                seen, status = run(args, folder, env, pick)
            rows.append((name, "fastcnn " + " ".join(str(a) for a in args), seen.replace(str(folder) + "/", "").replace(str(folder), "."),
                         status))
        seen, status = interrupted_run(folder)
        rows.append(("Ctrl-C during training", "fastcnn train --epochs 40 ... (then Ctrl-C)", seen, status))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("| case | command | what the user sees | exit |")
    print("|---|---|---|---|")
    for name, command, seen, status in rows:
        cell = seen.replace("|", "\\|")
        print(f"| {name} | `{command}` | {cell} | {status} |")


if __name__ == "__main__":
    main()
