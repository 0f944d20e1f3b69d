"""benchmarks/spine_labelling.py: resumes a killed run from its JSONL (a 200-CT run takes the better part of an
hour) with lines of the same series and code only, and prints its rows per slice thickness."""
import json

from benchmarks.spine_labelling import (_done_rows, _open_for_append, anchors_countable, print_anchor_table,
                                       print_refusals, report, thickness_name)

SERIES = {"seed": 2026, "max_mvoxels": 20.0, "cap_coarsens": "pixels", "code": "abc1234"}


def test_a_killed_run_keeps_its_whole_lines_and_redoes_the_cut_one(tmp_path):
    path = tmp_path / "runs.jsonl"
    whole = [{"i": 0, **SERIES}, {"i": 1, **SERIES}, {"i": 2, **SERIES, "seed": 7}]     # another series: not reused
    path.write_text("".join(json.dumps(r) + "\n" for r in whole) + '{"i": 3, "seed": 20')   # killed mid-line
    assert sorted(_done_rows(str(path), SERIES)) == [0, 1]
    assert _done_rows(str(path), {**SERIES, "max_mvoxels": 30.0}) == {}          # another size cap: not reused
    assert _done_rows(str(path), {**SERIES, "code": "def5678"}) == {}             # another labeller: not reused
    with _open_for_append(str(path)) as sink:
        sink.write(json.dumps({"i": 3, **SERIES}) + "\n")
    assert sorted(_done_rows(str(path), SERIES)) == [0, 1, 3]
    assert path.read_text().count("\n") == 5                            # the cut line ended, then the new one


def test_lines_from_before_the_pixel_cap_belong_to_the_slices_series(tmp_path):
    """A line without `cap_coarsens` was made when the cap thickened slices only."""
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps({"i": 0, "seed": 2026, "max_mvoxels": 20.0, "code": "abc1234"}) + "\n")
    assert sorted(_done_rows(str(path), {**SERIES, "cap_coarsens": "slices"})) == [0]
    assert _done_rows(str(path), SERIES) == {}


def _row(i, slice_mm, identified, in_view=(), found=()):
    return {"anchors_in_view": list(in_view), "anchors_found": list(found), "i": i, "fov": "lumbar", "phase": "native", "spacing": [0.8, 0.8, slice_mm], "levels_in_view": ["L1", "L2"],
            "identified": identified, "centroid_errors_mm": [3.0] * len(identified), "named": 2, "confirmed_wrong": [],
            "refused": False, "anchors": 2, "l1l2_in_view": True, "gen_s": 1.0, "label_s": 1.0,
            "variant": {"rib_pairs": 12, "lumbar_count": 5, "transitional": False}}


def test_the_table_has_a_row_per_slice_thickness(capsys):
    assert [thickness_name(t) for t in (0.625, 1.5, 2.0, 2.5, 3.0, 5.0)] == \
        ["<= 1.5 mm", "<= 1.5 mm", "2-3 mm", "2-3 mm", "2-3 mm", "5 mm"]
    report([_row(0, 1.0, ["L1", "L2"]), _row(1, 3.0, ["L1"]), _row(2, 5.0, []), _row(3, 5.0, ["L1", "L2"])], "test")
    rows = {line.split("|")[1].strip(): line.split("|") for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ")}
    # columns: group, CTs, levels, ident %, L1/L2 % (n): 2 of 2 levels, 1 of 2, 2 of 4 identified
    assert [rows[g][4].strip() for g in ("<= 1.5 mm", "2-3 mm", "5 mm")] == ["100.0", "50.0", "50.0"]
    assert [rows[g][2].strip() for g in ("<= 1.5 mm", "2-3 mm", "5 mm")] == ["1", "1", "2"]
    assert rows["5 mm"][5].strip() == "50.0 (2)"


def test_the_anchor_table_counts_found_where_in_view_and_claimed_where_not(capsys):
    print_anchor_table([_row(0, 1.0, [], ["sacrum"], ["sacrum"]), _row(1, 5.0, [], ["sacrum"], []),
                        _row(2, 5.0, [], ["last_rib"], ["sacrum", "last_rib"])])
    lines = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
             for line in capsys.readouterr().out.splitlines() if line.startswith("| ")}
    assert lines["sacrum"] == ["1/1; 0/0", "0/0; 0/0", "0/1; 1/1", "1/2; 1/1"]     # <= 1.5, 2-3, 5 mm, all
    assert lines["last_rib"][-1] == "1/1; 0/2"


def test_a_rib_anchor_counts_only_with_its_rib_free_neighbour_in_view():
    """The lowest rib is an anchor only where the vertebra below shows no rib: L1 with 12 pairs, L2 with 13 (the
    phantom's thirteenth pair is a lumbar rib), T12 with 11; C7 above the first rib."""
    chest = {"anchors_in_view": ["first_rib", "last_rib"], "levels_in_view": ["C7", "T1", "T12"],
             "variant": {"rib_pairs": 12, "lumbar_count": 5, "transitional": False}}
    assert anchors_countable(chest) == ["first_rib"]                      # cut between T12 and L1's centre
    assert anchors_countable({**chest, "levels_in_view": ["C7", "T1", "T12", "L1"]}) == ["first_rib", "last_rib"]
    thirteen = {**chest, "levels_in_view": ["T1", "T12", "L1"], "variant": {**chest["variant"], "rib_pairs": 13}}
    assert anchors_countable(thirteen) == []                              # no C7; L1 bears the 13th rib, L2 cut
    eleven = {**chest, "anchors_in_view": ["last_rib", "sacrum"], "levels_in_view": ["T11", "T12"],
              "variant": {**chest["variant"], "rib_pairs": 11}}
    assert anchors_countable(eleven) == ["last_rib", "sacrum"]
    cut_c7 = {**chest, "levels_in_view": ["C7", "T1", "T12", "L1"], "levels_whole": ["T1", "T12", "L1"]}
    assert anchors_countable(cut_c7) == ["first_rib", "last_rib"]         # C7's centre in the scan
    assert anchors_countable(cut_c7, whole=True) == ["last_rib"]          # C7's body cut by the scan's top


def test_refusals_are_split_by_countable_anchors_and_anatomy(capsys):
    normal = {"rib_pairs": 12, "lumbar_count": 5, "transitional": False}
    rows = [{**_row(0, 3.0, []), "refused": True, "anchors_in_view": ["first_rib", "last_rib"],
             "levels_in_view": ["C7", "T1", "T12"]},                        # L1 not in view: not countable
            {**_row(1, 3.0, []), "refused": True, "anchors_in_view": ["first_rib", "last_rib"],
             "levels_in_view": ["C7", "T1", "T12", "L1"], "levels_whole": ["T1", "T12", "L1"]},   # C7 cut
            {**_row(2, 3.0, []), "refused": False, "anchors_in_view": ["last_rib", "sacrum"],
             "levels_in_view": ["T12", "L1"], "levels_whole": ["T12", "L1"], "variant": normal},
            {**_row(3, 3.0, []), "refused": True, "anchors_in_view": ["last_rib", "sacrum"],
             "levels_in_view": ["T11", "T12", "L1"], "variant": {**normal, "rib_pairs": 11}}]
    print_refusals(rows)
    lines = capsys.readouterr().out.splitlines()
    assert "| two anchors in view (the tables' column) | 3/4 | 75.0 % |" in lines
    assert "| and each rib anchor's rib-free neighbour centred in the scan | 2/3 | 66.7 % |" in lines
    assert "|   of these, normal anatomy | 1/2 | 50.0 % |" in lines
    assert "|     and each rib-free neighbour's body whole in the scan | 0/1 | 0.0 % |" in lines
    assert "|   of these, a variant (anchors disagree by anatomy: refusal expected) | 1/1 | 100.0 % |" in lines
