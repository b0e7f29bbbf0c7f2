"""The module path ``webknossos.dataset._utils``: helpers users' scripts import from there."""
