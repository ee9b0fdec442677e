"""Report: tagged plans, and a diff against gold, as one self-contained HTML page."""
