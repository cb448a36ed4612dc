"""One entry point for every data source the CLI's ``--data`` accepts."""
import hashlib
import json
from pathlib import Path

from ..classes import GALAXY_CLASSES
from ..errors import DataError
from . import cache
from .dataset import Dataset
from .files import load_image_files
from .images import check_crop, check_regular_file
from .npz import load_npz

#: the built-in data set: always the same 1,400 procedural galaxies
BUILTIN_SIZE = 1400
BUILTIN_SEED = 0
BUILTIN_SOURCE = "built-in procedural galaxies"


def load_builtin(image_size=(128, 128), n=BUILTIN_SIZE, seed=BUILTIN_SEED, use_cache=True):
    """The procedural galaxies (cached on disk after the first generation).

    Parameters
    ----------
    image_size : tuple of int, default (128, 128)
        (H, W); must be square.
    n : int, default 1400
        How many galaxies.
    seed : int, default 0
    use_cache : bool, default True
        Read and write the on-disk cache (keyed by ``n``, ``image_size``,
        ``seed`` and the generator's source code).

    Returns
    -------
    Dataset
        uint8 (n, H, W, 3) images of :data:`~fastcnn.classes.GALAXY_CLASSES`.
    """
    from . import drawing, synth

    if image_size[0] != image_size[1]:
        raise DataError(f"the built-in galaxies are square; got image size {image_size}")
    notes = []
    generator_source = Path(synth.__file__).read_bytes() + Path(drawing.__file__).read_bytes()
    key = hashlib.sha256(
        json.dumps({"n": n, "size": list(image_size), "seed": seed}).encode() + generator_source
    ).hexdigest()
    shape = (n,) + tuple(image_size) + (3,)
    images = cache.load(key, shape) if use_cache else None
    cached_labels = cache.load(key + "-labels", (n,)) if images is not None else None
    if images is not None and cached_labels is not None:
        labels = cached_labels.astype("int64")
        notes.append(f"built-in galaxies loaded from the cache {cache.cache_path(key)}")
    else:
        images, labels = synth.synthesize_galaxies(n, image_size[0], seed=seed)
        if use_cache:
            cache.store(key, images)
            cache.store(key + "-labels", labels.astype("uint8"))
    return Dataset(images=images, labels=labels, class_names=GALAXY_CLASSES, source=BUILTIN_SOURCE, notes=notes)


def load_dataset(path=None, image_size=(128, 128), crop=None, file_column="file", label_column="label",
                 class_names=None, use_cache=True, on_bad_image="error"):
    """Load ``path`` into a :class:`Dataset` of ``image_size`` images.

    * ``None``: the built-in procedural galaxies;
    * ``*.npz``: the original project's format (``data`` + one-hot ``labels``);
    * ``*.csv``: image files listed with their labels;
    * a folder: one sub-folder of images per class.

    ``class_names`` (a trained model's) fixes the class order; labels outside
    it are an error.  ``on_bad_image``: "error" (default) or "skip" unreadable image files.

    Parameters
    ----------
    path : str or pathlib.Path, optional
    image_size : tuple of int, default (128, 128)
        (H, W) of the images: image files are resized to it, an ``.npz``
        must already have it.
    crop : float, optional
        Image files only: keep this central fraction before resizing.
    file_column, label_column : str
        A labels CSV's columns.
    class_names : sequence of str, optional
    use_cache : bool, default True
        Use the on-disk cache of decoded images.
    on_bad_image : {"error", "skip"}, default "error"

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        When ``path`` is missing, of an unknown kind, or its data is unusable.
    """
    crop = check_crop(crop)
    if path is None:
        if crop is not None:
            raise DataError("--crop applies to image files; the built-in galaxies are already framed")
        dataset = load_builtin(image_size, use_cache=use_cache)
        if class_names is not None and tuple(class_names) != dataset.class_names:
            raise DataError(f"the model's classes {list(class_names)} are not the built-in "
                            f"{list(dataset.class_names)}; pass --data")
        return dataset
    path = Path(path)
    if not path.exists():
        raise DataError(f"data not found: {path}")
    if path.is_dir() or path.suffix.lower() == ".csv":
        return load_image_files(path, image_size, crop, file_column, label_column, class_names, use_cache,
                                on_bad_image)
    if path.suffix.lower() == ".npz":
        if crop is not None:
            raise DataError("--crop applies to image files, not to .npz arrays")
        check_regular_file(path, "data set")
        return load_npz(path, image_size, class_names)
    raise DataError(
        f"cannot tell what {path} is: --data takes a .npz file, a labels .csv file, "
        "or a folder with one sub-folder of images per class"
    )
