"""schema.org structured data for a qualification's page, as a dict ready for JSON-LD."""

OFQUAL = {
    "@type": "Organization",
    "name": "Ofqual",
    "alternateName": "Office of Qualifications and Examinations Regulation",
    "url": "https://www.gov.uk/government/organisations/ofqual",
}
# The levels in England, Wales and Northern Ireland, entry level to 8, as GOV.UK explains them.
LEVELS = {
    "@type": "DefinedTermSet",
    "name": "Qualification levels",
    "url": "https://www.gov.uk/what-different-qualification-levels-mean",
}


def credential(qualification, url):
    """The qualification as a schema.org EducationalOccupationalCredential.

    `qualification` comes from `for_detail_page()`; `url` is its page's absolute address.
    """
    organisation = qualification.awarding_organisation
    provider = {"@type": "Organization", "name": organisation.name}
    if organisation.website:
        provider["url"] = organisation.website
    data = {
        "@context": "https://schema.org",
        "@type": "EducationalOccupationalCredential",
        "@id": f"{url}#credential",
        "url": url,
        "name": qualification.title,
        "description": qualification.overview,
        "inLanguage": "en-GB",
        "credentialCategory": {
            "@type": "DefinedTerm",
            "name": "Regulated qualification"
            if qualification.is_ofqual_regulated
            else "Qualification",
        },
        "educationalLevel": {
            "@type": "DefinedTerm",
            "name": qualification.get_level_display(),
            "termCode": str(qualification.level),
            "inDefinedTermSet": LEVELS,
        },
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "Ofqual qualification number",
            "value": qualification.qualification_number,
        },
        # CreativeWork's `provider`: the body that offers the credential. schema.org has no
        # "awarded by"; `recognizedBy` is the regulator's, below.
        "provider": provider,
        "dateModified": qualification.updated_at.isoformat(),
    }
    if qualification.is_ofqual_regulated:
        data["recognizedBy"] = OFQUAL
    if qualification.entry_requirement:
        # What a learner must show to earn it: schema.org's meaning of `competencyRequired`.
        data["competencyRequired"] = qualification.entry_requirement
    roles = qualification.progression_roles.all()
    if roles:
        # The job roles it leads to. schema.org has no property from a credential to the
        # occupations it prepares for: Occupation's `qualifications` points the other way and
        # means "required for this job", which these roles do not claim, and `competencyRequired`
        # is what the credential itself requires. CreativeWork's `mentions` ("refers to, without
        # necessarily being about") is the property that says what the page says, no more.
        data["mentions"] = [
            {"@type": "Occupation", "name": role.title, "description": role.description}
            for role in roles
        ]
    return data
