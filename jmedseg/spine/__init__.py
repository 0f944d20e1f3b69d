"""Find and label the vertebrae from the CT alone: offline, no trained weights, in physical millimetres.

Pipeline (each step in its own module, each threshold derived from HU physics or
adult anatomy, none fitted to a particular scan), in the order `label_vertebrae` runs it:
1. The column: `column` (block-average to about 1.5 mm voxels, each slice's vertebral body: bone above
   120 HU and what it encloses, the canal removed, pedicles cut by an opening, its centre tracked along z),
   `canal` (the spinal canal, which only a spine has), `tracked` (one tracking per CT, shared with the
   calibration).
2. The discs: `discs` (thick discs as dips of the body's cross-section, thin thoracic discs as bright endplate
   bands of its core HU), checked by `disc_check` (a dip with no mark on the core is no disc;
   the core's band peaks and dip bottoms by `profile_extremes`),
   `lumbar_troughs` and `lumbar_short` (a lumbar disc placed inside a body moved to the core's disc),
   `dip_under_alae` (a dip inside S1 under the alae's top, the L5/S1 disc missed over it: moved to the base's top),
   `dark_bone_dips` (dips in the middles of bodies as dark as disc tissue moved to the discs their plate pairs show),
   `short_lumbar_piece` (an unmarked dip cutting off a lumbar piece shorter than any lumbar vertebra: dropped).
3. The ribs: `ribs` (rib heads beside the column and which vertebra bears each; at 3-5 mm `faint_ribs`
   follows a thin rib's shaft through partial-volume bone over the lowest rib level found), cleaned by `pair_heads` (a
   pair's two heads are one level), `rib_run` (a one-sided "rib" under the run), `iliac_pair` (the ilia are not
   a rib pair), `under_bare_vertebra` (levels under a rib-free vertebra below the run: the kidneys),
   `rib_below` (the twelfth pair found under two pairs), `forward_rib_pairs` (over a counted sacrum
   at thin slices with no rib found behind the body's centre: the rib pairs followed forward).
4. The segments re-cut where the rib levels disagree with the discs: `rib_split` (a missed thin disc between
   two levels), `rib_gap` (a rib-free piece: one disc read twice), `head_at_disc` (the lowest level in a disc),
   `disc_at_lowest_heads` (a disc at the lowest level's heads over a rib-free piece too short for a vertebra),
   `rib_count` (twelve regular levels re-cut the thorax), `own_body_heads` (a level handed under a rib-free
   vertebra inside the run given back), `rib_free_pieces` (rib-free pieces inside the run that are its whole excess
   count: each a disc read twice, joined), `top_split` and `top_heads` (C7/T1 and T1/T2 placed
   by the first two pairs' heads; `top_three_heads`: T1-T3 by the first three's where two share a segment;
   `endplate_sliver`: a body read as two discs one slice apart at its endplate bands re-read as the vertebra;
   `top_four_heads`: T1-T4 by the first four's where the T3/T4 disc lies inside T3),
   `t12_l1_split` (T12 and L1 held as one), `displaced_disc` (a lumbar disc off
   its place, not missed), `long_l1` (the lowest rib level in the disc over a segment longer than each lumbar
   vertebra under it), with `thick_chain` (at 5 mm, T2-T8 cut where their heads say) and `low_heads` (at 5 mm,
   T2-T8 with low heads let the first pair count where their levels and neighbours stay unconfirmed).
5. The names: `levels` (the vertebrae between the discs, named from the anchors in view: the sacrum from
   `sacrum` (`base_in_bone`: the base read in its own bone where the band misses the alae), the lowest
   rib-bearing vertebra T12, the first rib pair T1, the last counted by `cut_top` where
   the scan's top cuts C7 and `rib_over_wall` finds no cut first rib along the chest wall; confirmed where two
   agree; the first pair not counted by `pair_under_cut_t1` where, under a cut top short of T1's head, it and the
   lowest rib would outvote a sacrum counting it lower, nor by `piece_over_heads` where its heads lie inside the
   rib-free piece over it, cut by the scan's top, which is then seen rib-free under 15 mm over them).
6. The bodies: `bodies` (each vertebra's body, split from its neighbours by the disc planes, kept within the
   neighbouring bodies' outline by `body_outline`: no vessel joined to its front, within its narrower side's reach
   from the spinal canal by `body_sides`: no aorta joined to its side, and cut at its own front
   cortex by `body_front`: no liver, aorta or IVC lying against it), `s1_body` (S1's label is S1's body, not
   the sacral base), `body_gaps` (the slices inside a level its body went missing in filled: the density's
   body whole along z), `body_voxels` (each body's voxels, centre and box measured once; `incomplete`: cut
   by the field of view's edge), `s1_under_alae` (a label centred at the alae's top, holding the disc and L5's
   lower part, left unconfirmed), `body_off_heads` (a thoracic body whose centre lies off its own rib heads left
   unconfirmed: a chain cut half a level off), `off_centre` (a body whose centre lies twice as near one
   neighbour's as the other's left unconfirmed: a cut holding part of a neighbour), `under_t12` (L1, then L2, whole
   and one lumbar pitch under a T12 the ribs and the first pair confirm, no sacrum in view: confirmed), then on the
   CT's own grid `body_cortex` (T11-L5 cut at their own cortex where the CT's pixels are finer than the working
   grid's: no enhanced liver, vessel or fat at the edge the density's region check reads); `pipeline` (CT
   in, labels out, for `jmedseg measure` and `jmedseg vertebrae`), `qc` (the picture), `evaluate` (against
   reference labels).

`label_vertebrae(volume)` returns a label map on the CT's grid with
TotalSegmentator v2 ids (26 S1, 27 L5 ... 31 L1, 32 T12 ... 43 T1, 44 C7; unnamed
vertebrae 101, 102, ... from the top) and a report with one entry per vertebra:
its name, id, centroid, size, flags (`incomplete`, `uncertain_level`) and notes.
The label marks the vertebral body only (no posterior elements): the region the
density is measured in. `track_column(hu, spacing)` (step 1 alone, `jmedseg.spine.tracked`)
lets a caller share the column with the calibration: `label_vertebrae(volume, tracked)`.
"""
import logging
import time

import numpy as np

from jmedseg.spine.base_in_bone import sacrum_in_base_bone
from jmedseg.spine.bodies import split_bodies
from jmedseg.spine.body_cortex import cut_at_own_cortex, level_boxes
from jmedseg.spine.body_gaps import fill_body_gaps
from jmedseg.spine.body_off_heads import flag_bodies_off_heads
from jmedseg.spine.body_voxels import count_ids, flag_cut_by_edge, measure_bodies
from jmedseg.spine.off_centre import flag_off_centre
from jmedseg.spine.dark_bone_dips import at_plate_pairs
from jmedseg.spine.cut_top import count_first_pair_by_rib_count, rib_bone_over
from jmedseg.spine.disc_check import unmarked_splits
from jmedseg.spine.dip_under_alae import without_dip_under_alae
from jmedseg.spine.endplate_sliver import reread_endplate_sliver
from jmedseg.spine.displaced_disc import displaced_not_missed
from jmedseg.spine.disc_at_lowest_heads import join_piece_under_heads
from jmedseg.spine.discs import (MIN_PITCH_MM, arc_profile, core_hu_profile, find_area_discs, find_endplate_discs,
                                 merge_discs)
from jmedseg.spine.levels import (LEVEL_NAMES, TOTALSEG_IDS, UNIDENTIFIED_BASE, assign_names, column_range,
                                  measure_widths, segments_between)
from jmedseg.spine.forward_rib_pairs import forward_pairs_over_sacrum
from jmedseg.spine.head_at_disc import lowest_level_up
from jmedseg.spine.iliac_pair import without_iliac_pair
from jmedseg.spine.long_l1 import heads_over_long_segment
from jmedseg.spine.lumbar_troughs import at_disc_troughs
from jmedseg.spine.own_body_heads import levels_back_to_own_body
from jmedseg.spine.pair_heads import paired_across_sides
from jmedseg.spine.rib_count import recut_by_rib_levels
from jmedseg.spine.rib_free_pieces import join_excess_pieces
from jmedseg.spine.rib_gap import join_bare_piece
from jmedseg.spine.rib_over_wall import rib_over_pair_rib
from jmedseg.spine.rib_run import without_cut_off_head
from jmedseg.spine.rib_split import reread_upper_troughs, split_at_missed_discs
from jmedseg.spine.ribs import clear_above, heads_over_cut_base, mark_rib_bearing
from jmedseg.spine.s1_body import keep_s1_body
from jmedseg.spine.s1_under_alae import flag_s1_at_alae_top
from jmedseg.spine.short_lumbar_piece import unmarked_by_short_pieces
from jmedseg.spine.sacrum import (check_count_above_sacrum, extend_to_sacral_base, find_sacrum, rib_floor,
                                  without_lone_process)
from jmedseg.spine.t12_l1_split import split_under_lowest_head
from jmedseg.spine.top_heads import recut_top_from_heads
from jmedseg.spine.top_four_heads import recut_top_four_from_heads
from jmedseg.spine.top_split import split_top_at_first_heads
from jmedseg.spine.top_three_heads import recut_top_three_from_heads
from jmedseg.spine.tracked import TrackedColumn, track_column
from jmedseg.spine.under_bare_vertebra import without_levels_under_bare_vertebra
from jmedseg.spine.under_t12 import confirm_under_t12

logger = logging.getLogger(__name__)
T12_HALF_BODY_MM = 10.0
__all__ = ["label_vertebrae", "compare_labellings", "track_column", "TrackedColumn", "TOTALSEG_IDS"]


def label_vertebrae(volume, tracked=None):
    """(label array on the CT's grid, report dict) for a `jmedseg.data.io.Volume` in HU (RAS+).

    `tracked`: this CT's column from `track_column`, when a caller shares it with the calibration
    (jmedseg.spine.tracked); it is left unchanged.
    """
    t0 = time.perf_counter() - (tracked.seconds if tracked is not None else 0.0)   # the tracking counts too
    tracked = tracked.copy() if tracked is not None else track_column(volume.array, volume.spacing)
    grid, column = tracked.grid, tracked.column
    sp = grid.spacing
    extend_to_sacral_base(column, sp)
    report = {"levels": [], "anchors": {}, "summary": "", "work_spacing_mm": list(sp)}
    span = column_range(column, sp)
    if span is None or (span[1] - span[0]) * sp[2] < 20.0:
        report["summary"] = ("no vertebral column found (no bone-bounded body over 20 mm of z near the body's "
                             "midline); is this a CT of the trunk in HU?")
        return np.zeros(volume.shape, np.int16), report
    lo, hi = span
    discs, disc_arcs, body_readings, heads, arc, sacrum = _discs_and_ribs(grid, column, lo, hi)
    clear_to, processes = clear_above(column, sp, hi)   # the top vertebra seen as far as the scan shows no rib

    def prepare(segs):          # widths and rib heads of a set of segments (again after a split)
        measure_widths(segs, column, sp)
        mark_rib_bearing(segs, heads, sp[2], MIN_PITCH_MM)

    segments = segments_between(discs, lo, hi, sp[2])
    prepare(segments)
    segments, discs, disc_arcs, body_readings = reread_upper_troughs(   # the upper rib heads at resolved discs
        segments, discs, disc_arcs, heads, lambda: core_hu_profile(grid.hu, column, sp, arc, lo, hi), arc, lo, hi,
        sp[2], prepare, body_readings)
    # a thin disc missed between two rib levels a pitch apart (`rib_split`)
    segments, discs, disc_arcs = split_at_missed_discs(segments, discs, disc_arcs, arc, lo, hi, sp[2], prepare,
                                                       body_readings)
    # a rib-free piece between two rib levels a pitch apart: one disc read twice (`rib_gap`)
    segments, discs, disc_arcs = join_bare_piece(segments, discs, disc_arcs, lo, hi, sp[2], prepare, heads)
    lowest_level_up(segments, sp[2])      # the lowest rib level in a disc under a bare vertebra (`head_at_disc`)
    # a disc at the lowest rib level's heads over a rib-free piece too short for a vertebra (`disc_at_lowest_heads`)
    segments, discs, disc_arcs = join_piece_under_heads(segments, discs, disc_arcs, lo, hi, sp[2], prepare)
    # twelve rib levels re-cut the thoracic segments where one disc was missed or false (`rib_count`)
    segments, discs, disc_arcs = recut_by_rib_levels(segments, discs, disc_arcs, arc, lo, hi, sp[2], prepare, heads)
    segments, discs, disc_arcs = split_top_at_first_heads(   # C7/T1 over the first pair's heads at 5 mm (`top_split`)
        segments, discs, disc_arcs, heads, lambda: core_hu_profile(grid.hu, column, sp, arc, lo, hi), arc, lo, hi,
        sp[2], prepare, body_readings, clear_to)
    # the lowest rib's vertebra holding T12 and L1: the T12/L1 disc missed under the head (`t12_l1_split`)
    segments, discs, disc_arcs = split_under_lowest_head(segments, discs, disc_arcs, arc, sp[2], prepare)
    levels_back_to_own_body(segments, heads, sp[2])   # a level handed under a rib-free vertebra (`own_body_heads`)
    # rib-free pieces inside the run that are its whole excess count, each joined (`rib_free_pieces`)
    segments, discs, disc_arcs = join_excess_pieces(segments, discs, disc_arcs, heads, sp[2],
                                                    lambda segs: measure_widths(segs, column, sp), sacrum, clear_to,
                                                    processes)
    segments, discs, disc_arcs = recut_top_from_heads(   # T1 between the first two pairs' heads (`top_heads`)
        segments, discs, disc_arcs, heads, arc, lo, hi, sp[2], prepare, sacrum, clear_to, processes)
    segments, discs, disc_arcs = recut_top_three_from_heads(   # T1-T3 where two of their pairs share a segment
        segments, discs, disc_arcs, heads, arc, lo, hi, sp[2], prepare, sacrum, clear_to, processes)
    segments, discs, disc_arcs = reread_endplate_sliver(   # a body read as two discs at its bands (`endplate_sliver`)
        segments, discs, disc_arcs, heads, arc, lo, hi, sp[2], prepare, sacrum, clear_to, processes)
    segments, discs, disc_arcs = recut_top_four_from_heads(   # T1-T4 where the T3/T4 disc lies inside T3
        segments, discs, disc_arcs, heads, arc, lo, hi, sp[2], prepare, sacrum, clear_to, processes)
    check_count_above_sacrum(sacrum, segments, disc_arcs, arc, sp[2])
    displaced_not_missed(segments, sacrum, disc_arcs, arc, sp[2])   # a lumbar disc off its place (`displaced_disc`)
    # the lowest rib level in the disc over a segment longer than each lumbar vertebra under it (`long_l1`)
    heads_over_long_segment(segments, sacrum, disc_arcs, arc, sp[2])
    info = assign_names(segments, sp[2], sacrum, clear_to, processes, lambda segs, anchors, doubts:  # `cut_top`
                        count_first_pair_by_rib_count(segs, anchors, doubts, sp[2],
                                                      lambda z: rib_bone_over(column, sp, z),
                                                      lambda z: rib_over_pair_rib(grid.hu, column, sp, z)),
                        scan_top=grid.hu.shape[2] - 1)
    small = split_bodies(column, segments, discs, disc_arcs, arc, sp, lo, hi, grid.hu)
    keep_s1_body(small, segments, column, sp)   # S1's body, not the sacral base (`s1_body`)
    fill_body_gaps(small, segments, sp[2], grid.hu)   # the slices a body was lost in, inside its level
    bodies = measure_bodies(small, len(segments))   # each body's voxels, centre and box, once (`body_voxels`)
    flag_s1_at_alae_top(segments, bodies, sacrum.widths_mm, sp)   # S1 at the alae's top (`s1_under_alae`)
    flag_bodies_off_heads(segments, bodies.centre[:, 2], sp[2])   # a thoracic body off its own rib heads
    flag_cut_by_edge(segments, bodies, small.shape)   # `incomplete`: cut by the field of view's edge
    centroids = bodies.centroids_mm(grid.factors, volume.affine)
    flag_off_centre(segments, centroids)   # a label's centre nearer one neighbour's than half (`off_centre`)
    confirm_under_t12(segments, centroids, info)   # L1, L2 a lumbar pitch under a confirmed T12 (`under_t12`)
    ids = {}
    for j, seg in enumerate(segments):
        ids[j + 1] = TOTALSEG_IDS[seg.name] if seg.name else UNIDENTIFIED_BASE + len(segments) - j
    lut = np.zeros(len(segments) + 1, np.int16)
    for j, value in ids.items():
        lut[j] = value
    labels = grid.to_original(lut[small])
    # T11-L5 cut at their own cortex on the CT's grid: no liver, vessel or fat at their edge (`body_cortex`)
    cut_at_own_cortex(labels, volume.array, volume.spacing, level_boxes(segments, ids, bodies, grid.factors))
    voxels = count_ids(labels, int(lut.max()))
    f = np.array(grid.factors)
    for j, seg in enumerate(segments):   # the one place where a segment's flags become its report entry
        entry = {"name": seg.name, "id": int(ids[j + 1]), "voxels": 0}
        if bodies.count[j]:
            entry["bbox"] = [[int(a), int(min(b, n))] for a, b, n in
                             zip(bodies.first[j] * f, (bodies.last[j] + 1) * f, volume.shape)]   # voxel index ranges
            entry.update(centroid_mm=centroids[j], height_mm=round(float((seg.hi - seg.lo + 1) * sp[2]), 1),
                         width_mm=round(seg.width_mm, 1),
                         # the label's own volume on the CT's grid (after `body_cortex`'s cut), as `voxels` counts it
                         volume_ml=round(float(voxels[ids[j + 1]] * np.prod(volume.spacing) / 1000), 2),
                         voxels=int(voxels[ids[j + 1]]))
        entry.update(ribs=list(seg.ribs), flags=sorted(set(seg.flags)), note="; ".join(dict.fromkeys(seg.notes)),
                     confidence="confirmed" if not seg.flags else "flagged")
        report["levels"].append(entry)
    report["levels"].reverse()          # top to bottom, as a reader scans a sagittal view
    report["anchors"] = {"sacrum": info["sacrum_segment"] is not None, "t12_ribs": info["t12_segment"] is not None,
                         "t1_first_rib_pair": info["t1_segment"] is not None, "agree": info["agree"],
                         "rib_heads": len(heads)}
    report["summary"] = info["summary"]
    report["seconds"] = round(time.perf_counter() - t0, 3)
    logger.info("vertebrae: %s (%s) in %.2f s", ", ".join(str(l["name"] or l["id"]) for l in report["levels"]),
                info["summary"], report["seconds"])
    return labels, report


def _discs_and_ribs(grid, column, lo, hi):
    """(disc slices, disc arc positions mm, body readings, rib heads, arc position of each slice mm, sacrum
    finding) along the column between slices lo and hi.

    Thick discs (body-area dips) first, with the L5/S1 disc at the top of the sacral base
    (`jmedseg.spine.sacrum`); the ribs are looked for above L4 when the sacrum is found (the
    iliac crests are long lateral bones too); above the lowest rib head the
    column is thoracic and its thin discs are found by their endplate bands
    (`jmedseg.spine.discs`). A thick-disc dip that leaves no mark on the body's core and
    splits what can be one vertebra is dropped (`jmedseg.spine.disc_check`). Body readings: {disc arc mm:
    (lower disc, upper disc)} of the thin discs kept that may be one short body's endplates instead
    (`discs.find_endplate_discs`), for `jmedseg.spine.rib_split.reread_band_pairs`.
    """
    sp = grid.spacing
    area, bin_mm, arc = arc_profile(column, sp, lo, hi)
    b_lo, b_hi = int(round(arc[lo] / bin_mm)), int(round(arc[hi] / bin_mm))
    area_arcs = [b * bin_mm for b in find_area_discs(area, b_lo, b_hi, bin_mm)]
    first = segments_between(_slices(area_arcs, arc), lo, hi, sp[2])
    sacrum = find_sacrum(column, first, sp, lo, hi)
    sacrum = sacrum_in_base_bone(column, sp, first, lo, hi, sacrum)   # the alae missed by the band (`base_in_bone`)
    area_arcs, first, sacrum = without_dip_under_alae(   # a dip in S1, the L5/S1 disc over it missed (`dip_under_alae`)
        column, sp, lo, hi, first, sacrum, area_arcs, lambda arcs: _slices(arcs, arc))
    if sacrum.inner_disc is not None:        # a dip inside the sacral base is no disc (`sacrum.disc_inside_sacrum`)
        area_arcs = [a for a, k in zip(area_arcs, _slices(area_arcs, arc)) if k != sacrum.inner_disc]
        first = segments_between(_slices(area_arcs, arc), lo, hi, sp[2])
    if sacrum.split_at is not None:          # the L5/S1 disc the profile missed, at the top of the sacral base
        area_arcs = sorted(area_arcs + [float(arc[sacrum.split_at])])
        first = segments_between(_slices(area_arcs, arc), lo, hi, sp[2])
    # the floor over a sacral base, counted or cut by the scan's edge, checked against the ribs (`ribs`)
    heads = without_lone_process(heads_over_cut_base(column, sp, rib_floor(first, sacrum, lo), lo, hi), first, sacrum)
    heads = forward_pairs_over_sacrum(heads, column, sp, first, sacrum, lo, hi)   # none behind (`forward_rib_pairs`)
    heads = paired_across_sides(heads, sp[2])     # a pair's heads read more than a level's gap apart (`pair_heads`)
    heads = without_cut_off_head(heads, sp[2])    # a one-sided head under a rib-free vertebra (`rib_run`)
    heads = without_iliac_pair(heads, column, sp)  # a "pair" far under the ribs, the ilia beside (`iliac_pair`)
    heads = without_levels_under_bare_vertebra(heads, first, sp[2])   # under a bare vertebra (`under_bare_vertebra`)
    dips = [a for a in area_arcs if sacrum.split_at is None or a != float(arc[sacrum.split_at])]
    disc_arcs, readings = area_arcs, {}
    s, core = core_hu_profile(grid.hu, column, sp, arc, lo, hi)
    if heads:
        # the lowest rib's head lies on the upper half of T12's body (20-25 mm tall): the T12/L1 disc is
        # more than `T12_HALF_BODY_MM` below it and stays a thick-disc dip; a head found lower on T12 still
        # lies above that disc, so a dip between it and the head's own half-height counts too (`merge_discs`)
        lowest_head = float(np.interp(heads[0][0], np.arange(len(arc)), arc))
        thin, readings = find_endplate_discs(s, core)
        disc_arcs = merge_discs(area_arcs, thin, lowest_head - T12_HALF_BODY_MM, lowest_head)
    # a thick-disc dip (not the sacral base's split) with a flat core between two short pieces splits one body
    false = unmarked_splits(disc_arcs, [a for a in dips if a in disc_arcs], s, core)
    disc_arcs = [a for a in disc_arcs if a not in false]
    lumbar = [a for a in dips if a in disc_arcs and (not heads or a < lowest_head - T12_HALF_BODY_MM)]
    disc_arcs = at_disc_troughs(disc_arcs, lumbar, s, core, sp[2])   # a dip inside a body (`lumbar_troughs`)
    disc_arcs = at_plate_pairs(disc_arcs, lumbar, s, core, sp[2])   # dips in dark bodies' middles (`dark_bone_dips`)
    short = unmarked_by_short_pieces(disc_arcs, lumbar, s, core)   # by a short piece (`short_lumbar_piece`)
    disc_arcs = [a for a in disc_arcs if a not in short]
    # only the discs kept keep their reading: a dropped disc's position could come back as a re-read's trough
    # (`rib_split.reread_band_pairs`), which must not bring a reading with it
    readings = {a: pair for a, pair in readings.items() if a in disc_arcs}
    return _slices(disc_arcs, arc), disc_arcs, readings, heads, arc, sacrum


def _slices(disc_arcs, arc):
    """The working-grid slice of each disc: a disc at arc s lies at slice k(s) on the centre line."""
    return [int(round(np.interp(s, arc, np.arange(len(arc))))) for s in disc_arcs]


def level_flags(report, name):
    """(flags, note) of a named level in a `label_vertebrae` report; ([...'missing'], reason) when absent."""
    for entry in report["levels"]:
        if entry["name"] == name:
            return entry["flags"], entry["note"]
    named = [e["name"] for e in report["levels"] if e["name"] in LEVEL_NAMES]
    if named and name in LEVEL_NAMES:
        order = [LEVEL_NAMES.index(n) for n in named]      # inferior to superior
        if not min(order) <= LEVEL_NAMES.index(name) <= max(order):
            return ["missing"], (f"{name} is not in the scan: the field of view holds {named[0]} to {named[-1]} "
                                 f"({report.get('summary', '')})")
    return ["missing"], f"{name} was not identified ({report.get('summary', '')})"


def compare_labellings(labels, reference, spacing, names=("T11", "T12", "L1", "L2", "L3", "L4", "L5")):
    """Per level of `names`: both present?, agree (centroids within 10 mm), centroid distance (mm), Dice.

    `labels` and `reference` are TotalSegmentator-v2 id maps on one grid; the
    reference centroid is taken on its vertebral body (posterior elements would pull
    a whole-vertebra centroid 15-25 mm backwards).
    """
    from jmedseg.data.labels import vertebral_body
    from jmedseg.spine.evaluate import centroid_mm

    rows = []
    for name in names:
        lid = TOTALSEG_IDS[name]
        a, b = labels == lid, reference == lid
        if not a.any() and not b.any():
            continue
        row = {"level": name, "in_ct_labelling": bool(a.any()), "in_reference": bool(b.any())}
        if a.any() and b.any():
            try:
                b = vertebral_body(b, spacing)
            except ValueError:
                pass
            dist = float(np.linalg.norm(centroid_mm(a, spacing) - centroid_mm(b, spacing)))
            row.update(centroid_distance_mm=round(dist, 1), agree=dist <= 10.0)
        else:
            row.update(centroid_distance_mm=None, agree=False)
        rows.append(row)
    return rows
