"""The transformer tagger (PhoBERT token classification) and what it is built from.

Modules: :mod:`~plannlp.tag.neural.vocab` (PhoBERT-format BPE vocabulary), :mod:`~plannlp.tag.neural.align`
(words to subwords), :mod:`~plannlp.tag.neural.windows` (long sentences as overlapping windows),
:mod:`~plannlp.tag.neural.tagger` (:class:`TransformerTagger`), :mod:`~plannlp.tag.neural.train` (training
from a config), :mod:`~plannlp.pretrain` (masked-LM pretraining of an encoder). torch and transformers are imported inside these modules' functions only, so
importing this package is cheap.
"""
