"""The vertebrae between the discs, and their level names from anatomical anchors.

Discs come from `jmedseg.spine.discs`, ribs from `jmedseg.spine.ribs`. Anchors
(counted independently along the column, then compared):
- sacrum: the lowest segment of the column is S1 when it holds the sacral base (alae over
  100 mm wide) with the iliac wings beside it: `jmedseg.spine.sacrum`; a
  lumbosacral transitional vertebra found there flags every level `uncertain_level`;
- lowest rib: the lowest rib-bearing vertebra is T12 (12 rib pairs in most adults), when a
  vertebra without ribs lies below it in the scan (complete, or its upper `NEIGHBOUR_SEEN_MM`, or as far as the
  next rib head's place: `next_head_place_seen`);
- first rib pair: the highest vertebra with a rib on both sides is T1, when a vertebra
  without a rib pair lies above it in the scan (complete, or its lower `NEIGHBOUR_SEEN_MM`;
  else the first ribs may be above the field of view). Ribs come in pairs: a one-sided rib-like bone at the top
  (a cervical rib, a transverse process touching the clavicle) is not the first pair.
The two rib anchors share one method (a rib head given to the vertebra between two discs),
so each is counted only when its vertebra is unambiguous (`rib_anchor_doubt`), and anchors
agreeing across a gap where a disc may have been missed confirm nothing.
Two or more anchors that agree on the count between them confirm the levels between
them; levels outside that range are counted by discs from one anchor and flagged
`uncertain_level` (L1 and L2 under a T12 the ribs and the first pair confirm, each a lumbar pitch under the level
over it, are confirmed afterwards by `under_t12`). Anchors that disagree (11 or 13 rib pairs, a lumbosacral
transitional vertebra, a missed disc): every level is flagged `uncertain_level`, with
the counts in the note; the names come from the larger agreeing group, one against one from
the anchor most often right (`naming_rank`), or, when one possibly missed disc between two
anchors explains their difference, each from the anchor on its side (`missed_disc_gap`).
One anchor only: names from it, all flagged. No anchor: no names.
"""
from dataclasses import dataclass, field

import numpy as np

from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.spine.low_heads import chain_bounded, flag_low_heads
from jmedseg.spine.pair_under_cut_t1 import first_pair_under_cut_t1
from jmedseg.spine.piece_over_heads import piece_short_over_heads

# Inferior to superior; TotalSegmentator v2 ids.
LEVEL_NAMES = ("S1", "L5", "L4", "L3", "L2", "L1", "T12", "T11", "T10", "T9", "T8", "T7", "T6", "T5", "T4",
               "T3", "T2", "T1", "C7")
TOTALSEG_IDS = {name: TOTALSEG_V2[name] for name in LEVEL_NAMES}
UNIDENTIFIED_BASE = 100          # an unnamed vertebra k (1 = highest in the scan) gets id 100 + k

MAX_PITCH_MM = 50.0              # tallest body plus disc (L5 of a tall adult) is about 45 mm
MIN_SEGMENT_MM = 9.0             # a column end shorter than this is a sliver of a vertebra, not counted
NEIGHBOUR_SEEN_MM = 15.0         # most of a C7, T1 or L1 body (14-17, 24-27 mm tall): its rib head would show
HEAD_ABOVE_DISC_MM = 32.0        # a rib's medial end lies on its body (T12: 20-28 mm tall) above the half disc
                                 # (4-5 mm) below it; further up, a disc between them was missed
THICK_SLICE_MM = 4.0             # slices this thick or more average a rib (8-12 mm tall, sloping) over most of
                                 # its height (partial volume thins it below `BONE_HU` at its edges), and a disc
                                 # (4-5 mm) with the endplate over it
FIRST_HEAD_OVER_DISC_MM = 7.0    # the first rib's head lies on T1's body alone, on its upper half: over half the
                                 # body (14-17 mm tall) above the T1/T2 disc; rib 2's head lies at that disc
TWICE_PITCHES = 0.5              # a lone head this share of its vertebra's pitch from a pair there: one rib again
RIB_HALF_HEIGHT_MM = 4.0         # half the thinnest rib's height (8-12 mm): that much of a rib in the scan shows it
LOW_RIB_PITCH_MM = 24.0          # the shortest pitch of T10-T12 (body 20-25 mm and disc 4-6 mm: 24-30 mm)
RIB_LEVEL_GAP_MM = 8.0           # heads closer in z are one rib level (left and right, 0-5 mm apart);
                                 # consecutive levels are a body plus a disc apart (15 mm or more)
MISSING_ANCHORS = {"S1": "no rib-bearing vertebra", "T12": "no sacrum and no first rib pair",
                   "T1": "no sacrum and no rib-free vertebra below the lowest rib"}
ANCHOR_WORDS = {"S1": "sacrum", "T12": "ribs", "T1": "first rib pair"}     # in the summary line
ANCHOR_LABELS = {"S1": "the sacrum", "T12": "the lowest rib-bearing vertebra (T12)",
                 "T1": "the first rib pair (T1)"}


@dataclass
class Segment:
    """One vertebra between two discs: z range on the working grid (slices lo..hi inclusive)."""

    lo: int
    hi: int
    lower_disc: bool          # a disc was found below (else the column ends: field of view or sacrum)
    upper_disc: bool
    width_mm: float = 0.0
    ribs: tuple = ()          # sides ('left', 'right') with a rib whose head is at this segment
    rib_z: list = field(default_factory=list)    # the slice of each of those heads
    disc_missed: bool = False  # taller than a vertebra and a disc (`MAX_PITCH_MM`): a disc may be missing in it
    name: str = None
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def column_range(column, spacing, max_gap_mm=25.0):
    """(first, last) slice of the longest run of body seeds without a gap taller than a disc (the column)."""
    ks = np.flatnonzero(column.seen)
    if len(ks) == 0:
        return None
    runs, start = [], 0
    for i in range(1, len(ks)):
        if (ks[i] - ks[i - 1]) * spacing[2] > max_gap_mm:
            runs.append((ks[start], ks[i - 1]))
            start = i
    runs.append((ks[start], ks[-1]))
    return max(runs, key=lambda r: r[1] - r[0])


def segments_between(discs, lo, hi, dz):
    """Vertebrae between consecutive discs, plus the column's two ends when they are tall enough."""
    edges = [lo] + list(discs) + [hi]
    segs = []
    for j in range(len(edges) - 1):
        a, b = edges[j], edges[j + 1]
        lower, upper = j > 0, j < len(edges) - 2
        s0, s1 = a + (1 if lower else 0), b - (1 if upper else 0)
        if (s1 - s0 + 1) * dz < MIN_SEGMENT_MM:
            continue
        seg = Segment(s0, s1, lower, upper)
        if (b - a) * dz > MAX_PITCH_MM:
            seg.disc_missed = True
            seg.flags.append("uncertain_level")
            seg.notes.append(f"{(b - a) * dz:.0f} mm between discs: a disc may have been missed")
        segs.append(seg)
    return segs


def measure_widths(segments, column, spacing):
    """Typical left-right extent (mm) of the body cross-section in each segment (sacral alae are wide)."""
    for seg in segments:
        body = column.body[:, :, seg.lo:seg.hi + 1]
        per_slice = [np.ptp(np.flatnonzero(body[:, :, k].any(axis=1))) + 1 for k in range(body.shape[2])
                     if body[:, :, k].any()]
        # the median of the widest 10 mm of slices: robust to one stray slice, and the alae span more than
        # 10 mm of the sacrum's height
        n = max(3, int(round(10.0 / spacing[2])))
        seg.width_mm = float(np.median(sorted(per_slice)[-n:]) * spacing[0]) if per_slice else 0.0


def find_anchors(segments, dz=0.0, sacrum=None, ribs_clear_to=None, processes_shown=False):
    """({anchor level: segment index}, {anchor level: (segment index, why it is not counted)}) of the anchors in view
    (segments ordered inferior to superior).

    `sacrum`: a `jmedseg.spine.sacrum.SacrumFinding` (its `segment` is S1, or None).
    `ribs_clear_to`: the slice up to which the scan shows no rib above the column's top
    (`jmedseg.spine.ribs.ribs_clear_above`; past the scan's top where its edge cuts a vertebra that shows no rib
    where its own would lie): the top vertebra counts as seen that far. `processes_shown`: whether the vertebra over
    the highest rib level shows its transverse processes and no rib (`jmedseg.spine.ribs.clear_above`; read at
    slices of `THICK_SLICE_MM` or more by `_thick_chain_seen`).

    A rib anchor needs its rib-free neighbour in view: a vertebra without ribs below the lowest
    rib-bearing one (else the scan may cut T12 off), without a rib pair above the highest pair
    (else the scan may cut T1 off), complete or with at least `NEIGHBOUR_SEEN_MM` of it in view
    on the anchor's side (a rib head sits on the upper half of its body or the disc above it).
    A rib anchor is also counted only when its rib's vertebra is unambiguous (`rib_anchor_doubt`).
    """
    n = len(segments)
    anchors, doubts = {}, {}
    if n and sacrum is not None and sacrum.segment is not None:
        anchors["S1"] = sacrum.segment

    def seen(s, disc_towards_anchor):
        top = max(s.hi, ribs_clear_to) if ribs_clear_to is not None and s is segments[-1] else s.hi
        return disc_towards_anchor and (s.lower_disc and s.upper_disc or (top - s.lo + 1) * dz >= NEIGHBOUR_SEEN_MM)

    rib_idx = [i for i, s in enumerate(segments) if s.ribs]
    if rib_idx and any(seen(s, s.upper_disc) or i == anchors.get("S1") for i, s in enumerate(segments[:rib_idx[0]])):
        anchors["T12"] = rib_idx[0]
    pairs = [i for i, s in enumerate(segments) if len(s.ribs) == 2]
    if pairs:
        top = pairs[-1]
        above = any(seen(s, s.lower_disc) and len(s.ribs) < 2 for s in segments[top + 1:])
        if top != anchors.get("T12") and (above or _end_over_disc_seen(segments, top, dz, ribs_clear_to,
                                                                        processes_shown)):
            anchors["T1"] = top
    for level, why in rib_anchor_doubt(segments, anchors, dz).items():
        doubts[level] = (anchors.pop(level), why)
    return anchors, doubts


def _end_over_disc_seen(segments, top, dz, ribs_clear_to, processes_shown=False):
    """Whether the column goes on over the disc above the highest rib pair's vertebra `top`, the column's top
    segment, and the scan shows no rib over that disc for `NEIGHBOUR_SEEN_MM` (`ribs_clear_to`).

    The vertebra over the disc is in view, but its body was followed for less than `MIN_SEGMENT_MM` (no segment):
    the scan's top edge cuts it a slice or two over the disc at 2-3 mm slices (issue 20, seed 53 CT 73, 3 mm: C7/T1
    disc found, 6 mm of C7 followed, the edge 8 mm over the disc; C7's transverse processes in the band and no rib,
    `ribs._edge_vertebra_rib_free`). Whether it bears a rib is seen all the same: a head in the followed end lies
    within half a pitch of the disc and is given to `top` (`ribs.mark_rib_bearing`), making two rib levels there
    (`rib_anchor_doubt` then refuses the pair), and one above the followed end is what `ribs.ribs_clear_above`
    looks for. Without the disc the end may be the top of `top`'s own body: nothing counts.
    The pair's heads must also lie more than `FIRST_HEAD_OVER_DISC_MM` over `top`'s lower disc: the first rib
    articulates with T1's body alone, on its upper half, while the second rib's head lies at the T1/T2 disc, so a
    pair just over its segment's lower disc may be T2's (the first missed), or that disc lies inside T1's body and the
    segment is C7's lower part with T1's top. Held-out seed 7 CT 29 (3 mm): discs 7-10 mm too high from C7 to T3, the
    first pair's heads 4 mm over the lower disc, and T1-T3 were confirmed on segments nearer C7-T2 (docs/spine.md).
    Not at slices of `THICK_SLICE_MM` or more: there the end is one slab over a disc as thick as the slice, which
    averages the disc with the endplate over it, so the slab shows no body of the vertebra above. Measured: at 5 mm
    the rule confirmed seed 31 CT 12 (chest, held out), whose T7 segment is cut by a disc 6 mm inside T6 and was then
    confirmed-but-wrong by 0.1 mm (docs/spine.md, branch `firstpair`). At those slices the vertebra over the disc
    counts only where its own level is seen instead: its transverse processes on both sides in the rib band over the
    highest rib level and no rib there (`processes_shown`, `ribs._processes_over_top_level`; branch
    `thicktop`: seed 53 CT 49, seed 61 CT 1, seed 67 CT 85, 5 mm), and the segments under it are cut where their
    rib heads say (`_thick_chain_seen`, branch `thick5`).
    """
    seg = segments[top]
    if top != len(segments) - 1 or not seg.upper_disc or ribs_clear_to is None:
        return False
    if dz >= THICK_SLICE_MM and not _thick_chain_seen(segments, top, processes_shown):
        return False
    if (min(seg.rib_z) - seg.lo + 0.5) * dz <= FIRST_HEAD_OVER_DISC_MM:
        return False
    return (ribs_clear_to - seg.hi - 1) * dz >= NEIGHBOUR_SEEN_MM


def _thick_chain_seen(segments, top, processes_shown):
    """At slices of `THICK_SLICE_MM` or more, whether `_end_over_disc_seen` may count the pair on `top`: the vertebra
    over it shows its own level (`processes_shown`: its transverse processes in the rib band and no rib,
    `ribs._processes_over_top_level`) and the segments of T2-T8 are cut where their rib heads say
    (`thick_chain.heads_in_upper_half`).

    The second condition: this route counts T1 where the column's track lost the vertebra over it, and a first-pair
    anchor confirms every thoracic level it agrees on. At 5 mm a mid-thoracic disc placed inside the vertebra above
    (a body lost to the pool in most of its slabs, a disc averaged with the endplate over it) gives a segment nearer
    that neighbour: measured, seed 59 CT 45 (T9 confirmed 14 mm off, on T8) and seed 31 CT 12 (T7 on T6, 12 mm) once
    their first pair counted by this route (branch `thicktop`); the share of their bodies found in each slice did not
    separate them from the right CTs, the heads' place between the discs does (branch `thick5`).
    """
    if not processes_shown:
        return False
    lowest = lowest_rib_bearing(segments)
    return lowest is not None and chain_bounded(segments, lowest, top)   # low heads flagged after (`low_heads`)


def lowest_rib_bearing(segments):
    """Index of the lowest segment bearing a rib (segments inferior to superior; T12's in a normal spine), or None."""
    return next((i for i, s in enumerate(segments) if s.ribs), None)


def rib_anchor_doubt(segments, anchors, dz):
    """{rib anchor: why its vertebra is ambiguous} for the T12 and T1 anchors of `anchors`.

    The two rib anchors share one method (a rib head given to the vertebra between two discs), so one
    systematic error (a missed or extra disc, a head given to the vertebra below) moves both the same way
    and they "agree" one level off (synthetic benchmark CTs 57 and 58, seed 2026). Each is counted only when:
    - T12: its segment is no gap where a disc may have been missed (`MAX_PITCH_MM`), and
      the lowest rib's head lies inside it (not in the half pitch above it, where the head of a rib spanning
      the disc above its own body, 2-9, is allowed: the twelfth rib articulates with T12's body only) and at
      most `HEAD_ABOVE_DISC_MM` above its lower disc (further up, a disc between them was missed);
    - T1: every vertebra from the lowest rib-bearing one to it bears a rib and holds exactly one rib level (heads within
      `RIB_LEVEL_GAP_MM` of z), so the rib levels and the vertebrae between the discs count the
      same number and no gap there holds a missed disc: then neither a disc nor a rib was missed or added. A lone
      head beside a pair in one vertebra, under half its pitch away, is one rib found twice (`_twice_found`).
    """
    why = {}
    t12, t1 = anchors.get("T12"), anchors.get("T1")
    if t12 is not None:
        seg = segments[t12]
        head = min(seg.rib_z) if seg.rib_z else None
        if seg.disc_missed:
            why["T12"] = "a disc may have been missed at the lowest rib's vertebra"
        elif head is not None and head > seg.hi + 0.5:
            why["T12"] = "the lowest rib's head lies at the disc above its vertebra: it may be the next vertebra's"
        elif head is not None and (head - seg.lo + 0.5) * dz > HEAD_ABOVE_DISC_MM:
            why["T12"] = (f"the lowest rib's head lies {(head - seg.lo + 0.5) * dz:.0f} mm above the disc below "
                          "it: a disc between them may have been missed")
    lowest = lowest_rib_bearing(segments)
    if t1 is not None and lowest is not None:
        chain = segments[lowest:t1 + 1]
        levels = _rib_levels([z for s in chain for z in s.rib_z], dz) - sum(_twice_found(s, dz) for s in chain)
        bare = sum(1 for s in chain if not s.ribs)
        if bare or levels != len(chain) or any(s.disc_missed for s in chain):
            why["T1"] = (f"from the lowest rib to the first rib pair {levels} rib levels but {len(chain)} vertebrae "
                         f"between the discs ({bare} without a rib): a disc or a rib was missed or added")
    return why


def _twice_found(seg, dz):
    """Number of rib levels of segment `seg` that are one rib found twice: a level of one head within
    `TWICE_PITCHES` of the vertebra's pitch (disc to disc) from a level of two heads in the same vertebra.

    Each vertebra bears one rib a side, and consecutive rib levels lie a vertebra's pitch apart (upper thorax
    18-22 mm, lower 25-30 mm; a head is found within 1-5 mm of its disc, ribs 6-9 up to 10 mm lower): a lone head
    under half a pitch from a pair's level in the same vertebra is not the next rib but one of the pair's ribs read
    again (its medial end and, higher, its neck rising to the tubercle). Counted as a level of its own, it made 13
    rib levels on 12 vertebrae and `rib_anchor_doubt` refused the first pair (issue 20, seed 67 CT 84, chest,
    1.5 mm: the ninth rib's left head found at 307 and 317 mm beside the right one at 301 mm, its vertebra 28 mm
    disc to disc). A real level found there would come with a disc missed between two vertebrae: the two rib
    anchors, each on its own vertebra, then count one vertebra off twelve and disagree: nothing is confirmed wrong.
    """
    groups = rib_level_groups(seg.rib_z, dz)
    pairs = [float(np.mean(g)) for g in groups if len(g) >= 2]
    half = TWICE_PITCHES * (seg.hi - seg.lo + 2)
    return sum(1 for g in groups if len(g) == 1 and any(abs(g[0] - z) < half for z in pairs))


def next_head_place_seen(segments, dz):
    """Whether the column goes on under the lowest rib level for one rib pitch and `RIB_HALF_HEIGHT_MM` more: the
    height where the next rib's head would lie, were the vertebra under the lowest rib-bearing one to bear a rib.

    Consecutive rib heads lie a vertebra's pitch apart, each at the same place on its own body (ribs 10-12 articulate
    with their own body only, at its upper half, never across a disc), and the pitch grows downwards (T10-T12 24-30 mm,
    L1 28-35 mm): the next head under the lowest level lies at least the pitch of the two lowest levels under it. With
    half a rib's height (8-12 mm) more in view, a head there would show whole. Needs a disc between the lowest
    rib-bearing segment and the one under it (the neighbour is a vertebra of its own); without two rib levels there
    is no pitch to go by, and a pitch under `LOW_RIB_PITCH_MM` (a level found twice, a one-sided part of a rib) counts
    as that.
    """
    low = lowest_rib_bearing(segments)
    if low is None or low == 0 or not segments[low - 1].upper_disc:
        return False
    groups = rib_level_groups([z for s in segments for z in s.rib_z], dz)
    if len(groups) < 2:
        return False
    z_low, z_next = float(np.mean(groups[0])), float(np.mean(groups[1]))
    pitch_mm = max((z_next - z_low) * dz, LOW_RIB_PITCH_MM)
    return (z_low - segments[0].lo) * dz >= pitch_mm + RIB_HALF_HEIGHT_MM


def _count_last_rib_over_short_end(segments, anchors, doubts, dz):
    """Count the lowest rib-bearing vertebra as T12 where `find_anchors` left it out only because the rib-free
    vertebra under it is in view for less than `NEIGHBOUR_SEEN_MM` (the column's bottom segment, short), but the
    column reaches the place of the next rib's head (`next_head_place_seen`) and no head lies there.

    `NEIGHBOUR_SEEN_MM` asks for most of the body under the lowest rib so that its rib head would show; what shows
    it is the head's own place, a pitch under the lowest level's. Issue 20, seed 53 CT 76 (chest, 3 mm): twelve rib
    levels found, a false disc in L1's middle left a 12 mm piece of L1 at the column's bottom, 43 mm of column under
    the twelfth pair (pitch 31 mm): no anchor at the last rib. The anchor then passes `rib_anchor_doubt` like any
    other and confirms only where another anchor agrees. `anchors`, `doubts` are changed in place.
    """
    if "T12" in anchors or "T12" in doubts or not next_head_place_seen(segments, dz):
        return
    low = lowest_rib_bearing(segments)
    if low == anchors.get("T1"):
        return
    found = {"T12": low}
    why = rib_anchor_doubt(segments, found, dz)
    if "T12" in why:
        doubts["T12"] = (low, why["T12"])
    else:
        anchors["T12"] = low


def first_pair_under_cut_top(segments, anchors, dz, ribs_clear_to=None):
    """Why the first-rib anchor is not counted where the rib anchors are two or more levels apart and the vertebra
    over the pair is the column's top, cut before the height where its own rib's head would lie; else None.

    11 or 13 rib pairs put the two rib anchors one level further apart or closer; two or more levels apart, one of
    them missed a stretch of the column. The first pair is counted with a rib-free vertebra over it seen for
    `NEIGHBOUR_SEEN_MM` from its lower disc (`find_anchors`), enough for C7 over T1: the first rib's head lies on
    T1's upper half (7-15 mm over the T1/T2 disc). The heads of ribs 2-9 lie at the disc over their own body (a
    costal facet on each of the two bodies), a body's height (17-22 mm) and half a disc over its lower disc: a
    vertebra followed for less than a pitch (the pair's own vertebra disc to disc) from its lower disc, with no disc
    seen over it and the scan not clear of ribs over it (`ribs.ribs_clear_above`), may bear a rib above the column's
    top, where no head is looked for. Issue 20, seed 47 CT 73 (3 mm, chest + abdomen): the column lost above T4,
    T4 followed 15 mm from its lower disc without its rib, T5's pair taken for the first, eight rib levels between
    the anchors; the lowest rib (T12) was right. The levels stay flagged: this only chooses the count that names.
    """
    t12, t1 = anchors.get("T12"), anchors.get("T1")
    if t12 is None or t1 is None or abs((t1 - t12 + 1) - 12) < 2 or t1 + 2 != len(segments):
        return None
    top, pair = segments[t1 + 1], segments[t1]
    if top.upper_disc or (ribs_clear_to is not None and ribs_clear_to > top.hi):
        return None
    seen_mm, pitch_mm = (top.hi - top.lo + 1) * dz, (pair.hi - pair.lo + 2) * dz
    if seen_mm >= pitch_mm:
        return None
    return (f"{t1 - t12 + 1} rib-bearing vertebrae from the lowest rib to the first rib pair, and the vertebra over "
            f"the pair is the column's top, followed {seen_mm:.0f} mm of a {pitch_mm:.0f} mm pitch: its own rib's "
            "head may lie above it")


def rib_level_groups(z_heads, dz):
    """Head slices grouped into rib levels, the lowest first: heads within `RIB_LEVEL_GAP_MM` in z are one level."""
    groups = []
    for z in sorted(z_heads):
        if groups and (z - groups[-1][-1]) * dz <= RIB_LEVEL_GAP_MM:
            groups[-1].append(z)
        else:
            groups.append([z])
    return groups


def _rib_levels(z_heads, dz):
    """Number of rib levels among head slices."""
    return len(rib_level_groups(z_heads, dz))


def naming_rank(level, anchors, segments):
    """Trust of anchor `level` when anchors that disagree tie (one against one): the higher rank names the levels.

    Names count from the top (C7, T1-T12, L1-L5, as VerSe and whole-spine CT studies count: Nakajima et al.,
    Insights into Imaging 2014). Under that count an 11th or 13th rib pair moves only the lowest-rib anchor and a
    lumbosacral transitional vertebra only the sacrum's; the two are about as common (lumbar ribs 5.8 %,
    lumbarisation 6.2 %, sacralisation 2.7 % of 226 whole-spine CTs, ibid.), so prevalence decides nothing
    between sacrum and ribs. What decides is how each anchor fails when found: the sacrum needs its sacral base
    with the alae and iliac wings (and its count is dropped when a vertebra above it is too short,
    `sacrum.check_count_above_sacrum`), while the lowest rib is the shortest and the most often missed or
    mimicked (a transverse process, a vessel). Ranks:
    - 3 the sacrum (S1);
    - 2 the first rib pair (T1), unless the vertebra just above it bears a one-sided rib: the first pair's head
      count has been checked against the discs down to the lowest rib (`rib_anchor_doubt`), and a rib-count
      variant leaves it right, while the lowest-rib anchor has no such check;
    - 1 the lowest rib-bearing vertebra (T12);
    - 0 the first rib pair when a one-sided rib sits on the vertebra above it: one rib of the real first pair
      may have been missed, so the pair found would be T2's.
    Every level stays flagged `uncertain_level` whichever count names it: this chooses names for a reader to
    check, never a confirmation.
    """
    if level == "S1":
        return 3
    if level == "T12":
        return 1
    above = anchors[level] + 1
    return 0 if above < len(segments) and len(segments[above].ribs) == 1 else 2


def level_offset(level, index):
    """Index into LEVEL_NAMES of segment 0 when segment `index` is `level`."""
    return LEVEL_NAMES.index(level) - index


def _level_name(k):
    """LEVEL_NAMES[k], or None past either end of the names (a vertebra below S1 or above C7)."""
    return LEVEL_NAMES[k] if 0 <= k < len(LEVEL_NAMES) else None


def assign_names(segments, dz=0.0, sacrum=None, ribs_clear_to=None, processes_shown=False, first_pair_by_count=None,
                 scan_top=None):
    """Name segments from the anchors in view; flag what two agreeing anchors do not confirm.

    `sacrum`: the `jmedseg.spine.sacrum.SacrumFinding` (S1, and whether a transitional
    vertebra sits on it). Returns a dict with the anchors found (segment indices), whether
    they agree, and a one-line summary. `first_pair_by_count`: a callable (segments, anchors, doubts) that may count
    the first pair under a scan top cutting C7 (`jmedseg.spine.cut_top`, which reads the CT's rib band). `scan_top`:
    the scan's top slice (`pair_under_cut_t1`; None: the column's top).
    """
    info = _assign_names(segments, dz, sacrum, ribs_clear_to, processes_shown, first_pair_by_count, scan_top)
    if info["t1_segment"] is not None and info["t1_segment"] == len(segments) - 1:   # `_end_over_disc_seen`
        flag_low_heads(segments, info["t1_segment"], dz, THICK_SLICE_MM)   # low T2-T8 heads unconfirmed (`low_heads`)
    if info["sacrum_segment"] is not None and sacrum.transitional:
        # a transitional vertebra may be the last lumbar or the first sacral: no count through it is confirmed
        for s in segments:
            s.flags.append("uncertain_level")
            s.notes.extend(sacrum.notes)
        info["agree"] = False if info["agree"] else info["agree"]
        info["summary"] += "; a lumbosacral transitional vertebra is possible"
    return info


def _assign_names(segments, dz, sacrum, ribs_clear_to=None, processes_shown=False, first_pair_by_count=None,
                  scan_top=None):
    anchors, doubts = find_anchors(segments, dz, sacrum, ribs_clear_to, processes_shown)
    why = piece_short_over_heads(segments, anchors, dz, ribs_clear_to, NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM)
    if why:
        doubts["T1"] = (anchors.pop("T1"), why)
    _count_last_rib_over_short_end(segments, anchors, doubts, dz)
    if first_pair_by_count is not None:
        first_pair_by_count(segments, anchors, doubts)
    why = (first_pair_under_cut_top(segments, anchors, dz, ribs_clear_to)   # or T1 cut under its head:
           or first_pair_under_cut_t1(segments, anchors, dz, ribs_clear_to, scan_top, RIB_HALF_HEIGHT_MM))
    if why:
        doubts["T1"] = (anchors.pop("T1"), why)
    info = {"sacrum_segment": anchors.get("S1"), "t12_segment": anchors.get("T12"),
            "t1_segment": anchors.get("T1"), "agree": None, "doubts": doubts}
    for level, (_, why) in doubts.items():
        for s in segments:
            s.notes.append(f"{ANCHOR_LABELS[level]} not counted: {why}")
    if not anchors and doubts:
        # a doubtful rib anchor alone still gives names for a reader to check (all flagged, never measured)
        level = "T12" if "T12" in doubts else "T1"
        offset = level_offset(level, doubts[level][0])
        for i, s in enumerate(segments):
            s.name = _level_name(offset + i)
            s.flags.append("uncertain_level")
        info["summary"] = f"no anchor counted: named from {ANCHOR_LABELS[level]}, which is ambiguous"
        return info
    if not anchors:
        for s in segments:
            s.flags.append("uncertain_level")
            s.notes.append("no sacrum and no rib-bearing vertebra in the field of view: the level cannot be "
                           "counted; give a vertebra label map with --mask")
        info["summary"] = "no anchor: levels not identified"
        return info
    groups = {}
    for level, index in anchors.items():           # anchors that agree give segment 0 the same name
        groups.setdefault(level_offset(level, index), []).append(level)
    # the largest group names the levels; a tie goes to the most trusted anchor (`naming_rank`)
    offset, group = max(groups.items(), key=lambda kv: (len(kv[1]), max(naming_rank(a, anchors, segments)
                                                                          for a in kv[1])))
    for i, s in enumerate(segments):
        s.name = _level_name(offset + i)
    words = [ANCHOR_WORDS[a] for a in ANCHOR_WORDS if a in group]
    dissent = [a for a in anchors if a not in group]
    if dissent:
        where = ", ".join(f"{ANCHOR_LABELS[a]} at vertebra {anchors[a] + 1}" for a in anchors)
        expected = ", ".join(f"{a} expected at {LEVEL_NAMES.index(a) - offset + 1}" for a in anchors)
        disagreement = (f"anchors disagree (counted from the lowest vertebra in view): {where}; with the names "
                        f"used, {expected} (11 or 13 rib pairs, a lumbosacral transitional vertebra, or a missed "
                        "or extra disc)")
    if len(group) >= 2:
        low, high = min(anchors[a] for a in group), max(anchors[a] for a in group)
        # (the sacrum's own segment is taller than a vertebra by nature: its length does not enter the count)
        if any(s.disc_missed for i, s in enumerate(segments[low:high + 1], start=low) if i != anchors.get("S1")):
            # anchors agreeing across a missed disc agree by a second, compensating error (an extra disc, a rib
            # head given to the wrong vertebra): nothing between them is confirmed
            for s in segments:
                s.flags.append("uncertain_level")
                s.notes.append("the anchors agree across a gap where a disc may have been missed: the count "
                               "between them is not confirmed")
            info["agree"] = False
            info["summary"] = " and ".join(words) + " agree across a possibly missed disc: not confirmed"
            return info
        info["agree"] = not dissent
        for i, s in enumerate(segments):
            if low <= i <= high:
                continue
            s.flags.append("uncertain_level")
            s.notes.append(f"outside {segments[low].name}-{segments[high].name}: counted by discs from one anchor")
            if dissent:
                s.notes.append(disagreement)
        info["summary"] = "confirmed by " + " and ".join(words)
        if dissent:
            info["summary"] += f" between {segments[low].name} and {segments[high].name}; " + \
                " and ".join(ANCHOR_WORDS[a] for a in dissent) + " disagree"
        return info
    for s in segments:
        s.flags.append("uncertain_level")
        if dissent:
            s.notes.append(disagreement)
        else:
            s.notes.append(f"named from {ANCHOR_LABELS[group[0]]} alone: {MISSING_ANCHORS[group[0]]} in the field "
                           "of view to confirm the count")
    if not dissent:
        info["summary"] = f"one anchor only ({ANCHOR_LABELS[group[0]]})"
        return info
    info["agree"] = False
    info["summary"] = " and ".join(ANCHOR_WORDS[a] for a in ANCHOR_WORDS if a in anchors) + " disagree"
    gap = missed_disc_gap(segments, anchors)
    if gap is not None:
        _name_each_side(segments, anchors, gap, dz)
        info["summary"] += " by the one vertebra a possibly missed disc hides: each names its side"
    else:
        info["summary"] += f"; named from the {ANCHOR_WORDS[group[0]]}"
    return info


def missed_disc_gap(segments, anchors):
    """Index of the one segment between two disagreeing anchors where a disc may have been missed, when that
    missed disc explains the disagreement exactly (the upper anchor counts one vertebra more between them than
    the discs do); else None.

    Then each anchor's count holds on its own side of the gap and is wrong on the other (benchmark CT 174, seed
    2026: L3 and L4 in one 50 mm segment, the sacrum's count named the true L2 'L3', T12 'L1'). An 11th or 13th
    rib pair or a transitional vertebra moves one anchor's count too, but would leave no gap over `MAX_PITCH_MM`
    between them; the levels stay flagged `uncertain_level` either way.
    """
    if len(anchors) != 2:
        return None
    (low, a), (high, b) = sorted(anchors.items(), key=lambda kv: kv[1])
    gaps = [i for i in range(a + 1, b) if segments[i].disc_missed]
    return gaps[0] if len(gaps) == 1 and level_offset(high, b) - level_offset(low, a) == 1 else None


def _name_each_side(segments, anchors, gap, dz):
    """Names up to the gap (the gap itself, its lower vertebra's name) from the lower anchor, above it from the
    upper one; every level is already flagged `uncertain_level`."""
    (low, a), (high, b) = sorted(anchors.items(), key=lambda kv: kv[1])
    for i, s in enumerate(segments):
        level, index = (low, a) if i <= gap else (high, b)
        s.name = _level_name(level_offset(level, index) + i)
        s.notes.append(f"named from {ANCHOR_LABELS[level]}: the anchors' counts differ by the one vertebra that "
                       f"the {(segments[gap].hi - segments[gap].lo + 1) * dz:.0f} mm vertebra {gap + 1} (a possibly "
                       "missed disc) may hide")
