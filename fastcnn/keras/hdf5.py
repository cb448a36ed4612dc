"""Reading HDF5 weight files as data, with h5py: hard links and plain float datasets only.

An HDF5 file can point a dataset at other files (external storage, virtual
datasets, external links) and declare gigabytes it does not store; fastcnn
reads nothing but the model file, and checks each dataset's kind, type and
shape before reading it.
"""
from contextlib import contextmanager

import numpy as np

from ..archive import first_line
from ..errors import ModelFileError


def require_h5py():
    """The ``h5py`` module, or a one-line ModelFileError saying how to install it.

    Returns
    -------
    module
    """
    try:
        import h5py
    except ImportError:
        raise ModelFileError('reading Keras files needs h5py: pip install "fastcnn[keras]"') from None
    return h5py


@contextmanager
def open_hdf5(source, path=None):
    """An HDF5 file opened for reading; any failure is a one-line ModelFileError.

    Parameters
    ----------
    source : str, pathlib.Path or file-like
    path : str or pathlib.Path, optional
        How messages name the file (default ``source``).

    Yields
    ------
    h5py.File
    """
    h5py = require_h5py()
    path = path or source
    try:
        with h5py.File(source, "r") as store:
            yield store
    except (OSError, KeyError, RuntimeError) as error:
        raise ModelFileError(f"{path}: not a readable HDF5 file, or a damaged one ({first_line(error)})") from None


def text_attribute(store, name, path, limit):
    """An attribute that must hold text (a JSON document), at most ``limit`` characters.

    Parameters
    ----------
    store : h5py.File or h5py.Group
    name : str
    path : str or pathlib.Path
        For messages.
    limit : int

    Returns
    -------
    str or bytes
    """
    value = store.attrs[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if not isinstance(value, (str, bytes)):
        raise ModelFileError(f"{path}: the attribute {name} is not text")
    if len(value) > limit:
        raise ModelFileError(f"{path}: the attribute {name} is implausibly large; refused")
    return value


def names_attribute(values, path, what):
    """An attribute holding a list of names (bytes or str), as a list of str.

    Parameters
    ----------
    values : array_like
    path : str or pathlib.Path
        For messages.
    what : str
        The attribute's name, for messages.

    Returns
    -------
    list of str
    """
    try:
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]
    except (UnicodeDecodeError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the attribute {what} is not a list of names ({first_line(error)})") from None


def hard_child(group, name, path, where=None):
    """``group[name]`` (``name`` may hold ``/``), reached through hard links only.

    Parameters
    ----------
    group : h5py.Group
    name : str
    path : str or pathlib.Path
        For messages.
    where : str, optional
        How messages name the object (default ``name``).

    Returns
    -------
    h5py.Group or h5py.Dataset
    """
    h5py = require_h5py()
    node = group
    for part in str(name).split("/"):
        link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
        if link is None:
            raise ModelFileError(f"{path}: {where or name} is missing from the weights")
        if not isinstance(link, h5py.HardLink):
            raise ModelFileError(f"{path}: {where or name} is a {type(link).__name__}; fastcnn reads only the "
                                 "model file")
        node = node[part]
    return node


def float_dataset(group, name, shape, where, path):
    """The float32 values of the dataset ``group/name``, read only after checking that it is a
    plain dataset of floats stored in this file, of ``shape``, and finite.

    Parameters
    ----------
    group : h5py.Group
    name : str
    shape : tuple of int
        What the model's config makes.
    where : str
        The dataset's full path, for messages.
    path : str or pathlib.Path
        For messages.

    Returns
    -------
    ndarray, ``shape``, float32
    """
    h5py = require_h5py()
    dataset = hard_child(group, name, path, where)
    if not isinstance(dataset, h5py.Dataset):
        raise ModelFileError(f"{path}: {where} is not a dataset")
    if dataset.is_virtual or dataset.external:
        raise ModelFileError(f"{path}: {where} keeps its data in another file; fastcnn reads only the model file")
    if dataset.dtype.kind != "f":
        raise ModelFileError(f"{path}: {where} holds {dataset.dtype}, not floats")
    if dataset.shape != tuple(shape):
        raise ModelFileError(f"{path}: {where} has shape {dataset.shape} in the file, the config makes "
                             f"{tuple(shape)}")
    values = np.asarray(dataset[()], dtype=np.float32)
    if not np.all(np.isfinite(values)):
        raise ModelFileError(f"{path}: {where} holds NaN or infinite values")
    return values
