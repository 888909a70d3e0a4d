"""tagbook: the library behind the executable book on annotating images with words."""

__version__ = "0.1.0"
