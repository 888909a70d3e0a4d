"""Data readers and the small data files that ship with tagbook (paper numbers, the hand-labelled sample photos)."""
