"""A staff member editing through the admin over HTTP, as a browser would: sign in, open a change
form, change a field, save."""

import http.client
import secrets
import urllib.parse
from html.parser import HTMLParser


class _Form(HTMLParser):
    """The fields of the form with id `form_id`, as a browser would submit them."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea, self._select = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id or self.form_id is None
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "image", "file", "reset"}:
                self.fields.append([name, attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append([self._select, attrs.get("value", "")])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            # The first newline after <textarea> is not part of its value.
            self._textarea[1] += data.removeprefix("\n") if not self._textarea[1] else data


class Staff:
    """A signed-in staff member's browser on one server."""

    def __init__(self, port, username, password, admin="/admin/"):
        self.port, self.admin, self.cookies = port, admin, {}
        fields = self._form(f"{admin}login/", "login-form")
        fields = [f for f in fields if f[0] not in {"username", "password"}]
        fields += [["username", username], ["password", password]]
        status = self._request("POST", f"{admin}login/", fields)[0]
        if status != 302:
            raise RuntimeError(f"signing in answered {status}")

    def edit(self, model_path, pk, **changes):
        """Save the change form of object `pk` with `changes`; raise if it is not saved."""
        url = f"{self.admin}{model_path}/{pk}/change/"
        fields = self._form(url, None)
        for name, value in changes.items():
            fields = [f for f in fields if f[0] != name] + [[name, value]]
        status = self._request("POST", url, [*fields, ["_save", "Save"]])[0]
        if status != 302:
            raise RuntimeError(f"saving {url} answered {status}: the form had errors")

    def open(self, url):
        """GET `url`; raise unless it answers 200."""
        status = self._request("GET", url)[0]
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")

    def step(self, url, step, text=""):
        """Take `step` on the review page at `url`, as its form posts it; raise unless done."""
        fields = [f for f in self._form(url, None) if f[0] in {"csrfmiddlewaretoken", "seen"}]
        fields = list({name: [name, value] for name, value in fields}.values())
        status = self._request("POST", url, [*fields, ["step", step], ["text", text]])[0]
        if status != 302:
            raise RuntimeError(f"{step} on {url} answered {status}")

    def upload(self, model_path, pk, files, **changes):
        """Save the change form of object `pk` with `changes` and `files` ({field: (file name,
        bytes)}) uploaded; raise if it is not saved."""
        url = f"{self.admin}{model_path}/{pk}/change/"
        fields = self._form(url, None)
        for name, value in changes.items():
            fields = [f for f in fields if f[0] != name] + [[name, value]]
        status = self._request("POST", url, [*fields, ["_save", "Save"]], files)[0]
        if status != 302:
            raise RuntimeError(f"saving {url} answered {status}: the form had errors")

    def _form(self, url, form_id):
        status, _, body = self._request("GET", url)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        parser = _Form(form_id)
        parser.feed(body.decode())
        return parser.fields

    def _request(self, method, url, fields=None, files=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if files:
            boundary = secrets.token_hex(16)
            body = _multipart(boundary, fields, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif fields is not None:
            body = urllib.parse.urlencode([tuple(field) for field in fields])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, url, body=body, headers=headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


def _multipart(boundary, fields, files):
    # A multipart/form-data body, as a browser sends a form with files.
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()
