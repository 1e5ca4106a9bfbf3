"""The path at a glance: where a learner starts, this qualification, the roles it leads to."""

from django.test.html import Element, parse_html

from .factories import AudienceFactory, ProgressionRoleFactory, QualificationFactory


def find_all(node, tag, class_name=None):
    """Every element under `node` with that tag (and class), in document order."""
    found = []
    for child in getattr(node, "children", []):
        if not isinstance(child, Element):
            continue
        classes = dict(child.attributes).get("class", "").split()
        if child.name == tag and (class_name is None or class_name in classes):
            found.append(child)
        found.extend(find_all(child, tag, class_name))
    return found


def text(node):
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(child) for child in node.children).split())


def pathway_steps(client, qualification):
    page = parse_html(client.get(qualification.get_absolute_url()).text)
    sections = find_all(page, "section", "pathway")
    if not sections:
        return None
    (steps,) = find_all(sections[0], "ol", "pathway__steps")
    return [child for child in steps.children if isinstance(child, Element)]


def test_seed_page_draws_the_path_as_an_ordered_list_of_three_steps(client, seed):
    steps = pathway_steps(client, seed)

    assert [step.name for step in steps] == ["li", "li", "li"]
    start, this, roles = (text(step) for step in steps)
    assert start.startswith("Where you start")
    assert "You have a minimum Level 3 literacy (A Level English or equivalent" in start
    assert "wish to transfer from another career" in start
    assert this == (
        "This qualification Interpersonal Mediation Level 4 Qualification "
        "Level 4, awarded by AIM Qualifications"
    )
    assert roles == (
        "Where it can lead Family mediator Patient advice and liaison service (PALS) officer"
    )


def test_path_names_its_steps_with_headings_under_its_own(client, seed):
    page = parse_html(client.get(seed.get_absolute_url()).text)

    (section,) = find_all(page, "section", "pathway")

    assert [text(h) for h in find_all(section, "h2")] == ["Your path at a glance"]
    assert [text(h) for h in find_all(section, "h3")] == [
        "Where you start",
        "This qualification",
        "Where it can lead",
    ]


def test_path_is_left_out_when_no_role_is_listed(client, db):
    qualification = QualificationFactory(entry_requirement="a Level 2 maths qualification")
    AudienceFactory(qualification=qualification)

    assert pathway_steps(client, qualification) is None


def test_path_starts_from_the_audiences_alone_when_no_entry_requirement_is_set(client, db):
    qualification = QualificationFactory(entry_requirement="")
    AudienceFactory(qualification=qualification, description="care for a relative")
    ProgressionRoleFactory(qualification=qualification, title="Carer")

    start, _, roles = (text(step) for step in pathway_steps(client, qualification))

    assert start == "Where you start You: care for a relative"
    assert roles == "Where it can lead Carer"


def test_path_says_so_when_no_entry_requirement_or_audience_is_listed(client, db):
    qualification = QualificationFactory(entry_requirement="")
    ProgressionRoleFactory(qualification=qualification, title="Carer")

    start, _, _ = (text(step) for step in pathway_steps(client, qualification))

    assert start == "Where you start No entry requirement is listed."
