"""`jmedseg export RUN_DIR --out model.jmed`: pack a run's best weights and inference settings into one file."""
NAME = "export"
HELP = "pack a training run's best checkpoint into a self-contained model file (.jmed)"


def add_arguments(parser):
    parser.add_argument("run", help="run folder (its checkpoints/best.ckpt), multirun sweep folder or .ckpt file")
    parser.add_argument("--out", required=True, help="model file to write, e.g. model.jmed")
    parser.add_argument("--select-by", default="best_val",
                        help="in a sweep folder, the summary column that picks the run (default best_val)")
    parser.add_argument("--select-mode", choices=("max", "min"), default="max",
                        help="max: highest --select-by wins; min: lowest")


def run(args):
    from jmedseg.evaluation.evaluate import select_checkpoint
    from jmedseg.deploy.export import export_model

    ckpt, selection = select_checkpoint(args.run, args.select_by, args.select_mode)
    meta = export_model(ckpt, args.out)
    if selection["source"] == "sweep":
        print(f"sweep: job {selection['job']} has the best {selection['select_by']} "
              f"({selection['value']:.4f}) of {selection['n_jobs']} jobs")
    print(f"exported {meta['model_name']} ({', '.join(meta['class_names'])}) from {ckpt}")
    print(f"trained for: windows {meta['windows']} HU, pixel {meta['pixel_mm']} mm, "
          f"image size {meta['image_size']}")
    print(f"wrote {args.out}")
    return 0
