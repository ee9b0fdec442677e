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
