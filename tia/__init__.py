"""The composition root: the ``tia`` command line and the one function that publishes a run."""

from tia.publish import STAGE_WRITE, analyse_and_publish, progress_event

__all__ = ["STAGE_WRITE", "analyse_and_publish", "progress_event"]
