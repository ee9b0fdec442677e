"""Other engines for `plannlp tag`: the same per-document pipeline as :mod:`plannlp.tagging`
(which is the local engine), run elsewhere. :mod:`plannlp.engines.ray_engine` runs it on Ray Data."""
