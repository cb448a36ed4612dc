"""``fastcnn report``: one self-contained HTML page that shows what a model learned.

The page has no external script, font, stylesheet or picture: the pictures
are inline PNGs (``data:`` URIs, drawn by :mod:`fastcnn.viz`), so it opens
from a file, offline, in any browser, and can be sent as one file.  The
numbers and pictures are computed in :mod:`fastcnn.report.content`; the
layout is the Jinja2 template ``templates/report.html.j2`` (autoescaped; no
HTML is put together in Python).  Jinja2 is an optional extra:
``pip install "fastcnn[report]"``.
"""
from pathlib import Path

from .._files import atomic_write
from ..errors import InvalidArgumentError
from .content import report_content

TEMPLATES = Path(__file__).parent / "templates"


def render(content):
    """The report's HTML for :func:`fastcnn.report.content.report_content`'s variables.

    Parameters
    ----------
    content : dict

    Returns
    -------
    str
    """
    try:
        import jinja2
    except ImportError:
        raise InvalidArgumentError('the HTML report needs Jinja2: pip install "fastcnn[report]"') from None
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html.j2").render(**content)


def write_report(model, dataset, path, described="the data given", tta=False):
    """Write the report of ``model`` evaluated on ``dataset`` to ``path`` (atomically); return its size.

    Parameters
    ----------
    model : fastcnn.Sequential
        Compiled, with class names.
    dataset : fastcnn.data.Dataset
        Usually the validation split the model was trained with.
    path : str or pathlib.Path
    described : str
        What the data is, in words, for the page.
    tta : bool, default False
        Evaluate with test-time averaging.

    Returns
    -------
    int
        The file's size in bytes.
    """
    html = render(report_content(model, dataset, described, tta=tta))
    with atomic_write(Path(path), "w") as handle:
        handle.write(html)
    return len(html.encode())


__all__ = ["render", "report_content", "write_report"]
