import os
import stat

import pytest
from helpers import ROOT

from commercie_analysis.exceptions import DataError
from commercie_analysis.outputs import (
    MARKER,
    check_destination,
    check_writable,
    output_file,
    output_folder,
)


def test_files_appear_only_when_the_step_succeeds(tmp_path):
    destination = tmp_path / "results"
    with pytest.raises(RuntimeError), output_folder(destination) as stage:
        (stage / "half.csv").write_text("a,b\n")
        raise RuntimeError("the step failed")
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind


def test_a_new_run_replaces_the_previous_results_whole(tmp_path):
    destination = tmp_path / "results"
    with output_folder(destination) as stage:
        (stage / "old_only.csv").write_text("1\n")
    with output_folder(destination) as stage:
        (stage / "new.csv").write_text("2\n")
    assert sorted(p.name for p in destination.iterdir()) == [MARKER, "new.csv"]


def test_a_failed_run_keeps_the_previous_results(tmp_path):
    destination = tmp_path / "results"
    with output_folder(destination) as stage:
        (stage / "kept.csv").write_text("1\n")
    with pytest.raises(RuntimeError), output_folder(destination) as stage:
        (stage / "new.csv").write_text("2\n")
        raise RuntimeError
    assert (destination / "kept.csv").read_text() == "1\n"
    assert not (destination / "new.csv").exists()


def test_a_folder_of_other_files_is_refused_and_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="new or empty folder"):
        with output_folder(tmp_path):
            pass
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_empty_existing_folder_is_used(tmp_path):
    with output_folder(tmp_path) as stage:
        (stage / "a.txt").write_text("a")
    assert (tmp_path / "a.txt").exists()


def test_results_have_ordinary_permissions(tmp_path):
    # Temporary files and folders are private; results must not stay so, or the
    # service that should read an exported model cannot.
    destination = tmp_path / "results"
    with output_folder(destination):
        pass
    with output_file(tmp_path / "model.json") as staged:
        staged.write_text("{}")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(destination.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((tmp_path / "model.json").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize(
    "path", [ROOT / "data" / "raw" / "x", ROOT / "data" / "raw" / ".." / "raw" / "y"]
)
def test_data_raw_is_never_a_destination(path):
    with pytest.raises(DataError, match="data/raw"):
        check_writable(path)


def test_any_data_raw_folder_is_protected(tmp_path):
    with pytest.raises(DataError, match="data/raw"):
        check_writable(tmp_path / "data" / "raw" / "results")


def test_unwritable_places_are_one_message(tmp_path):
    with pytest.raises(DataError, match="cannot write there"):
        with output_folder("/proc/not-a-place"):
            pass
    with pytest.raises(DataError, match="is a folder"):
        with output_file(tmp_path):
            pass
    with pytest.raises(DataError, match="does not exist"):
        with output_file(tmp_path / "no" / "such" / "model.json"):
            pass


def test_output_file_is_atomic(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), output_file(target) as staged:
        staged.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old"
    with output_file(target) as staged:
        staged.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_files_added_to_earlier_results_are_never_deleted(tmp_path):
    destination = tmp_path / "results"
    with output_folder(destination) as stage:
        (stage / "loadings.csv").write_text("1\n")
    (destination / "my_analysis.R").write_text("# mine")
    with pytest.raises(DataError, match="my_analysis.R"):
        with output_folder(destination):
            pass
    assert (destination / "my_analysis.R").read_text() == "# mine"


def test_destination_can_be_checked_before_any_work(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="notes.txt"):
        check_destination(tmp_path)
    assert check_destination(tmp_path / "new") == tmp_path / "new"
