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
