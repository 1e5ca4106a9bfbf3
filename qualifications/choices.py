from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Level(models.IntegerChoices):
    ENTRY = 0, "Entry level"
    LEVEL_1 = 1, "Level 1"
    LEVEL_2 = 2, "Level 2"
    LEVEL_3 = 3, "Level 3"
    LEVEL_4 = 4, "Level 4"
    LEVEL_5 = 5, "Level 5"
    LEVEL_6 = 6, "Level 6"
    LEVEL_7 = 7, "Level 7"
    LEVEL_8 = 8, "Level 8"


class FeeKind(models.TextChoices):
    # In the order the page lists them.
    STANDARD = "standard", "Standard qualification fee"
    PACKAGE = "package", "Package fee"
    LEARNER = "learner", "Associated learner fee"
    CENTRE = "centre", "Mandatory centre fee"


class FeePer(models.TextChoices):
    LEARNER = "learner", "per learner"
    UNIT = "unit", "per unit"
    CENTRE = "centre", "per centre"
    YEAR = "year", "per year"


class FeeVat(models.TextChoices):
    INCLUDED = "included", "VAT included"
    EXCLUDED = "excluded", "plus VAT"
    NOT_APPLICABLE = "none", "no VAT"


class UnitLevel(models.TextChoices):
    ENTRY_1 = "E1", "Entry 1"
    ENTRY_2 = "E2", "Entry 2"
    ENTRY_3 = "E3", "Entry 3"
    LEVEL_1 = "1", "Level 1"
    LEVEL_2 = "2", "Level 2"
    LEVEL_3 = "3", "Level 3"
    LEVEL_4 = "4", "Level 4"
    LEVEL_5 = "5", "Level 5"
    LEVEL_6 = "6", "Level 6"
    LEVEL_7 = "7", "Level 7"
    LEVEL_8 = "8", "Level 8"


class GroupRule(models.TextChoices):
    ALL = "all", "All its units (mandatory)"
    CREDITS = "credits", "A number of credits from it"
    UNITS = "units", "A number of units from it"


class DocumentKind(models.TextChoices):
    # The values are the path segment of the document's address.
    SPECIFICATION = "specification", "Specification"
    SAMPLE_ASSESSMENT_MATERIALS = "sample-assessment-materials", "Sample assessment materials"
    QUALIFICATION_HANDBOOK = "qualification-handbook", "Qualification handbook"
    CENTRE_GUIDANCE = "centre-guidance", "Centre guidance"
    POLICY = "policy", "Policy"
    OTHER = "other", "Other"


class DocumentLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    WELSH = "cy", "Welsh"


class ReviewState(models.TextChoices):
    EDITING = "editing", "Not yet submitted"
    SUBMITTED = "submitted", "Awaiting review"
    SENT_BACK = "sent_back", "Sent back"


class ReviewAction(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for review"
    SENT_BACK = "sent_back", "Sent back"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"
