"""The base of every error that is the input's fault, not ml-policy's.

The command line prints these as one line naming the file (and line) and
exits 2; anything else is an internal error.
"""


class PolicyError(Exception):
    """Bad configuration, a bad path, a malformed or unwritable file, an unknown bundle."""
