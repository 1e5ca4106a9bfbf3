"""Every fact of the seed page (shared/seed/000_19f6b6e060ba76a0.txt), as the site must show it.

Whitespace is normalised before comparing, so line breaks in the page or the PDF do not matter.
"""

SEED_FACTS = [
    "AIM Qualifications",
    "Interpersonal Mediation Level 4 Qualification",
    "601/4433/6",
    "Level 4",
    "What does this qualification cover?",
    "This qualification has been designed to support you, the learner, to develop the knowledge, "
    "understanding and skills required to become a proficient mediation practitioner.",
    "The qualification covers the standard principles and models that can be employed to resolve "
    "conflicts of an interpersonal nature effectively.",
    "Learners will be able to use key mediation skills within particular situations, appreciate "
    "the ethics and accountability required, and be able to identify their own personal "
    "professional development needs.",
    "This qualification is not included within any apprenticeship frameworks.",
    "Is this qualification right for you?",
    "This qualification may be of particular interest if you are a learner who has a minimum "
    "Level 3 literacy (A Level English or equivalent qualification) and you:",
    "already work in a mediation setting and wish to gain recognition for your skills and "
    "knowledge; or",
    "work as a mediator and wish to progress your career further within the industry; or",
    "wish to transfer from another career",
    "Which other subjects might complement this qualification?",
    "You could study this qualification alongside others such as qualifications in counselling "
    "and therapeutic practice.",
    "Counselling and mediation are both valuable ways to resolve conflict and in some cases, may "
    "complement each other when used in combination.",
    "What further study and/or employment is the qualification designed to lead to?",
    "This qualification has been designed to enable you to become competent, experienced, and to "
    "work ethically and safely as a mediator.",
    "If you successfully achieve this qualification, you may progress into job roles within the "
    "industry such as:",
    "Family mediator",
    "Help divorcing or separating couples reach agreement without having to go to court.",
    "Patient advice and liaison service (PALS) officer",
    "Give support, advice and information about NHS services.",
    "Who supports this qualification?",
    "This qualification is supported by employers such as Derwent Living Ltd, Derbyshire "
    "Constabulary and Moat, who agree that the qualification will enhance the professional status "
    "of mediators and will raise standards of mediation practice in the UK.",
    "Further information",
    "This qualification is an Ofqual regulated qualification and is restricted to UK Mediation "
    "Ltd.",
]

# The seed's sections, in the seed's order.
SEED_HEADINGS = [
    "What does this qualification cover?",
    "Is this qualification right for you?",
    "Which other subjects might complement this qualification?",
    "What further study and/or employment is the qualification designed to lead to?",
    "Who supports this qualification?",
    "Further information",
]


def normalise(text):
    return " ".join(text.split())
