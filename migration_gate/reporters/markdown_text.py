"""Markdown from user text, made inert: HTML and Markdown punctuation escaped, ``@mentions`` and issue
references broken (GitHub's and GitLab's), SQL in a fence no backtick run can close, links only to http(s).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_MD_PUNCTUATION = {c: "\\" + c for c in "\\`*_[]|~"}
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# @user, @org/team, #123; and GitLab's !123 (merge request), ~label, %milestone, $123 (snippet), &123 (epic)
_MENTION_OR_REFERENCE = re.compile(r"([@#!~%$]|&amp;)(?=[A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")


def inline(text: str) -> str:
    """User text for inline Markdown (a paragraph or a table cell), made inert."""
    out = []
    for ch in str(text):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_PUNCTUATION:
            out.append(_MD_PUNCTUATION[ch])
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    # A zero-width space after @ or # stops GitHub (and after !, ~, %, $ or & GitLab) from linking, and
    # notifying, users, teams, issues, merge requests, labels, milestones, snippets and epics.
    return _MENTION_OR_REFERENCE.sub(r"\1&#8203;", "".join(out))


def fence(code: str, lang: str = "") -> str:
    """A fenced code block that no backtick run inside ``code`` can close."""
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(code)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{lang}\n{code}\n{marks}"


def link(text: str, url: str) -> str:
    """``[text](url)`` for an http(s) URL; the text alone otherwise."""
    label = inline(text)
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return label
    safe_url = quote(url, safe="/:?#&=%+,;@!$'*.-_~")
    return f"[{label}]({safe_url})"
