"""Importers: one reader per file format, each producing grid.Document; normalise.py makes a plan mapping."""
