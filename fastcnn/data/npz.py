"""The original project's data file: ``galaxydata.npz`` with arrays

    data    (N, 128, 128, 3)  uint8 pixels, or floats (in [0, 1], or whole
                              numbers in [0, 255] which are stored as uint8)
    labels  (N, 4)            one-hot rows in the order Normal, Ringed, Merger, Other
                              (integer class indices (N,) are accepted too)

and optionally ``class_names`` (K,) strings.  Read with ``allow_pickle=False``:
a file holding Python objects is refused, never unpickled.
"""
import zipfile

import numpy as np
from ..classes import GALAXY_CLASSES
from ..errors import DataError
from .dataset import Dataset
from .disk import DiskArray, npz_member


#: an uncompressed uint8 ``data`` array larger than this is read from disk
#: batch by batch (:class:`fastcnn.data.disk.DiskArray`) instead of loaded
STREAM_BYTES = 1 << 30


#: the most bytes a compressed member may inflate to, unless FASTCNN_MAX_DATA_BYTES says otherwise
DEFAULT_MAX_INFLATED = 16 << 30


def check_inflated_size(path, name):
    """A one-line DataError when member ``name`` of the .npz would not fit in memory once read.

    An uncompressed ``data`` member is read from disk batch by batch; a
    compressed one must be inflated whole, and 6 MB of zeros inflate to
    gigabytes.  The member's size comes from its .npy header and the zip
    directory (neither needs the data), and is held against the memory
    available now and a cap (:data:`DEFAULT_MAX_INFLATED`, or the environment
    variable ``FASTCNN_MAX_DATA_BYTES``).

    Parameters
    ----------
    path : str or pathlib.Path
    name : str
        The member's name without ``.npy``.

    Returns
    -------
    int
        The bytes it inflates to (0 for a member stored uncompressed: it is read in place).
    """
    import os

    from .._files import read_npy_header

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name + ".npy")
        if info.compress_type == zipfile.ZIP_STORED:
            return 0
        with archive.open(info) as member:
            shape, _, dtype = read_npy_header(member)
    declared = max(int(np.prod(shape, dtype=np.float64)) * dtype.itemsize, info.file_size)
    cap = int(os.environ.get("FASTCNN_MAX_DATA_BYTES", DEFAULT_MAX_INFLATED))
    available = available_memory()
    limit = min(cap, available // 2) if available else cap
    if declared > limit:
        why = (f"the limit FASTCNN_MAX_DATA_BYTES={cap:,}" if limit == cap else
               f"half the memory available now ({available / 1e9:.2f} GB)")
        raise DataError(f"{path}: the compressed array {name!r} {tuple(shape)} inflates to {declared / 1e9:.2f} GB, "
                        f"more than {why}; save it uncompressed (np.savez, not savez_compressed) and fastcnn reads it "
                        f"from disk batch by batch")
    return declared


def available_memory():
    """Bytes of memory available now (Linux ``MemAvailable``), or None where unknown.

    Returns
    -------
    int or None
    """
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_arrays(path, stream_bytes=STREAM_BYTES):
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise DataError(f"{path}: a single .npy array, not an .npz archive with 'data' and 'labels'")
            missing = [key for key in ("data", "labels") if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path}: missing array {' and '.join(repr(m) for m in missing)} "
                    f"(has: {', '.join(archive.files) or 'nothing'})"
                )
            for key in ("data", "labels", "class_names"):
                if key in archive.files:
                    check_inflated_size(path, key)
            arrays = {key: archive[key] for key in archive.files if key in ("labels", "class_names")}
            on_disk = npz_member(path, "data")
            if on_disk is not None and on_disk.dtype == np.uint8 and \
                    int(np.prod(on_disk.shape)) > stream_bytes:
                arrays["data"] = on_disk
            else:
                arrays["data"] = archive["data"]
            return arrays
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}") from None
    except DataError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise DataError(f"{path}: holds Python objects (pickle); fastcnn never unpickles data files") from None
        raise DataError(f"{path}: not a readable .npz file ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError) as error:
        raise DataError(f"{path}: not a readable .npz file ({error})") from None


def _pixels(data, path, notes):
    if isinstance(data, DiskArray):
        if data.ndim != 4 or data.shape[-1] != 3:
            raise DataError(f"{path}: 'data' must be (N, H, W, 3) images, got shape {data.shape}")
        notes.append(f"{data.shape[0]} images read from disk batch by batch (too large to load)")
        return data
    if data.ndim == 3 or (data.ndim == 4 and data.shape[-1] == 1):
        data = np.repeat(data.reshape(data.shape[:3] + (1,)), 3, axis=-1)
        notes.append("grayscale images repeated into 3 channels")
    if data.ndim != 4 or data.shape[-1] != 3:
        raise DataError(f"{path}: 'data' must be (N, H, W, 3) images, got shape {data.shape}")
    if data.dtype == np.uint8:
        return data
    if data.dtype.kind not in "fiu" or data.dtype == np.bool_:
        raise DataError(f"{path}: 'data' must hold numbers, got dtype {data.dtype}")
    if data.dtype.kind == "f" and not np.all(np.isfinite(data)):
        raise DataError(f"{path}: 'data' contains NaN or infinite values")
    low, high = (data.min(), data.max()) if data.size else (0, 0)
    if data.dtype.kind == "f" and low >= 0 and high <= 1:
        return data.astype(np.float32)
    if low >= 0 and high <= 255 and np.all(data == np.round(data)):
        notes.append(f"pixel values 0-255 stored as {data.dtype} converted to uint8")
        return data.astype(np.uint8)
    raise DataError(
        f"{path}: pixel values must be uint8, floats in [0, 1] or whole numbers in [0, 255]; "
        f"found {data.dtype} from {low} to {high}"
    )


def _label_indices(labels, n, path):
    if labels.ndim == 2:
        if labels.shape[0] != n:
            raise DataError(f"{path}: {n} images but {labels.shape[0]} label rows")
        if not np.issubdtype(labels.dtype, np.number) or not np.all((labels == 0) | (labels == 1)) \
                or not np.all(labels.sum(axis=1) == 1):
            bad = np.flatnonzero(~(((labels == 0) | (labels == 1)).all(axis=1) & (labels.sum(axis=1) == 1)))
            raise DataError(f"{path}: 'labels' must be one-hot rows; row {bad[0] if len(bad) else '?'} is not")
        return labels.argmax(axis=1), labels.shape[1]
    if labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer):
        if labels.shape[0] != n:
            raise DataError(f"{path}: {n} images but {labels.shape[0]} labels")
        if n and labels.min() < 0:
            raise DataError(f"{path}: negative class index {labels.min()} in 'labels'")
        return labels, int(labels.max()) + 1 if n else 0
    raise DataError(f"{path}: 'labels' must be one-hot (N, classes) or class indices (N,), got {labels.shape} {labels.dtype}")


def load_npz(path, image_size=(128, 128), class_names=None, stream_bytes=STREAM_BYTES):
    """Read an original-format ``.npz`` into a :class:`Dataset`; its images
    must already have ``image_size`` (arrays are model inputs, not photos:
    they are never resized behind the user's back).

    Parameters
    ----------
    path : str or pathlib.Path
    image_size : tuple of int, default (128, 128)
        The (H, W) the images must have.
    class_names : sequence of str, optional
        A trained model's classes: labels are mapped onto this order (they
        must be among them); they also name the file's classes when it
        stores no ``class_names`` and the counts agree.
    stream_bytes : int, default 2**30
        An uncompressed uint8 ``data`` larger than this is read from disk
        batch by batch (a :class:`~fastcnn.data.disk.DiskArray`).

    Returns
    -------
    Dataset
        uint8 (N, H, W, 3) pixels (a DiskArray when streamed), or float32
        when the file stored floats in [0, 1]; int64 labels.
    """
    arrays = _read_arrays(path, stream_bytes)
    notes = []
    images = _pixels(arrays["data"], path, notes)
    if images.shape[1:3] != tuple(image_size):
        raise DataError(
            f"{path}: images are {images.shape[1]}x{images.shape[2]} but the model takes "
            f"{image_size[0]}x{image_size[1]} (train with --image-size {images.shape[1]} for this data)"
        )
    labels, n_classes = _label_indices(arrays["labels"], len(images), path)
    stored = arrays.get("class_names")
    if stored is not None:
        if stored.dtype.kind != "U" or stored.ndim != 1:
            raise DataError(f"{path}: 'class_names' must be a 1-D array of strings")
        names = tuple(str(s) for s in stored)
    elif class_names is not None and len(class_names) == n_classes:
        names = tuple(class_names)  # unnamed one-hot columns: the model's order
    elif n_classes == len(GALAXY_CLASSES):
        names = GALAXY_CLASSES
    else:
        names = tuple(f"class_{k}" for k in range(n_classes))
    if len(names) < n_classes:
        raise DataError(f"{path}: labels use {n_classes} classes but only {len(names)} class names are given")
    if class_names is not None:  # map onto a model's class order
        class_names = tuple(class_names)
        unknown = sorted(set(names[i] for i in np.unique(labels)) - set(class_names))
        if unknown:
            raise DataError(f"{path}: labels {unknown} are not among the model's classes {list(class_names)}")
        labels = np.array([class_names.index(names[i]) for i in labels], dtype=np.int64)
        names = class_names
    return Dataset(images=images, labels=labels, class_names=names, source=str(path), notes=notes)
