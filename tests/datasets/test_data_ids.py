"""data.ids.check_id: the one gate for ids that become file names (issue: writes outside --out)."""
import pytest

from jmedseg.data.ids import MAX_ID_LENGTH, check_id
from jmedseg.errors import InputError, JmedsegError


@pytest.mark.parametrize("good", ["s001", "N_042", "patient-7", "a" * MAX_ID_LENGTH, "1.2.840.113619"])
def test_ordinary_ids_pass_unchanged(good):
    assert check_id(good) == good


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"), (".", "folder"), ("..", "folder"), ("../../evil", "starts with"), ("sub/../../evil", "separator"), ("a/b", "separator"),
    ("a\\b", "separator"), (".hidden", "starts with"), ("a" * (MAX_ID_LENGTH + 1), "characters long"),
    ("tab\there", "printable"), ("new\nline", "printable"),
])
def test_ids_that_could_leave_a_folder_are_refused_with_the_reason(bad, reason):
    with pytest.raises(InputError, match=reason) as err:
        check_id(bad, what="study id")
    assert "study id" in str(err.value)
    assert isinstance(err.value, JmedsegError) and isinstance(err.value, ValueError)
