"""Helpers shared by every layer: tables and files, figures."""
