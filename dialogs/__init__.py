"""Questionnaires as data, and the transport-free engine that walks a respondent through them."""

from .answers import InvalidAnswer, describe
from .engine import evaluate_outcomes, handle, progress, prompt, start
from .expressions import ExpressionError
from .loader import (
    DefinitionError,
    Report,
    check_data,
    check_file,
    load_data,
    load_directory,
    load_file,
)
from .model import Outcome, Question, Questionnaire, Text
from .state import AnswerChange, Input, Message, Option, RunState, Step

__all__ = [
    "AnswerChange", "DefinitionError", "ExpressionError", "Input", "InvalidAnswer", "Message",
    "Option", "Outcome", "Question", "Questionnaire", "Report", "RunState", "Step", "Text",
    "check_data", "check_file", "describe", "evaluate_outcomes", "handle", "load_data",
    "load_directory", "load_file", "progress", "prompt", "start",
]
