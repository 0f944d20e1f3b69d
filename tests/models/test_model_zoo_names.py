"""The zoo has a counterpart for every model name of the paper's released code, as docs/model_zoo.md says."""
import os
import re

from jmedseg.models.registry import list_models
from tests.conftest import ROOT

DOC = os.path.join(ROOT, "docs", "model_zoo.md")

# The model list of the paper's released code (THU-CVlab/JMedSegV2, utils/models.py), in its order.
PAPER_CODE_NAMES = (
    "unet", "hrnet", "setr", "unet3p", "segnet", "hardnet", "deeplab", "pspnet", "danet", "eanet", "ocrnet",
    "resunet", "ocnet", "attunet", "dense", "dlink", "ternaus", "scseunet", "r2", "r2att", "csnet", "unetpp",
    "unetppbig", "multires", "u2net", "u2netp", "onenet", "lightnet", "cenet", "hardalter", "lrfea", "simple",
)
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \|")


def documented_mapping():
    """Rows of the doc's first table: paper-code name -> jmedseg name."""
    with open(DOC) as f:
        text = f.read()
    first_table = text.split("## Names of the paper code's model list", 1)[1].split("\n## ", 1)[0]
    return dict(m.groups() for m in map(ROW.match, first_table.splitlines()) if m)


def test_the_paper_code_lists_32_distinct_names():
    assert len(set(PAPER_CODE_NAMES)) == len(PAPER_CODE_NAMES) == 32


def test_every_paper_code_name_maps_to_a_registered_model():
    mapping = documented_mapping()
    assert set(mapping) == set(PAPER_CODE_NAMES), (
        f"docs/model_zoo.md misses {set(PAPER_CODE_NAMES) - set(mapping)}, "
        f"or lists names not in the paper code: {set(mapping) - set(PAPER_CODE_NAMES)}")
    unregistered = {paper: ours for paper, ours in mapping.items() if ours not in list_models()}
    assert not unregistered, f"mapped to models the registry does not have: {unregistered}"
    # Distinct networks of the paper code map to distinct models.
    assert len(set(mapping.values())) == 32
