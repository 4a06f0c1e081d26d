"""XML parsing through defusedxml, with its refusals mapped to forewarn errors.

Entity declarations (billion laughs), external entities (XXE) and external DTD fetches
are refused as HostileInput; malformed XML is CorruptFile. Helpers look elements up by
local name, because real-world OPF/DOCX files are sloppy about namespaces.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from forewarn.errors import CorruptFile, HostileInput


def parse_xml(data: bytes, what: str) -> Element:
    try:
        return DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise HostileInput(
            f"{what} declares XML entities or external references (XXE / entity expansion); refused"
        ) from None
    except (ParseError, ValueError, LookupError, RecursionError) as exc:
        raise CorruptFile(f"{what} is not well-formed XML: {str(exc)[:100]}") from None


def local(tag: object) -> str:
    """'{namespace}name' -> 'name'."""
    text = str(tag)
    return text.rsplit("}", 1)[-1] if "}" in text else text.split(":")[-1]


def children(elem: Element, name: str) -> Iterator[Element]:
    return (c for c in elem if local(c.tag) == name)


def descendants(elem: Element, name: str) -> Iterator[Element]:
    return (c for c in elem.iter() if local(c.tag) == name)


def first(elem: Element, name: str) -> Element | None:
    return next(descendants(elem, name), None)


def attr(elem: Element, name: str) -> str | None:
    """Attribute by local name (ignores the namespace, e.g. opf:role or w:val)."""
    if name in elem.attrib:
        return elem.attrib[name]
    for key, value in elem.attrib.items():
        if local(key) == name:
            return value
    return None


def text(elem: Element | None) -> str:
    return "".join(elem.itertext()).strip() if elem is not None else ""
