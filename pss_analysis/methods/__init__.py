"""methods stage."""
