"""The ``fastcnn`` command line (installed as the ``fastcnn_cli`` package)."""
