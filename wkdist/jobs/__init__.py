"""Jobs over whole layers: copy/convert (and, later, downsampling)."""
