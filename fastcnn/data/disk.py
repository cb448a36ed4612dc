"""Row sources: image arrays that ``Sequential.fit`` reads batch by batch.

:class:`RowView` is some rows of an in-memory array (a train/validation split
without copying the pixels).  :class:`DiskArray` stands in for an (N, H, W, C) uint8 array stored in a
``.npy`` file or as an uncompressed member of an ``.npz`` (``np.savez``
stores members uncompressed).  Indexing it with a batch of row numbers reads
just those rows with ``os.pread`` into a fresh array; nothing is memory-mapped,
so the process's memory stays bounded by one batch whatever the file's size
(the operating system's page cache may still keep recently read parts, but
that memory is not the process's and is given back under pressure).

:func:`fastcnn.data.export.write_npz_in_chunks` writes such a file without
ever holding all of it.
"""
import os
import zipfile

import numpy as np

from .._files import read_npy_header
from ..errors import DataError


class RowView:
    """Some rows of an in-memory array, without copying them: ``v[index]``
    returns ``base[rows[index]]``.  A train/validation split of a data set
    is two RowViews of the same images, so the pixels are held once.

    Parameters
    ----------
    base : numpy.ndarray
        The whole array, e.g. (N, H, W, 3) uint8 images.
    rows : array_like of int
        The rows of ``base`` this view shows, in order; stored as int64.
    """

    is_row_source = True  # what Sequential.fit accepts besides NumPy arrays

    def __init__(self, base, rows):
        self.base = base
        self.rows = np.asarray(rows, dtype=np.int64)
        self.dtype = base.dtype

    @property
    def shape(self):
        """``(len(rows),) + base.shape[1:]``."""
        return (len(self.rows),) + tuple(self.base.shape[1:])

    @property
    def ndim(self):
        """The number of dimensions, as ``base``'s."""
        return self.base.ndim

    def __len__(self):
        return len(self.rows)

    def subset(self, indices):
        """Another view of the same base, showing only ``indices`` of this one.

        Parameters
        ----------
        indices : array_like of int
            Positions in this view (not in ``base``).

        Returns
        -------
        RowView
        """
        return RowView(self.base, self.rows[np.asarray(indices, dtype=np.int64)])

    def __getitem__(self, key):
        return self.base[self.rows[key]]

    def base_rows(self, index):
        """``(base, rows)`` such that ``base[rows]`` is ``self[index]``: how the
        model's first layer reads a batch straight out of ``base``, uncopied.

        Parameters
        ----------
        index : int, slice or array_like of int
            Positions in this view, e.g. a batch's.

        Returns
        -------
        base : numpy.ndarray
            The underlying array itself.
        rows : numpy.ndarray
            int64 row numbers of ``base`` (a scalar for an int ``index``).
        """
        return self.base, self.rows[index]

    def __array__(self, dtype=None, copy=None):
        array = self.base[self.rows]
        return array if dtype is None else array.astype(dtype)


class DiskArray:
    """Read-only rows of an array on disk: ``a[i]``, ``a[start:stop]``,
    ``a[index_array]`` return NumPy arrays; ``a.subset(indices)`` is lazy.

    Parameters
    ----------
    path : str or pathlib.Path
        The file holding the array.
    offset : int
        Byte offset of row 0 in the file (after any headers).
    shape : tuple of int
        The whole stored array's shape, e.g. (N, H, W, 3).
    dtype : numpy dtype
        The stored dtype (C order, no objects).
    rows : array_like of int, optional
        The stored rows this array shows, in order; default all of them.

    Raises
    ------
    DataError
        When the file is shorter than ``offset`` plus the whole array.
    """

    is_row_source = True

    def __init__(self, path, offset, shape, dtype, rows=None):
        self.path = str(path)
        self.offset = int(offset)
        self._full_shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.rows = None if rows is None else np.asarray(rows, dtype=np.int64)
        self.row_bytes = int(np.prod(self._full_shape[1:])) * self.dtype.itemsize
        expected = self.offset + self._full_shape[0] * self.row_bytes
        if os.path.getsize(self.path) < expected:
            raise DataError(f"{self.path}: file is truncated ({os.path.getsize(self.path)} bytes, "
                            f"the array needs {expected})")

    @property
    def shape(self):
        """The shape of the rows shown: (len(rows), ...) or the stored shape."""
        n = self._full_shape[0] if self.rows is None else len(self.rows)
        return (n,) + self._full_shape[1:]

    @property
    def ndim(self):
        """The number of dimensions of the stored array."""
        return len(self._full_shape)

    def __len__(self):
        return self.shape[0]

    def subset(self, indices):
        """Another DiskArray showing only ``indices`` (no data is read).

        Parameters
        ----------
        indices : array_like of int
            Positions in this array (not in the stored one); negative ones count from the end.

        Returns
        -------
        DiskArray
        """
        indices = np.asarray(indices, dtype=np.int64)
        if len(indices) and (indices.min() < -len(self) or indices.max() >= len(self)):
            raise IndexError(f"row index out of range for {len(self)} rows")
        indices = np.where(indices < 0, indices + len(self), indices)
        rows = indices if self.rows is None else self.rows[indices]
        return DiskArray(self.path, self.offset, self._full_shape, self.dtype, rows)

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self[np.array([key])][0]
        if isinstance(key, slice):
            key = np.arange(len(self))[key]
        key = np.asarray(key)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        if key.ndim != 1 or not np.issubdtype(key.dtype, np.integer):
            raise TypeError("a DiskArray is indexed by a row number, a slice or an array of row numbers")
        if len(key) and (key.min() < -len(self) or key.max() >= len(self)):
            raise IndexError(f"row index out of range for {len(self)} rows")
        key = np.where(key < 0, key + len(self), key)
        rows = key if self.rows is None else self.rows[key]
        return self._read(rows)

    def _read(self, rows):
        out = np.empty((len(rows),) + self._full_shape[1:], dtype=self.dtype)
        flat = out.reshape(len(rows), -1).view(np.uint8)
        order = np.argsort(rows, kind="stable")
        with open(self.path, "rb") as handle:
            fd = handle.fileno()
            start = 0
            while start < len(order):  # read runs of consecutive rows in one call
                stop = start + 1
                while stop < len(order) and rows[order[stop]] == rows[order[stop - 1]] + 1:
                    stop += 1
                first = int(rows[order[start]])
                data = os.pread(fd, (stop - start) * self.row_bytes, self.offset + first * self.row_bytes)
                if len(data) != (stop - start) * self.row_bytes:
                    raise DataError(f"{self.path}: file is truncated")
                block = np.frombuffer(data, dtype=np.uint8).reshape(stop - start, self.row_bytes)
                flat[order[start:stop]] = block
                start = stop
        return out

    def __array__(self, dtype=None, copy=None):
        array = self[np.arange(len(self))]
        return array if dtype is None else array.astype(dtype)


def npz_member(path, name):
    """A :class:`DiskArray` for member ``name`` (``name.npy``) of an .npz, or
    None when the member is compressed (it must then be loaded whole).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.npz`` file.
    name : str
        The member's name without ``.npy``, e.g. ``"data"``.

    Returns
    -------
    DiskArray or None
        None also for a Fortran-order or object array.
    """
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name + ".npy")
        if info.compress_type != zipfile.ZIP_STORED:
            return None
        with archive.open(info) as member:
            shape, fortran, dtype = read_npy_header(member)
            header_length = member.tell()
    if fortran or dtype.hasobject:
        return None
    with open(path, "rb") as handle:  # the member's data starts after the zip local header
        handle.seek(info.header_offset)
        local = handle.read(30)
        name_length = int.from_bytes(local[26:28], "little")
        extra_length = int.from_bytes(local[28:30], "little")
    data_offset = info.header_offset + 30 + name_length + extra_length + header_length
    return DiskArray(path, data_offset, shape, dtype)
