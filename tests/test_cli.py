"""The fastcnn command: --version and summary (click's CliRunner)."""
import shutil
import subprocess

import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn_cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"fastcnn {fastcnn.__version__}"


def test_summary_prints_the_reference_model():
    result = run("summary")
    assert result.exit_code == 0, result.output
    assert "Total params: 7,164" in result.output
    assert "conv2d (Conv2D)" in result.output and "(None, 63, 63, 8)" in result.output


def test_summary_of_an_impossible_input_is_a_one_line_user_error():
    result = run("summary", "--input-size", "5")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: Conv2D 'conv2d_1': kernel 3x3 is larger than the 1x1 input (padding='valid')"]


def test_unknown_command_exits_2():
    assert run("frobnicate").exit_code == 2


@pytest.mark.skipif(shutil.which("fastcnn") is None, reason="the fastcnn console script is not installed")
def test_installed_console_script():
    result = subprocess.run(["fastcnn", "summary"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Total params: 7,164" in result.stdout
