"""Small helpers shared by every part of jmedseg (file writing, ...)."""
