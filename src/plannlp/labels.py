"""The five span labels of ../shared/ANNOTATION_SPEC.md, in the fixed order every model uses, and
the roles an AGENCY mention takes (the spec's *Agency roles and responsibility*, 2026-12-01).

These are the defaults: a model's label set is its config's ``labels:`` (any names), so a span's
label is checked for form here and against a label set where one is given."""

import re

INDICATOR = "INDICATOR"
VALUE = "VALUE"
COMPARATOR = "COMPARATOR"
YEAR = "YEAR"
AGENCY = "AGENCY"

LABELS: tuple[str, ...] = (INDICATOR, VALUE, COMPARATOR, YEAR, AGENCY)

# Roles of an AGENCY mention: what the plan makes that body do at that mention.
ISSUER = "issuer"
LEAD = "lead"
PARTNER = "partner"
OVERSIGHT = "oversight"
ROLES: tuple[str, ...] = (ISSUER, LEAD, PARTNER, OVERSIGHT)
# the roles a target record names as responsible, in the order a record lists them
RESPONSIBLE_ROLES: tuple[str, ...] = (LEAD, PARTNER)

_LABEL_FORM = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def is_label_name(name: object) -> bool:
    """Whether ``name`` can be a span label: a letter then letters, digits, ``_ . -`` (BIO-safe)."""
    return isinstance(name, str) and bool(_LABEL_FORM.match(name))


def label_set(names: object = None, where: str = "config") -> tuple[str, ...]:
    """A model's label set from its config's ``labels:`` (the spec's five when absent), checked:
    a non-empty list of distinct well-formed names, in the order the model will use."""
    if names is None:
        return LABELS
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise ValueError(f"{where}: labels must be a non-empty list of label names")
    bad = [n for n in names if not is_label_name(n)]
    if bad:
        raise ValueError(f"{where}: labels {bad!r} are not label names (a letter, then letters, digits, _ . -)")
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: labels must be distinct")
    return tuple(names)


def labels_of(docs: object) -> tuple[str, ...]:
    """The labels that occur in documents' spans: the spec's five first (in their order), then
    any others in sorted order."""
    found = {span.label for doc in docs for span in doc.spans}  # type: ignore[attr-defined]
    return tuple(label for label in LABELS if label in found) + tuple(sorted(found - set(LABELS)))
