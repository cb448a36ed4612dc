"""Data sets for fastcnn: the built-in procedural galaxies, the original
project's ``.npz`` file, image files with a labels CSV or class folders."""
from .dataset import Dataset
from .export import write_image_folder
from .images import decode_image
from .load import BUILTIN_SOURCE, load_builtin, load_dataset
from .npz import load_npz
from .split import stratified_split

__all__ = ["Dataset", "load_dataset", "load_builtin", "load_npz", "decode_image", "stratified_split",
           "write_image_folder", "BUILTIN_SOURCE"]
