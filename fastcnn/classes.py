"""The galaxy classes, in one place.

The order is the one-hot order of the reference model's four outputs (the
original Keras project's label columns).  The architectures, the built-in
data, the ``.npz`` reader and the CLI all import the names from here.
"""

#: the four Galaxy Zoo morphologies the reference model tells apart, in output order
GALAXY_CLASSES = ("Normal", "Ringed", "Merger", "Other")
