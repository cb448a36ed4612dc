"""fastcnn report / train --report: one offline HTML page, checked in a real browser and against evaluate --json."""
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fastcnn.records import Preprocessing, Settings, Split, TrainingRecord, DataSource
from fastcnn.report.run import reproduce_command
from fastcnn_cli.main import cli
from tests.browser import find_chromium, load_page

SECTIONS = ["The run at a glance", "Training curves", "Evaluation", "Galleries", "Inside the network", "The model",
            "First layer's filters"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The reference model trained 2 epochs on the built-in galaxies with --report: (model path, report path)."""
    folder = tmp_path_factory.mktemp("report")
    model = folder / "galaxy_model.npz"
    result = CliRunner().invoke(cli, ["train", "--epochs", "2", "--out", str(model), "--report", "--no-checkpoints",
                                      "--no-plots", "--learning-rate", "0.002", "--seed", "3"])
    assert result.exit_code == 0, result.output
    report = folder / "galaxy_model.report.html"
    assert f"Report: {report}" in result.output
    return model, report


class Page(HTMLParser):
    """The parts of the page the tests read: headings, images, links, scripts, and text by element id."""

    def __init__(self, html):
        super().__init__()
        self.h2, self.images, self.links, self.scripts, self.by_id, self._open = [], [], [], 0, {}, []
        self._h2 = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h2":
            self._h2 = ""
        if tag == "img":
            self.images.append(attrs)
        if tag in ("a", "link"):
            self.links.append(attrs.get("href", ""))
        if tag == "script":
            self.scripts += 1
        if "id" in attrs:
            self._open.append([attrs["id"], tag, ""])

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.h2.append(self._h2.strip())
            self._h2 = None
        if self._open and self._open[-1][1] == tag:
            element, _, text = self._open.pop()
            self.by_id[element] = text

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2 += data
        for entry in self._open:
            entry[2] += data


def test_the_page_has_every_section_in_order_and_nothing_external(trained):
    _, report = trained
    html = report.read_text()
    page = Page(html)
    assert page.h2 == SECTIONS
    assert page.scripts == 0
    assert all(link.startswith("#") for link in page.links), page.links  # only links within the page
    assert "http://" not in html and "https://" not in html
    assert len(page.images) > 20
    for image in page.images:
        assert image["src"].startswith("data:image/png;base64,") and image.get("alt", "").strip(), image.get("alt")
    assert report.stat().st_size < 5e6  # the default run's page stays under about 5 MB
    assert '<meta name="viewport"' in html and '<html lang="en">' in html


def test_the_numbers_on_the_page_are_those_of_evaluate_json(trained):
    model, report = trained
    result = CliRunner().invoke(cli, ["evaluate", str(model), "--json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.output)
    page = Page(report.read_text())
    for key in ("categorical_accuracy", "balanced_accuracy", "macro_f1", "loss", "auc"):
        element = "accuracy" if key == "categorical_accuracy" else key
        assert page.by_id[element].strip() == f"{expected[key]:.4f}", key
    cells = [int(c) for c in re.findall(r"<td class=\"n\">(\d+)</td>", report.read_text().split('id="confusion"')[1]
                                        .split("</table>")[0])]
    assert cells == [c for row in expected["confusion_matrix"] for c in row]
    per_class = report.read_text().split('id="per-class"')[1].split("</table>")[0]
    for name, scores in expected["per_class"].items():
        row = per_class.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]
        assert f"{scores['recall']:.3f}" in row and f">{scores['support']}<" in row
    assert page.by_id["total-params"].strip() == "7,164"
    assert "<code>fastcnn train --epochs 2 --learning-rate 0.002 --seed 3</code>" in report.read_text()


def test_the_report_command_writes_the_same_page_for_a_saved_model(trained, tmp_path):
    model, report = trained
    out = tmp_path / "again.html"
    result = CliRunner().invoke(cli, ["report", str(model), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote the report to {out}" in result.output
    strip = re.compile(r"Written [^<]* by fastcnn")  # the time it was written is the only difference
    assert strip.sub("", out.read_text()) == strip.sub("", report.read_text())


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium (Debian's chromium package; .ci/run installs it)")
@pytest.mark.parametrize("width", [1200, 390])
def test_the_page_loads_in_headless_chromium_offline_and_whole(trained, width):
    _, report = trained
    page = load_page(report, width=width)
    assert page["errors"] == []
    assert page["requests"] == []
    assert len(page["image_widths"]) > 20 and all(w > 0 for w in page["image_widths"]), page["image_widths"]
    for section in SECTIONS:
        assert section in page["text"]
    assert page["scroll_width"] <= width + 1  # readable at a phone's width: nothing scrolls the page sideways
    screenshot = np.asarray(Image.open(io.BytesIO(page["screenshot"])).convert("L"), dtype=float)
    assert screenshot.shape[0] > 3000 and screenshot.std() > 20  # a long page with pictures, not blank


def test_the_command_to_train_it_again_names_every_setting():
    record = TrainingRecord(data=DataSource("/d/labels.csv", "", "file", "label"), split=Split(0.25, 7),
                            settings=Settings(epochs=3, batch_size=32, learning_rate=0.003, seed=7,
                                              lr_schedule="warmup:1,cosine", augment="dihedral",
                                              class_weight="balanced", label_smoothing=0.1))
    command = reproduce_command(record, Preprocessing((64, 64), 0.5))
    assert command == ("fastcnn train --data /d/labels.csv --crop 0.5 --image-size 64 --epochs 3 --batch-size 32 "
                       "--learning-rate 0.003 --lr-schedule warmup:1,cosine --augment dihedral --class-weight "
                       "balanced --label-smoothing 0.1 --val-split 0.25 --seed 7")
    assert reproduce_command(None, None) is None
    spaced = TrainingRecord(data=DataSource("/my data/x.csv", "", "file", "label"), settings=Settings())
    assert "--data '/my data/x.csv'" in reproduce_command(spaced, None)


def test_without_jinja2_the_report_says_how_to_install_it(trained, tmp_path, monkeypatch):
    import sys

    model, _ = trained
    monkeypatch.setitem(sys.modules, "jinja2", None)
    result = CliRunner().invoke(cli, ["report", str(model), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == 'Error: the HTML report needs Jinja2: pip install "fastcnn[report]"'
    assert not (tmp_path / "r.html").exists()


def test_scores_do_not_need_the_models_own_metrics():
    import fastcnn
    from fastcnn.evaluation import scores

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(20) % 4
    bare = fastcnn.galaxy_classifier((32, 32, 3), seed=0).compile(fastcnn.Adam(1e-3))  # no metrics at all
    full = fastcnn.galaxy_classifier((32, 32, 3), seed=0).compile(
        fastcnn.Adam(1e-3), metrics=["categorical_accuracy", "auc"])
    for model in (bare, full):
        model.class_names = ("a", "b", "c", "d")
    got, expected = scores(bare, x, labels)[0], scores(full, x, labels)[0]
    assert got["auc"] == expected["auc"] and got["categorical_accuracy"] == expected["categorical_accuracy"]
    assert 0 <= got["auc"] <= 1
