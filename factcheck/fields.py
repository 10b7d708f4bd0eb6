"""Text that every part of the record can carry.

Django's XML serializer (the documented backup) refuses the C0 control
characters other than tab, line feed and carriage return; PostgreSQL refuses
NUL; a lone surrogate cannot be encoded at all; U+FFFE and U+FFFF are not
characters in XML. Text holding one of them is refused wherever it comes in,
through the validators of the model fields below, which forms, the admin, the
services and the seed loader all run.

Form input is normalised in one way only: line endings become ``\\n`` and
surrounding whitespace is stripped (web addresses too: none is given a scheme).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

NAMES = {0x00: "null", 0x09: "tab", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape"}


def describe_character(character):
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        name = "an unpaired surrogate"
    elif code in (0xFFFE, 0xFFFF):
        name = "not a character"
    else:
        name = NAMES.get(code, "a control character")
    return f"U+{code:04X} ({name})"


def validate_storable_text(value):
    """Refuse text holding a character the database or the backup cannot keep,
    naming it and its position (counted from 1)."""
    if not isinstance(value, str):
        return
    found = REFUSED_CHARACTERS.search(value)
    if found:
        raise ValidationError(
            "Remove the invisible character %(character)s at position %(position)s: "
            "it cannot be stored or backed up.",
            code="unstorable_character",
            params={"character": describe_character(found.group()), "position": found.start() + 1},
        )


def normalise_line_endings(value):
    return value.replace("\r\n", "\n").replace("\r", "\n")


class TextFormField(forms.CharField):
    """A form's free text: stripped, line endings as ``\\n``, storable."""

    default_validators = [validate_storable_text]

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_line_endings(value) if isinstance(value, str) else value


class URLFormField(TextFormField):
    """A web address, normalised as all form text is and no further: Django's
    URLField would prepend "https://" to an address typed without a scheme,
    storing what no one typed."""

    widget = forms.URLInput
    default_error_messages = {"invalid": forms.URLField.default_error_messages["invalid"]}
    default_validators = [*forms.URLField.default_validators, validate_storable_text]


class DjangoColumn:
    def deconstruct(self):
        # Migrations see Django's own field: the column is the same, and on
        # SQLite a new field class would rebuild every table (and drop its triggers).
        name, path, args, kwargs = super().deconstruct()
        return name, f"django.db.models.{type(self).__name__}", args, kwargs


class StorableText(DjangoColumn):
    default_validators = [validate_storable_text]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": TextFormField, **kwargs})


class CharField(StorableText, models.CharField):
    pass


class TextField(StorableText, models.TextField):
    pass


class URLField(DjangoColumn, models.URLField):
    default_validators = [*models.URLField.default_validators, validate_storable_text]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": URLFormField, **kwargs})


class EmailField(DjangoColumn, models.EmailField):
    default_validators = [*models.EmailField.default_validators, validate_storable_text]
