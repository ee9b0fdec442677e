"""Other engines for `plannlp tag`: the same per-document pipeline as :mod:`plannlp.tag.batch`
(which is the local engine), run elsewhere. :mod:`plannlp.tag.engines.ray_engine` runs it on Ray Data."""
