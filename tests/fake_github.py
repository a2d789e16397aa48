"""A small, stateful fake of the GitHub REST API on 127.0.0.1, for real PyGithub to talk to.

It keeps what the gate touches: issue comments (paginated with ``Link``
headers, like GitHub), commit statuses and check runs, checks the token and
the token's write permission, records every request, and injects faults:
an HTTP status for the next N matching requests (403, 422, 5xx bursts), a
slow answer (the request is processed, the answer arrives late, so the client
times out after the server has acted, as happens for real), or a server error
*after* processing (the answer is lost).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int = 500
    times: int = 1
    delay: float = 0.0  # seconds to wait before answering
    process: bool = False  # act on the request before failing (the answer is lost)
    message: str = "Server Error"


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: str
    status: int = 0


@dataclass
class FakeGitHub:
    repository: str = "acme/shop"
    token: str = "ghs_fake_token_value_0123456789"
    read_only: bool = False  # a fork's GITHUB_TOKEN: every write is refused with 403
    bot_login: str = "github-actions[bot]"
    comments: dict[int, list[dict]] = field(default_factory=dict)
    statuses: dict[str, list[dict]] = field(default_factory=dict)
    check_runs: list[dict] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.RLock()
        self._next_id = 1000
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ control

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def inject(
        self,
        method: str,
        path: str,
        status: int = 500,
        *,
        times: int = 1,
        delay: float = 0.0,
        process: bool = False,
        message: str | None = None,
    ) -> None:
        default = {403: "Resource not accessible by integration", 422: "Validation Failed"}.get(status, "Server Error")
        self.faults.append(Fault(method, re.compile(path), status, times, delay, process, message or default))

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def add_comment(self, number: int, body: str, login: str = "someone") -> dict:
        comment = self._comment(number, body, login)
        self.comments.setdefault(number, []).append(comment)
        return comment

    def _comment(self, number: int, body: str, login: str) -> dict:
        cid = self.new_id()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return {
            "id": cid,
            "node_id": f"IC_{cid}",
            "body": body,
            "url": f"{self.base_url}/repos/{self.repository}/issues/comments/{cid}",
            "html_url": f"https://github.example/{self.repository}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{self.base_url}/repos/{self.repository}/issues/{number}",
            "user": {"login": login, "id": 41898282, "type": "Bot" if login.endswith("[bot]") else "User"},
            "created_at": stamp,
            "updated_at": stamp,
        }

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]

    def marker_comments(self, number: int, marker: str) -> list[dict]:
        return [c for c in self.comments.get(number, []) if marker in c["body"]]

    # ------------------------------------------------------------------ routing

    def handle(self, method: str, path: str, query: dict, body: dict | None):
        """(status, payload, headers) for one request that passed auth and faults."""
        repo = re.escape(self.repository)
        if method in ("POST", "PATCH", "PUT", "DELETE") and self.read_only:
            return (
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": "https://docs.github.com/rest",
                },
                {},
            )
        if m := re.fullmatch(rf"/repos/{repo}/issues/(\d+)/comments", path):
            number = int(m.group(1))
            if method == "GET":
                return self._page(path, query, self.comments.get(number, []))
            if method == "POST":
                if not isinstance(body, dict) or not isinstance(body.get("body"), str):
                    return 422, {"message": "Validation Failed"}, {}
                if len(body["body"]) > 65536:
                    return (
                        422,
                        {
                            "message": "Validation Failed",
                            "errors": [{"message": "Body is too long (maximum is 65536 characters)"}],
                        },
                        {},
                    )
                comment = self._comment(number, body["body"], self.bot_login)
                self.comments.setdefault(number, []).append(comment)
                return 201, comment, {}
        if m := re.fullmatch(rf"/repos/{repo}/issues/comments/(\d+)", path):
            cid = int(m.group(1))
            for comments in self.comments.values():
                for comment in comments:
                    if comment["id"] == cid and method == "PATCH":
                        if len(body.get("body", "")) > 65536:
                            return 422, {"message": "Validation Failed"}, {}
                        comment["body"] = body["body"]
                        comment["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if (m := re.fullmatch(rf"/repos/{repo}/statuses/([0-9a-f]{{40}})", path)) and method == "POST":
            sha = m.group(1)
            state = body.get("state")
            if state not in ("error", "failure", "pending", "success"):
                return 422, {"message": "Validation Failed"}, {}
            status = {
                "id": self.new_id(),
                "url": f"{self.base_url}{path}",
                "state": state,
                "description": body.get("description"),
                "target_url": body.get("target_url"),
                "context": body.get("context", "default"),
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
            self.statuses.setdefault(sha, []).append(status)
            return 201, status, {}
        if re.fullmatch(rf"/repos/{repo}/check-runs", path) and method == "POST":
            annotations = list((body.get("output") or {}).get("annotations") or [])
            if len(annotations) > 50:
                return 422, {"message": "Only 50 annotations are allowed per request"}, {}
            run = {
                "id": self.new_id(),
                "name": body["name"],
                "head_sha": body["head_sha"],
                "status": body.get("status"),
                "conclusion": body.get("conclusion"),
                "details_url": body.get("details_url"),
                "output": dict(body.get("output") or {}),
                "annotations": annotations,
                "requests": 1,
            }
            run["url"] = f"{self.base_url}/repos/{self.repository}/check-runs/{run['id']}"
            self.check_runs.append(run)
            return 201, self._check_run_json(run), {}
        if (m := re.fullmatch(rf"/repos/{repo}/check-runs/(\d+)", path)) and method == "PATCH":
            for run in self.check_runs:
                if run["id"] == int(m.group(1)):
                    annotations = list((body.get("output") or {}).get("annotations") or [])
                    if len(annotations) > 50:
                        return 422, {"message": "Only 50 annotations are allowed per request"}, {}
                    run["annotations"].extend(annotations)
                    run["requests"] += 1
                    return 200, self._check_run_json(run), {}
            return 404, {"message": "Not Found"}, {}
        return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}

    def _check_run_json(self, run: dict) -> dict:
        output = {k: v for k, v in run["output"].items() if k != "annotations"}
        output["annotations_count"] = len(run["annotations"])
        return {
            "id": run["id"],
            "name": run["name"],
            "head_sha": run["head_sha"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "url": run["url"],
            "details_url": run["details_url"],
            "output": output,
        }

    def _page(self, path: str, query: dict, items: list) -> tuple[int, list, dict]:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = max(int(query.get("page", ["1"])[0]), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        if page < last:
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page=1>; rel="first"')
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page={page - 1}>; rel="prev"')
        return 200, chunk, {"Link": ", ".join(links)} if links else {}


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub

    def log_message(self, format, *args):
        pass

    def _serve(self, method: str) -> None:
        fake = self.github
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        request = Request(method, parts.path, parse_qs(parts.query), dict(self.headers.items()), raw)
        with fake._lock:
            fake.requests.append(request)
        auth = self.headers.get("Authorization", "")
        if auth not in (f"token {fake.token}", f"Bearer {fake.token}"):
            return self._answer(request, 401, {"message": "Bad credentials"}, {})
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._answer(request, 400, {"message": "Problems parsing JSON"}, {})
        fault = None
        with fake._lock:
            for candidate in fake.faults:
                if candidate.times > 0 and candidate.method == method and candidate.path.search(parts.path):
                    candidate.times -= 1
                    fault = candidate
                    break
        if fault is not None:
            answer = (fault.status, {"message": fault.message}, {})
            if fault.process or fault.status < 400:  # act first: only the answer is late or lost
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
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout we caused on purpose)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PATCH(self):
        self._serve("PATCH")
