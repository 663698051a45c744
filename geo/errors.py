"""The one exception type for bad input."""

from __future__ import annotations


class DatasetError(ValueError):
    """Bad input data or manifest.

    The message is one sentence for the user: it names the file (and the row, feature or key)
    and says what to do. The CLI prints it and exits with code 2; the API answers 4xx.
    """
