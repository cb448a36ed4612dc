"""Pictures: inside the network, its training, its evaluation, the data.

* :mod:`.network`: every layer's output for a galaxy, filters;
* :mod:`.training`: training curves;
* :mod:`.evaluation`: confusion matrix, ROC curves, one galaxy's prediction;
* :mod:`.data`: a contact sheet of example images.

matplotlib is imported only when a picture is drawn (:func:`.figures.pyplot`),
so ``import fastcnn`` stays fast.  Every ``plot_*`` function writes one PNG
and returns its path.
"""
from .data import contact_sheet
from .evaluation import plot_confusion_matrix, plot_prediction, plot_roc
from .network import feature_maps, plot_dense, plot_feature_maps, plot_filters, visualize_galaxy
from .training import plot_training_curves

__all__ = ["feature_maps", "plot_prediction", "plot_feature_maps", "plot_dense", "plot_filters", "visualize_galaxy",
           "plot_training_curves", "plot_confusion_matrix", "plot_roc", "contact_sheet"]
