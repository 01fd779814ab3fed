"""The domain: visibility, id rules, merge-patch, ETags, audit. Raises domain errors, never HTTP."""
