"""Where static files are kept, and their addresses."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed static files, each file's address worked out once per
    process rather than on every `{% static %}`: the manifest it comes from only changes with a
    deploy, which starts new processes. Every page asks for four."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        key = (name, force, settings.DEBUG)  # DEBUG gives the unhashed address
        if key not in self._urls:
            self._urls[key] = super().url(name, force)
        return self._urls[key]
