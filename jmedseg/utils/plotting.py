"""Matplotlib for files only (Agg backend), and atomic PNG writes."""
import io

from jmedseg.utils.files import atomic_write_bytes


def pyplot():
    """matplotlib.pyplot on the Agg backend: no display needed, safe in worker processes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi=100):
    """Write `fig` as PNG through a temp file + rename, then free it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    pyplot().close(fig)
    atomic_write_bytes(path, buf.getvalue())
