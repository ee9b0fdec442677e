"""The five span labels of ../shared/ANNOTATION_SPEC.md, in the fixed order every model uses."""

INDICATOR = "INDICATOR"
VALUE = "VALUE"
COMPARATOR = "COMPARATOR"
YEAR = "YEAR"
AGENCY = "AGENCY"

LABELS: tuple[str, ...] = (INDICATOR, VALUE, COMPARATOR, YEAR, AGENCY)
