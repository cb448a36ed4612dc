"""``Stage``: one step of a compiled model's plan, and the arrays it reuses per batch size.

A :class:`fastcnn.plan.Plan` runs a list of stages; the kinds of stage are
in :mod:`fastcnn.stages`.
"""


class Stage:
    """One step of the plan: ``forward(x, rows, training)``, ``backward(d, need_dx)``.

    ``rows`` selects the batch out of ``x`` (only the first stage gets a
    whole data set; later stages get rows = 0..N-1).  Buffers are made per
    batch size and reused.
    """

    reads_rows = False  # True: forward() may be given a whole data set and the batch's row numbers
    reads_views = False  # True: forward() also takes fit's views (turned or mirrored samples) and reads them in place

    def __init__(self):
        self._buffers = {}

    def buffers(self, n):
        """The arrays for a batch of ``n`` samples, made by :meth:`make_buffers` on first use.

        Those of a few batch sizes are kept (all are dropped when a sixth size comes).

        Parameters
        ----------
        n : int
            The batch size N.

        Returns
        -------
        dict of str to ndarray
            The same dict on every call with this ``n``.
        """
        if n not in self._buffers:
            if len(self._buffers) > 4:  # at most a few batch sizes are in use at a time
                self._buffers.clear()
            self._buffers[n] = self.make_buffers(n)
        return self._buffers[n]

    def make_buffers(self, n):
        """New arrays the stage reuses for every batch of ``n`` samples (none here).

        Parameters
        ----------
        n : int
            As for :meth:`buffers`.

        Returns
        -------
        dict of str to ndarray
            Each stage kind names its own arrays (``pooled``, ``argmax``, ``out``, ...).
        """
        return {}

    def forward(self, x, rows, training):
        """The stage's output for the batch x[rows].

        Parameters
        ----------
        x : ndarray
            The previous stage's output, (N,) + the stage's input shape; a
            stage that ``reads_rows`` may get the whole data set instead,
            (N_total, H, W, C) uint8 or float.
        rows : ndarray of int, (N,)
            The batch's row numbers in ``x`` (0..N-1 unless ``x`` is a data set).
        training : bool
            True before a :meth:`backward` (the fused stages keep their input either way).

        Returns
        -------
        ndarray, (N,) + the stage's output shape
            Often one of the stage's buffers: overwritten by its next forward of this batch size.
        """
        raise NotImplementedError

    def backward(self, dout, need_dx):
        """dL/d input from dL/d output, after a :meth:`forward`.

        The gradients of the weights go into the model's flat gradient
        buffer (:mod:`fastcnn.parameters`); the layer's ``grads`` point there.

        Parameters
        ----------
        dout : ndarray, (N,) + the stage's output shape
            dL/d the stage's output.
        need_dx : bool
            False lets the stage skip dL/dx (the first stage: nobody needs dL/d images).

        Returns
        -------
        ndarray, (N,) + the stage's input shape, or None
            dL/dx, often a buffer like forward's output; None when the stage skipped it
            (as a ConvPoolStage always does for uint8 pixels).
        """
        raise NotImplementedError
