"""Tag: the systems (rules, CRF, neural), the one contract they meet, the registry that loads
and trains them, agency roles and target links, and batch tagging of files.

``plannlp.tag(text)`` tags one text with the default model (see :func:`plannlp.tag.batch.tag`).
"""

from plannlp.tag.batch import tag, tag_files

__all__ = ["tag", "tag_files"]
