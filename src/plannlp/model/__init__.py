"""The transformer tagger (PhoBERT token classification) and what it is built from.

Modules: :mod:`~plannlp.model.vocab` (PhoBERT-format BPE vocabulary), :mod:`~plannlp.model.align`
(words to subwords), :mod:`~plannlp.model.windows` (long sentences as overlapping windows),
:mod:`~plannlp.model.tagger` (:class:`TransformerTagger`), :mod:`~plannlp.model.train` (training
from a config), :mod:`~plannlp.model.pretrain` (masked-LM pretraining of an encoder). torch and transformers are imported inside these modules' functions only, so
importing this package is cheap.
"""
