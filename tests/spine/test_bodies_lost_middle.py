"""A body lost in a slice of its middle: its label judged as a piece (issue 20 section 1, `bodies._lost_in_middle`).

Synthetic (phantom-only) cases. At 5 mm slices the pedicles and rib heads taken for blood pool can take a thoracic
body's posterior half out of its middle slice; the rest of the label lies to one side of its segment. On benchmark CT
12 of seed 31 (chest, delayed, 5 mm) T7's middle slice had no body and its label lay 12 mm from T7's centre, nearer
T6's: confirmed once both rib anchors were counted (docs/spine.md, branch `c7top`).
"""
from jmedseg.spine.bodies import MIN_BODY_SHARE, PIECE_OFF_CENTRE_SHARE, _flag_pieces_off_centre, _lost_in_middle
from tests.spine.test_bodies_piece_off_centre import SP, _segments_with_label


def _judge(slices):
    """The middle segment (9-16, 24 mm) with its label in `slices`: flagged as `split_bodies` flags it."""
    labels, segments = _segments_with_label(slices)
    _flag_pieces_off_centre(labels, segments, _lost_in_middle(labels, segments), SP[2])
    return segments


def test_a_label_beside_an_empty_middle_is_flagged_uncertain():
    """Label in slices 14-16 (3 of 8, over `MIN_BODY_SHARE`: not a lost body), slices 11-13 of the middle empty: the
    label lies 6 mm above the middle of its 24 mm segment (a quarter of it), flagged with the offset."""
    assert 3 >= MIN_BODY_SHARE * 8
    segments = _judge([14, 15, 16])
    assert (15.0 - 12.5) * SP[2] > PIECE_OFF_CENTRE_SHARE * 24.0
    assert segments[1].flags == ["uncertain_level"]
    assert "lies 8 mm above the middle of its 24 mm segment" in segments[1].notes[0]
    assert segments[0].flags == [] and segments[2].flags == []


def test_an_empty_middle_slice_with_the_label_round_it_keeps_its_level():
    """Slice 12 of the middle empty, the label in the rest: centred 0.2 mm from the middle, no flag."""
    assert [1] == _lost_in_middle(*_segments_with_label([9, 10, 11, 13, 14, 15, 16]))
    assert _judge([9, 10, 11, 13, 14, 15, 16])[1].flags == []


def test_slices_next_to_the_discs_without_body_are_not_a_lost_middle():
    """Slices 9 and 15-16 empty (partial volume beside the discs): the middle (11-14) holds the body, not judged."""
    labels, segments = _segments_with_label([10, 11, 12, 13, 14])
    assert _lost_in_middle(labels, segments) == []
