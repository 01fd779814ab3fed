"""The Python SDK's implementation; import its public names from `modelyard`."""
