"""Tourism Integration Analyzer: the analysis pipeline (pure functions over GeoDataFrames)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tourism-integration-analyzer")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
