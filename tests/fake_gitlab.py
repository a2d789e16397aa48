"""A small, stateful fake of GitLab's REST API (v4) on 127.0.0.1, for real python-gitlab to talk to.

It keeps what the gate touches: a merge request's notes (paginated with ``Link``
and ``X-Next-Page`` headers, like GitLab), checks the ``PRIVATE-TOKEN`` and the
token's write permission, records every request, and injects faults: an HTTP
status for the next N matching requests (403, 5xx bursts), a slow answer (the
request is processed, the answer arrives late, so the client times out after
the server has acted), or a server error *after* processing (the answer is
lost).  GitLab refuses notes over 1,000,000 characters; so does the fake.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

NOTE_LIMIT = 1_000_000


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int = 500
    times: int = 1
    delay: float = 0.0
    process: bool = False
    message: str = "500 Internal Server Error"


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: str
    status: int = 0


@dataclass
class FakeGitLab:
    project_id: str = "42"
    project_path: str = "acme/shop"
    token: str = "glpat-fake-token-0123456789"
    read_only: bool = False  # a token without the api scope: every write is refused with 403
    bot_username: str = "project_42_bot"
    notes: dict[int, list[dict]] = field(default_factory=dict)  # merge request iid → notes
    requests: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.RLock()
        self._next_id = 5000
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v4"

    def start(self) -> FakeGitLab:
        fake = self

        class Handler(_Handler):
            gitlab = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def inject(self, method: str, path: str, status: int = 500, *, times: int = 1, delay: float = 0.0, process=False):
        message = {403: "403 Forbidden", 401: "401 Unauthorized"}.get(status, f"{status} Server Error")
        self.faults.append(Fault(method, re.compile(path), status, times, delay, process, message))

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def add_note(self, iid: int, body: str, username: str = "someone", system: bool = False) -> dict:
        note = self._note(iid, body, username, system)
        self.notes.setdefault(iid, []).append(note)
        return note

    def _note(self, iid: int, body: str, username: str, system: bool = False) -> dict:
        nid = self.new_id()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return {
            "id": nid,
            "type": None,
            "body": body,
            "author": {"id": 7, "username": username, "name": username},
            "created_at": stamp,
            "updated_at": stamp,
            "system": system,
            "noteable_id": 900 + iid,
            "noteable_type": "MergeRequest",
            "noteable_iid": iid,
            "resolvable": False,
        }

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    def marker_notes(self, iid: int, marker: str) -> list[dict]:
        return [n for n in self.notes.get(iid, []) if marker in n["body"]]

    # ------------------------------------------------------------------ routing

    def _project(self, raw: str) -> bool:
        return unquote(raw) in (self.project_id, self.project_path)

    def handle(self, method: str, path: str, query: dict, body: dict | None):
        if method in ("POST", "PUT", "PATCH", "DELETE") and self.read_only:
            return 403, {"message": "403 Forbidden"}, {}
        if m := re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes", path):
            if not self._project(m.group(1)):
                return 404, {"message": "404 Project Not Found"}, {}
            iid = int(m.group(2))
            if method == "GET":
                return self._page(path, query, self.notes.get(iid, []))
            if method == "POST":
                if not isinstance(body, dict) or not isinstance(body.get("body"), str) or not body["body"]:
                    return 400, {"message": "400 Bad request - body is missing"}, {}
                if len(body["body"]) > NOTE_LIMIT:
                    return 400, {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}, {}
                note = self._note(iid, body["body"], self.bot_username)
                self.notes.setdefault(iid, []).append(note)
                return 201, note, {}
        if m := re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)", path):
            if not self._project(m.group(1)):
                return 404, {"message": "404 Project Not Found"}, {}
            for note in self.notes.get(int(m.group(2)), []):
                if note["id"] == int(m.group(3)):
                    if method == "GET":
                        return 200, note, {}
                    if method == "PUT":
                        if not isinstance(body, dict) or len(body.get("body", "")) > NOTE_LIMIT:
                            return 400, {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}, {}
                        note["body"] = body["body"]
                        note["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
                        return 200, note, {}
            return 404, {"message": "404 Note Not Found"}, {}
        return 404, {"error": "404 Not Found"}, {}

    def _page(self, path: str, query: dict, items: list) -> tuple[int, list, dict]:
        per_page = min(int(query.get("per_page", ["20"])[0]), 100)
        page = max(int(query.get("page", ["1"])[0]), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        url = f"{self.base_url}{path}"
        links = []
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(items)),
            "X-Total-Pages": str(last),
            "X-Next-Page": str(page + 1) if page < last else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        if page < last:
            links.append(f'<{url}?page={page + 1}&per_page={per_page}>; rel="next"')
        if page > 1:
            links.append(f'<{url}?page={page - 1}&per_page={per_page}>; rel="prev"')
        links.append(f'<{url}?page=1&per_page={per_page}>; rel="first"')
        links.append(f'<{url}?page={last}&per_page={per_page}>; rel="last"')
        headers["Link"] = ", ".join(links)
        return 200, chunk, headers


class _Handler(BaseHTTPRequestHandler):
    gitlab: FakeGitLab

    def log_message(self, format, *args):
        pass

    def _serve(self, method: str) -> None:
        fake = self.gitlab
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        request = Request(method, parts.path, parse_qs(parts.query), dict(self.headers.items()), raw)
        with fake._lock:
            fake.requests.append(request)
        if self.headers.get("PRIVATE-TOKEN") != fake.token:
            return self._answer(request, 401, {"message": "401 Unauthorized"}, {})
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._answer(request, 400, {"error": "400 Bad request"}, {})
        fault = None
        with fake._lock:
            for candidate in fake.faults:
                if candidate.times > 0 and candidate.method == method and candidate.path.search(parts.path):
                    candidate.times -= 1
                    fault = candidate
                    break
        if fault is not None:
            answer = (fault.status, {"message": fault.message}, {})
            if fault.process or fault.status < 400:
                with fake._lock:
                    handled = fake.handle(method, parts.path, request.query, body)
                if fault.status < 400:
                    answer = handled
            if fault.delay:
                time.sleep(fault.delay)
            return self._answer(request, *answer)
        with fake._lock:
            status, payload, headers = fake.handle(method, parts.path, request.query, body)
        self._answer(request, status, payload, headers)

    def _answer(self, request: Request, status: int, payload, headers: dict) -> None:
        request.status = status
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")
