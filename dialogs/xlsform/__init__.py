"""XLSForm, the spreadsheet format of ODK, KoboToolbox, SurveyCTO and Ona, in and out.

Reading goes through pyxform (the reference implementation); the questionnaire that comes
out is validated by :mod:`dialogs.loader` like any YAML file.
"""

from .reader import check_xlsform, questionnaire_data, read_xlsform
from .writer import write_xlsform
from .xpath import XPathError, canonical, to_scenari, to_xpath

__all__ = ["XPathError", "canonical", "check_xlsform", "questionnaire_data", "read_xlsform", "to_scenari", "to_xpath", "write_xlsform"]
