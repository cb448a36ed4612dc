"""Reading a model file's members safely: headers first, nothing unpickled, one-line errors.

Every function raises :class:`~fastcnn.errors.ModelFileError` naming the
file and the member when something is missing, malformed or implausible.
"""
import json
import zipfile
from pathlib import Path

import numpy as np

from ._files import read_npy_header
from .errors import ModelFileError

FORMAT = "fastcnn-model"
FORMAT_VERSION = 1


def open_model_file(path):
    """The model file at ``path`` as an open ``NpzFile`` (no member is read yet).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    numpy.lib.npyio.NpzFile
        Use it as a context manager.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelFileError(f"expected a model file, got a folder: {path}")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a regular file (a pipe or a device?); a model must be a file")
    with open(path, "rb") as handle:
        start = handle.read(6)
    if start != b"\x93NUMPY" and not zipfile.is_zipfile(path):  # (a lone .npy gets its own message below)
        raise ModelFileError(f"{path}: not a fastcnn model file (not an .npz archive)")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: not a fastcnn model file ({first_line(error)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path}: not a fastcnn model file (a single .npy array)")
    return archive


def first_line(error):
    """The first line of an exception's message (its type name if it has none).

    Parameters
    ----------
    error : BaseException

    Returns
    -------
    str
    """
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


#: the JSON config is small; anything bigger is not a fastcnn model file
MAX_CONFIG_BYTES = 16 * 2**20


def member_header(archive, key, path):
    """(shape, dtype) of member ``key``, read from its .npy header only.

    So a hostile file cannot make us allocate what it claims to hold.

    Parameters
    ----------
    archive : numpy.lib.npyio.NpzFile
    key : str
        The member's name without ``.npy``.
    path : str or pathlib.Path
        For the error messages.

    Returns
    -------
    shape : tuple of int
    dtype : numpy dtype
    """
    try:
        with archive.zip.open(key + ".npy") as member:
            shape, _, dtype = read_npy_header(member)
    except KeyError:
        raise ModelFileError(f"{path}: array {key!r} is missing") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: array {key!r} is unreadable ({first_line(error)})") from None
    if dtype.hasobject:
        raise ModelFileError(f"{path}: array {key!r} holds Python objects; fastcnn never unpickles")
    return tuple(shape), dtype


def read_member(archive, key, path, shape=None, dtype=None, max_bytes=None):
    """Member ``key``, after checking its header against ``shape``/``dtype``/``max_bytes``.

    Parameters
    ----------
    archive : numpy.lib.npyio.NpzFile
    key : str
    path : str or pathlib.Path
        For the error messages.
    shape : tuple of int, optional
    dtype : numpy dtype, optional
        Required together with ``shape``.
    max_bytes : int, optional

    Returns
    -------
    ndarray
    """
    stored_shape, stored_dtype = member_header(archive, key, path)
    if shape is not None and (stored_shape != tuple(shape) or stored_dtype != np.dtype(dtype)):
        raise ModelFileError(
            f"{path}: {key} is {stored_dtype.name}{list(stored_shape)}, expected {np.dtype(dtype).name}{list(shape)}"
        )
    if max_bytes is not None and int(np.prod(stored_shape)) * stored_dtype.itemsize > max_bytes:
        raise ModelFileError(f"{path}: array {key!r} is implausibly large for a fastcnn model file")
    try:
        return archive[key]
    except ValueError as error:
        if "pickle" in str(error):
            raise ModelFileError(f"{path}: array {key!r} holds Python objects; fastcnn never unpickles") from None
        raise ModelFileError(f"{path}: array {key!r} is unreadable ({first_line(error)})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: array {key!r} is unreadable ({first_line(error)})") from None


def read_model_config(archive, path):
    """The JSON config of an open model file, after checking its format and version.

    Parameters
    ----------
    archive : numpy.lib.npyio.NpzFile
    path : str or pathlib.Path
        For the error messages.

    Returns
    -------
    dict
    """
    if "config" not in archive.files:
        raise ModelFileError(f"{path}: not a fastcnn model file (no 'config' entry)")
    raw = read_member(archive, "config", path, max_bytes=MAX_CONFIG_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path}: not a fastcnn model file (bad 'config' entry)")
    try:
        config = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: the model config is not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a fastcnn model file (format {config.get('format') if isinstance(config, dict) else None!r})")
    version = config.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: bad format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: written by a newer fastcnn (model format {version}, this fastcnn reads up to "
            f"{FORMAT_VERSION}); upgrade fastcnn"
        )
    return config
