"""``Sequential.summary``: Keras's table of layers, output shapes and parameter counts."""


def print_summary(model, print_fn=None):
    """Print the table, one line at a time, with ``print_fn`` (default: ``print``).

    Parameters
    ----------
    model : Sequential
    print_fn : callable or None
        Called with each line.
    """
    print_fn = print_fn or print
    rows = []
    for layer in model.layers:
        shape = layer.output_shape(layer.input_shape)
        rows.append((f"{layer.name} ({type(layer).__name__})", str((None,) + shape), f"{layer.count_params():,}"))
    widths = [max(31, *(len(r[0]) + 2 for r in rows)), max(26, *(len(r[1]) + 2 for r in rows)), 10]
    rule = "_" * sum(widths)
    print_fn(f'Model: "{model.name}"')
    print_fn(rule)
    print_fn(f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}{'Param #':>{widths[2]}}")
    print_fn("=" * sum(widths))
    for a, b, c in rows:
        print_fn(f"{a:<{widths[0]}}{b:<{widths[1]}}{c:>{widths[2]}}")
    print_fn("=" * sum(widths))
    weights = list(model.named_weights())
    for label, arrays in (("Total", [value for _, value, _ in weights]),
                          ("Trainable", [value for _, value, trainable in weights if trainable]),
                          ("Non-trainable", [value for _, value, trainable in weights if not trainable])):
        print_fn(f"{label} params: {sum(a.size for a in arrays):,} ({_bytes(sum(a.nbytes for a in arrays))})")
    print_fn(rule)


def _bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
