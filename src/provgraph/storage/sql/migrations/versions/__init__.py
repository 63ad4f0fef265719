"""One module per schema revision; dialect differences are handled inside each module."""
