"""`jmedseg models [PATTERN]`: list the registered architectures."""
NAME = "models"
HELP = "list registered segmentation models (wildcards allowed)"


def add_arguments(parser):
    parser.add_argument("pattern", nargs="?", default="*", help="shell-style filter, e.g. 'unet*'")


def run(args):
    from jmedseg.models.registry import list_models

    for name in list_models(args.pattern):
        print(name)
    return 0
