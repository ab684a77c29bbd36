"""What the command line reports when the user asked for something it cannot do.

Every `lms-sim` command raises `UsageError` for a bad flag, file, port or database; the
CLI prints it as one line and exits with code 2, never a traceback.
"""

from __future__ import annotations


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit code 2."""
