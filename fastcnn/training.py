"""The training loop (``Sequential.fit``); evaluation is in :mod:`fastcnn.evaluation`.

``fit`` checks its arguments once, then, for every epoch: draws a shuffled
order, cuts it into batches, and for each batch asks the model's plan for one
optimizer step (:meth:`fastcnn.plan.Plan.train_step`), keeping each batch's
probabilities for the epoch's metrics.  After the epoch it evaluates the
validation data.  Callbacks (:mod:`fastcnn.callbacks`) are called at every
step of the way, in Keras's order; the history and the progress printer are
callbacks too, the last two.
"""
import math

import numpy as np

from .augment import BatchAugmenter, check_augment
from .callbacks.base import CallbackList, History
from .errors import InvalidArgumentError, ShapeError, TrainingDivergedError
from .inputs import check_count
from .losses import class_sample_weights
from .evaluation import check_verbose, evaluate
from .progress import ProgressLogger, format_logs


def fit(model, x, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0, shuffle=True,
        seed=None, verbose=1, callbacks=None, initial_epoch=0, augment=None, class_weight=None):
    """Train ``model`` on (x, y), epochs ``initial_epoch`` to ``epochs - 1``, as Keras's ``fit`` does.

    Parameters
    ----------
    model : Sequential
        Compiled; ``self`` when called as ``model.fit``.
    x : ndarray or row source, (N, H, W, C_in) float or uint8
    y : ndarray, (N, classes)
        One-hot labels.
    epochs : int, default 1
        The index of the epoch to stop at, as in Keras: ``epochs - initial_epoch`` epochs run
        (none when ``initial_epoch >= epochs``).
    batch_size : int, default 32
    validation_data : (x_val, y_val) or None
        Evaluated after every epoch (``val_*`` logs); wins over ``validation_split``.
    validation_split : float in [0, 1), default 0.0
        Fraction of (x, y) held out from its *end*, before shuffling, as in Keras.
    shuffle : bool, default True
        A fresh permutation every epoch.
    seed : int or None
        Seeds the shuffling; None draws from ``model.shuffle_rng``.
    verbose : {0, 1, 2}, default 1
        Silent, a progress bar, or one line per epoch.
    callbacks : list of Callback or None
    initial_epoch : int, default 0
        The first epoch's index (to resume a run: ``fit(x, y, epochs=12, initial_epoch=5)`` runs
        epochs 5 to 11).
    augment : {None, "dihedral", "flip"}, default None
        Every training image of every batch is replaced by one of its 8 exact rotations by 90 degrees
        and mirror images (``"dihedral"``, square images only) or by itself or its mirror image
        (``"flip"``), drawn from ``model.augment_rng`` (or from ``seed``); validation data never is.
        Recorded as ``model.augment`` (:mod:`fastcnn.augment`).
    class_weight : dict or None
        ``{class index: weight}``, as in Keras: each training sample's loss is multiplied by its class's
        weight (absent classes weigh 1) and the batch loss is the weighted sum over the batch size
        (Keras 3's ``"sum_over_batch_size"``).  The training ``loss`` logged is this weighted loss; the
        metrics and everything on the validation data stay unweighted.

    Returns
    -------
    History
    """
    model.require_compiled()
    x, y = model.check_data(x, y)
    epochs = check_count(epochs, "epochs", allow_zero=True)
    initial_epoch = check_count(initial_epoch, "initial_epoch", allow_zero=True)
    batch_size = check_count(batch_size, "batch_size")
    check_verbose(verbose)
    augment = check_augment(augment, model.input_shape)
    x, y, x_val, y_val = _split(model, x, y, validation_data, validation_split)
    weights = class_sample_weights(class_weight, y)
    rng = np.random.default_rng(seed) if seed is not None else model.shuffle_rng
    augmenter = None if augment is None else BatchAugmenter(
        augment, np.random.default_rng([seed, 3]) if seed is not None else model.augment_rng)
    if epochs > initial_epoch:
        model.augment = augment
    steps = math.ceil(len(x) / batch_size)
    history = History()
    params = {"epochs": epochs, "steps": steps, "verbose": verbose}
    progress = ProgressLogger(verbose if epochs > initial_epoch else 0, x, x_val, batch_size)
    callbacks = CallbackList(list(callbacks or []) + [history, progress], model, params)
    model.stop_training = False
    callbacks.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, epochs):
        callbacks.on_epoch_begin(epoch)
        logs = _epoch(model, (x, y, weights), rng.permutation(len(x)) if shuffle else np.arange(len(x)), shuffle,
                      batch_size, epoch, callbacks, progress, augmenter)
        if logs is None:  # stopped inside the epoch: a partial epoch is not recorded
            break
        if x_val is not None and len(x_val):
            val_logs = evaluate(model, x_val, y_val, batch_size=max(batch_size, 32))
            logs.update({f"val_{key}": value for key, value in val_logs.items()})
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs or None)
    return history


def _split(model, x, y, validation_data, validation_split):
    """(x, y, x_val, y_val): ``validation_data``, or the *last* fraction of (x, y), as Keras holds it out."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise InvalidArgumentError("validation_data must be a pair (x_val, y_val)")
        x_val, y_val = model.check_data(*validation_data, name="x_val")
    else:
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
                or not 0.0 <= validation_split < 1.0:
            raise InvalidArgumentError(f"validation_split must be in [0, 1), got {validation_split!r}")
        n_val = int(len(x) * validation_split)
        x_val, y_val = (x[len(x) - n_val:], y[len(y) - n_val:]) if n_val else (None, None)
        x, y = x[:len(x) - n_val], y[:len(y) - n_val]
    if len(x) == 0:
        raise ShapeError("no training samples left (empty x or validation_split too large)")
    return x, y, x_val, y_val


def _epoch(model, data, order, shuffle, batch_size, epoch, callbacks, progress, augmenter=None):
    """One pass over ``data`` = (x, y, sample weights or None) in ``order``; its logs, or None when training
    stopped inside it.

    The metrics are those of the probabilities each batch produced *before*
    its update, as Keras reports them.
    """
    plan, (x, y, weights) = model.plan(), data
    probabilities = np.empty((len(x),) + model.output_shape, dtype=model.dtype)
    targets = np.empty((len(x),) + model.output_shape, dtype=model.dtype)
    loss_sum, seen = 0.0, 0
    for step in range(math.ceil(len(x) / batch_size)):
        index = order[step * batch_size:(step + 1) * batch_size]
        if shuffle:
            index = np.sort(index)  # same batch, but reads stay sequential (memmaps)
        y_batch = np.asarray(y[index])
        callbacks.on_train_batch_begin(step)
        views = None if augmenter is None else augmenter.draw(len(index))
        loss, probs, not_finite = plan.train_step(x, index, y_batch, model.optimizer,
                                                  None if weights is None else weights[index], views)
        if not math.isfinite(loss) or not_finite:
            callbacks.on_train_batch_end(step, {"loss": loss})
            if not_finite == 0 and model.stop_training:  # TerminateOnNaN: stop, nothing was updated
                return None
            progress.interrupted()
            raise TrainingDivergedError(f"epoch {epoch + 1}, batch {step + 1}: {divergence(model, loss)}")
        probabilities[seen:seen + len(index)] = probs
        targets[seen:seen + len(index)] = y_batch
        loss_sum += loss * len(index)
        seen += len(index)
        callbacks.on_train_batch_end(step, {"loss": loss})
        progress.batch_done(step, loss_sum / seen, probs, y_batch)
        if model.stop_training:
            break
    if seen < len(x):
        progress.interrupted()
        return None
    logs = {"loss": loss_sum / seen}
    logs.update({name: fn(targets[:seen], probabilities[:seen]) for name, fn in model.metrics})
    return logs


def divergence(model, loss):
    """What went wrong in a step whose loss or weights stopped being finite, in words.

    Parameters
    ----------
    model : Sequential
    loss : float
        The step's loss.

    Returns
    -------
    str
        The loss if it is not finite, else the first weight that is not.
    """
    if not math.isfinite(loss):
        return f"loss became {loss} (check the learning rate and the input scaling)"
    name = next(name for name, value, _ in model.parameters() if not np.isfinite(value).all())
    return f"weight {name} became NaN or infinite (lower the learning rate)"
