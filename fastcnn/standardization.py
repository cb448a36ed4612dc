"""Per-channel input standardisation: the model sees (x/255 - mean_c) / std_c.

A :class:`Standardization` holds the mean and standard deviation, per
channel, of the training images' pixels read as x/255 (uint8) or as given
(float, already scaled).  It is stored in the model file as part of
:class:`fastcnn.records.Preprocessing` (``normalize``), so training,
validation, ``evaluate``, ``predict`` and ``visualize`` all see the same
input.  :meth:`Standardization.of` computes it in one streaming pass over a
data set (a few thousand pixels at a time, so uint8 images are never copied
whole to float).

How the model applies it, with no extra pass over the data:

* **folded** into a first ``Conv2D`` + ``MaxPool2D`` stage with "valid"
  padding (the reference model's): the affine map v = x * s_c + t_c, with
  s_c = 1 / (255 std_c) for uint8 (1 / std_c for float) and
  t_c = -mean_c / std_c, goes into the weights the kernel uses, exactly as
  the 1/255 already does::

      w'[kh, kw, c, o] = w[kh, kw, c, o] * s_c
      b'[o]            = b[o] + sum_{kh, kw, c} w[kh, kw, c, o] * t_c

  The kernel's gradients are those for x/255; the model's real weights get
  dL/dw = (dL/dw' - mean_c dL/db) / std_c and dL/db unchanged
  (:meth:`Standardization.unfold_gradient`);
* **explicitly**, for any other first layer (or "same" padding, whose zero
  border must be zero *after* standardising): the batch is standardised to
  floats when it is assembled (:meth:`Standardization.apply`).

The two agree to float32 round-off (tests/test_standardization.py).
"""
import math
from dataclasses import dataclass

import numpy as np

from .errors import InvalidArgumentError

KIND = "per-channel"
CHUNK_PIXELS = 1 << 20  # pixels per chunk of the streaming pass


def _channel_values(values, what):
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, (list, tuple)) or not values or not all(
            not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        raise InvalidArgumentError(f"{what} must be a non-empty list of finite numbers, one per channel, got {values!r}")
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class Standardization:
    """Per-channel mean and standard deviation of the training pixels (as x/255 for uint8).

    Parameters
    ----------
    mean : sequence of float
        One per channel.
    std : sequence of float
        One per channel, each > 0.
    """

    mean: tuple
    std: tuple

    def __post_init__(self):
        mean, std = _channel_values(self.mean, "mean"), _channel_values(self.std, "std")
        if len(mean) != len(std):
            raise InvalidArgumentError(f"mean and std need one value per channel each, got {len(mean)} and {len(std)}")
        if min(std) <= 0:
            raise InvalidArgumentError(f"std must be positive, got {std!r}")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @classmethod
    def of(cls, x):
        """The per-channel statistics of images ``x``, in one streaming pass.

        Population statistics (divided by N, as Keras's ``Normalization.adapt``)
        of x/255 for uint8 pixels, of x itself for float images; a channel
        that never changes gets std 1 (it standardises to 0 either way).

        Parameters
        ----------
        x : ndarray or row source, (N, H, W, C) uint8 or float
            Read a few rows at a time (``x[start:stop]``).

        Returns
        -------
        Standardization
        """
        if len(x) == 0 or x.ndim < 2:
            raise InvalidArgumentError(f"need at least one image to compute statistics, got shape {x.shape}")
        channels = x.shape[-1]
        rows = max(1, CHUNK_PIXELS // max(1, int(np.prod(x.shape[1:-1]))))
        count, mean, m2 = 0, np.zeros(channels), np.zeros(channels)
        for start in range(0, len(x), rows):
            chunk = np.asarray(x[start:start + rows], dtype=np.float64).reshape(-1, channels)
            n, chunk_mean = len(chunk), chunk.mean(axis=0)
            delta = chunk_mean - mean  # Chan et al.'s merge of two (count, mean, M2)
            m2 += ((chunk - chunk_mean) ** 2).sum(axis=0) + delta ** 2 * (count * n / (count + n))
            mean += delta * (n / (count + n))
            count += n
        scale = 255.0 if x.dtype == np.uint8 else 1.0
        std = np.sqrt(m2 / count) / scale
        std[std == 0] = 1.0
        return cls(tuple(mean / scale), tuple(std))

    @classmethod
    def from_dict(cls, data):
        """From a model file's ``preprocessing.normalize`` entry.

        Parameters
        ----------
        data : dict, Standardization or None
            ``{"kind": "per-channel", "mean": [...], "std": [...]}``.

        Returns
        -------
        Standardization or None
        """
        if data is None or isinstance(data, cls):
            return data
        if not isinstance(data, dict) or data.get("kind", KIND) != KIND:
            raise InvalidArgumentError(f"normalize must be None or a per-channel Standardization, got {data!r}")
        return cls(data.get("mean"), data.get("std"))

    def to_dict(self):
        """The JSON-able form written into a model file.

        Returns
        -------
        dict
            ``{"kind": "per-channel", "mean": [...], "std": [...]}``.
        """
        return {"kind": KIND, "mean": list(self.mean), "std": list(self.std)}

    def describe(self):
        """In words, for ``fastcnn summary``.

        Returns
        -------
        str
        """
        mean, std = (", ".join(f"{v:.4f}" for v in values) for values in (self.mean, self.std))
        return f"standardised per channel: mean ({mean}), std ({std})"

    def check_channels(self, channels):
        """Raise InvalidArgumentError unless there is one mean and std for each of ``channels``.

        Parameters
        ----------
        channels : int
            The model's input channels.
        """
        if len(self.mean) != channels:
            raise InvalidArgumentError(f"the input standardisation has {len(self.mean)} channels, "
                                       f"the model's input {channels}")

    def affine(self, pixels, dtype):
        """(scale, shift) per channel such that the model's input is x * scale + shift.

        Parameters
        ----------
        pixels : bool
            True for uint8 pixels (read as x/255).
        dtype : numpy dtype

        Returns
        -------
        scale, shift : ndarray, (C,) of ``dtype``
        """
        std = np.asarray(self.std)
        scale = 1.0 / ((255.0 if pixels else 1.0) * std)
        return scale.astype(dtype), (-np.asarray(self.mean) / std).astype(dtype)

    def apply(self, x, dtype):
        """The standardised batch, as floats: (x/255 - mean) / std (x, not x/255, for float input).

        Parameters
        ----------
        x : ndarray, (N, ..., C) uint8 or float
        dtype : numpy dtype
            The model's float dtype.

        Returns
        -------
        ndarray, C-contiguous, ``dtype``
        """
        scale, shift = self.affine(x.dtype == np.uint8, dtype)
        out = np.multiply(x, scale, dtype=dtype)
        out += shift
        return out

    def fold(self, kernel, bias, pixels, kernel_out, bias_out):
        """The first convolution's weights with the standardisation folded in (w', b' above).

        Parameters
        ----------
        kernel : ndarray, (KH, KW, C, C_out)
        bias : ndarray, (C_out,)
        pixels : bool
            True when the input is uint8 pixels.
        kernel_out, bias_out : ndarray
            Where w' and b' are written (like ``kernel`` and ``bias``).

        Returns
        -------
        kernel_out, bias_out : ndarray
        """
        scale, _ = self.affine(pixels, kernel.dtype)
        np.multiply(kernel, scale[:, None], out=kernel_out)
        shift = -np.asarray(self.mean) / np.asarray(self.std)
        np.add(bias, np.einsum("hwco,c->o", kernel, shift), out=bias_out, casting="unsafe")
        return kernel_out, bias_out

    def unfold_gradient(self, dw, db):
        """Turn, in place, the gradient for x/255's weights into the gradient for the model's weights.

        Parameters
        ----------
        dw : ndarray, (KH, KW, C, C_out)
            dL/dw' computed with the input read as x/255 (or float x); overwritten with dL/dw.
        db : ndarray, (C_out,)
            dL/db (the same for b and b').
        """
        mean, std = (np.asarray(v, dtype=dw.dtype) for v in (self.mean, self.std))
        dw -= mean[:, None] * db
        dw /= std[:, None]

    def input_gradient(self, d):
        """dL/dx from dL/d(standardised x), for float input (uint8 pixels have none).

        Parameters
        ----------
        d : ndarray, (N, ..., C)

        Returns
        -------
        ndarray
            ``d / std``.
        """
        return d / np.asarray(self.std, dtype=d.dtype)
