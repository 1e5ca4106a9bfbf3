"""A small HTML reader for tests: every element with its attributes and its text."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict
    parents: list
    parts: list = field(default_factory=list)

    @property
    def raw_text(self):
        return "".join(self.parts)

    @property
    def text(self):
        """The text with its whitespace collapsed, as a reader would see it."""
        return " ".join(self.raw_text.split())

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.open = [], []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parents=list(self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        for element in self.open:
            element.parts.append(data)


def elements(html):
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.elements


def select(html, tag, class_=None, **attrs):
    """Elements of `tag` (with CSS class `class_` and the attributes given, if any)."""
    return [
        element
        for element in elements(html)
        if element.tag == tag
        and (class_ is None or class_ in element.classes)
        and all(element.attrs.get(name.rstrip("_")) == value for name, value in attrs.items())
    ]


def select_one(html, tag, class_=None, **attrs):
    found = select(html, tag, class_, **attrs)
    assert len(found) == 1, f"{len(found)} <{tag} {class_ or ''} {attrs}> elements"
    return found[0]


def form_data(html, form_id):
    """What a browser would submit from the form with `form_id`, unchanged: a dict of field name
    to value (a list where a name repeats), as the test client's post() takes it."""
    parsed = elements(html)
    [form] = [e for e in parsed if e.tag == "form" and e.attrs.get("id") == form_id]
    data = {}

    def add(name, value):
        if name in data:
            data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
        else:
            data[name] = value

    for element in parsed:
        if not any(parent is form for parent in element.parents) or not element.attrs.get("name"):
            continue
        name, kind = element.attrs["name"], element.attrs.get("type", "text")
        if element.tag == "input" and kind not in {"submit", "button", "image", "file"}:
            if kind not in {"checkbox", "radio"} or "checked" in element.attrs:
                add(name, element.attrs.get("value", "on" if kind == "checkbox" else ""))
        elif element.tag == "textarea":
            add(name, element.raw_text.removeprefix("\n"))
        elif element.tag == "select":
            options = [
                o for o in parsed if o.tag == "option" and any(p is element for p in o.parents)
            ]
            chosen = [o for o in options if "selected" in o.attrs]
            for option in chosen or options[:1]:
                add(name, option.attrs.get("value", option.text))
    return data
