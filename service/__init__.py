"""newsbrief: multi-document news summarisation with provenance."""

from service.errors import EmptyInputError, InputError, LimitExceededError, ModelError, NewsbriefError, ReadError
from service.records import Article
from service.result import SelectedSentence, Summary
from service.settings import Settings
from service.summarizer import Summarizer

__version__ = "0.1.0"

__all__ = [
    "Article",
    "EmptyInputError",
    "InputError",
    "LimitExceededError",
    "ModelError",
    "NewsbriefError",
    "ReadError",
    "SelectedSentence",
    "Settings",
    "Summarizer",
    "Summary",
    "__version__",
]
