"""The model zoo. Importing this package registers every family module listed here."""
from jmedseg.models import unet  # noqa: F401
