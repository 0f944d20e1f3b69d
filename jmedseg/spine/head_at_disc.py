"""The lowest rib level found in a disc slice: given to the vertebra above when the one above is otherwise bare.

`jmedseg.spine.ribs.mark_rib_bearing` gives a head that no vertebra holds (it lies in the slices of
a disc) to the vertebra below that disc, and `jmedseg.spine.levels.rib_anchor_doubt` then does not
count the T12 anchor ("the lowest rib's head lies at the disc above its vertebra"). Which of the two
vertebrae bears it can be told from the ribs above: ribs are borne by consecutive vertebrae (T1 to
T12; an 11th or 13th pair shortens or lengthens the run at its lower end, it never leaves a vertebra
out), so when the vertebra above the disc bears no rib and the one above that does, a rib level on
the lower vertebra would leave a rib-free vertebra between two rib-bearing ones: the level belongs to
the vertebra above the disc (issue 20: synthetic CT 10 of the 200-CT series, seed 2026, 3 mm slices,
the T12/L1 disc found 6 mm up in T12's body at the height of the twelfth rib's neck; T12 bare, L1
holding the twelfth rib, the T12 anchor not counted).

The same picture arises when the vertebra above bears a rib the search missed (its own rib level
then lies two vertebrae above the disc instead of one). The move is made only when the next rib
level lies less than `NEXT_LEVEL_PITCHES` of that vertebra's disc-to-disc length above the disc:
one vertebra up, where its own rib level would be, not two. The pitch is the larger of that vertebra's disc to
disc and the rib levels' own pitch over it (the next level to the one above it, `_level_pitch`): the disc under the
bare vertebra may be found up in its body, which then measures short. Issue 20, seed 97 CT 10 (abdomen + pelvis,
5 mm): the T12/L1 disc found 8 mm up in T12 at the twelfth rib's heads (193 mm), T12 measured 20 mm disc to disc,
the eleventh level 32 mm over the disc against a 29 mm rib pitch over it (T10's to T11's heads): not moved at 1.5
times 20 mm, and the sacrum's count stood alone. A rib missed on the bare vertebra puts the next level two rib
pitches over the disc, still refused.
"""
from jmedseg.spine.levels import lowest_rib_bearing, rib_level_groups

NEXT_LEVEL_PITCHES = 1.5    # the next rib level one vertebra above the disc (at most a pitch plus its head's
                            # height on its body, which lies on the body's upper half), two vertebrae up when
                            # a rib between was missed: half way between the two


def lowest_level_up(segments, dz):
    """Move the lowest rib level (in place) from segment i to i + 1 when all its heads lie in the disc between
    them, segment i + 1 bears no rib and is bounded by two discs, and segment i + 2 bears a rib level less than
    `NEXT_LEVEL_PITCHES` pitches of segment i + 1 above that disc. The reason goes into segment i + 1's note.
    Returns True when moved.
    """
    low = lowest_rib_bearing(segments)
    if low is None or low + 2 >= len(segments):
        return False
    seg, bare, above = segments[low], segments[low + 1], segments[low + 2]
    if not seg.rib_z or min(seg.rib_z) <= seg.hi + 0.5 or max(seg.rib_z) >= bare.lo - 0.5:
        return False                         # a head on the body itself, or not in the disc just above it
    if bare.ribs or not above.ribs or not (bare.lower_disc and bare.upper_disc):
        return False
    disc = 0.5 * (seg.hi + bare.lo)         # slices: the middle of the disc between the two segments
    pitch = (0.5 * (bare.hi + above.lo) - disc) * dz    # segment i + 1 disc to disc (mm)
    next_level = min(above.rib_z)
    pitch = max(pitch, _level_pitch(segments, next_level, dz))
    if (next_level - disc) * dz >= NEXT_LEVEL_PITCHES * pitch:
        return False
    bare.ribs, bare.rib_z, seg.ribs, seg.rib_z = seg.ribs, seg.rib_z, (), []
    bare.notes.append("the lowest rib level lies in the disc below this vertebra, which bore no rib while the "
                      "vertebra above it does: given to it (ribs are borne by consecutive vertebrae)")
    return True


def _level_pitch(segments, z_next, dz):
    """The rib levels' pitch (mm) over the level holding slice `z_next`: its distance to the level above it; 0
    without one."""
    groups = rib_level_groups([z for s in segments for z in s.rib_z], dz)
    k = next((j for j, g in enumerate(groups) if z_next in g), None)
    if k is None or k + 1 >= len(groups):
        return 0.0
    return (float(sum(groups[k + 1]) / len(groups[k + 1])) - float(sum(groups[k]) / len(groups[k]))) * dz
