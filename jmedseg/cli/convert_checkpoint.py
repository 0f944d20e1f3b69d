"""`jmedseg convert-checkpoint OLD.ckpt NEW.ckpt --trust-pickle`: rewrite a pickled checkpoint pickle-free."""
NAME = "convert-checkpoint"
HELP = ("rewrite a checkpoint or pretrained encoder that an older jmedseg pickled into the current "
        "pickle-free format")


def add_arguments(parser):
    parser.add_argument("old", help="pickled checkpoint (.ckpt) written by jmedseg before checkpoint version 2")
    parser.add_argument("new", help="where to write the converted checkpoint")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="required: reading a pickle can run code, so confirm you trust where OLD came "
                             "from (only numpy arrays and plain containers are unpickled)")


def run(args):
    from jmedseg.training.checkpoint import convert_pickle_checkpoint
    from jmedseg.errors import UsageError

    if not args.trust_pickle:
        raise UsageError(f"{args.old}: reading a pickled file can run code; pass --trust-pickle if you "
                         "trust where it came from")
    payload = convert_pickle_checkpoint(args.old, args.new)
    print(f"converted {payload['model_name']} checkpoint ({len(payload['state'])} tensors) "
          f"{args.old} -> {args.new}")
    return 0
