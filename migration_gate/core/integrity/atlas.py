"""Atlas's ``atlas.sum``, computed and checked exactly as ariga/atlas does.

``sql/migrate/dir.go`` (ariga/atlas)::

    // LocalDir.Files: fs.Glob(d, "*.sql"), sorted by name (Go string order: bytes)
    func NewHashFile(files []File) (HashFile, error) {
        h := sha256.New()
        for _, f := range files {
            h.Write([]byte(f.Name()))
            if mode, ok := directive(string(f.Bytes()), directiveSum); ok && mode == sumModeIgnore { continue }
            h.Write(f.Bytes())
            hs = append(hs, struct{ N, H string }{f.Name(), base64.StdEncoding.EncodeToString(h.Sum(nil))})
        }
    }
    func (f HashFile) Sum() string { sha256 over N‖H of every line, base64 }
    func (f HashFile) MarshalText() ([]byte, error) {
        for _, f := range f { fmt.Fprintf(buf, "%s h1:%s\\n", f.N, f.H) }
        return []byte(fmt.Sprintf("h1:%s\\n%s", f.Sum(), buf)), nil
    }

So one running SHA-256 over ``name₁‖bytes₁‖name₂‖bytes₂…``, each file's line
holding the digest so far: editing or inserting a file changes its line and
every later one.  A file whose content starts with an ``atlas:sum ignore``
directive contributes only its name and gets no line.  The reproduction was
checked byte for byte against a real ``atlas.sum`` of 362 lines.

``migrate.Validate`` compares the directory with ``atlas.sum`` before
``migrate apply`` runs anything: ``checksum mismatch`` (``ErrChecksumMismatch``),
``checksum file not found`` (``ErrChecksumNotFound``), ``checksum file format
invalid`` (``ErrChecksumFormat``); the CLI prints "You have a checksum error in
your migration directory." and asks for ``atlas migrate hash``.  Atlas never
compares an applied file with the hash recorded for its revision: once
``atlas.sum`` is re-hashed, an edited applied file is silently not re-run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

SUM_FILE = "atlas.sum"
#: What the Atlas CLI prints when the directory does not match atlas.sum (cmdapi ``printChecksumError``).
CHECKSUM_ERROR = "You have a checksum error in your migration directory."

# reDirective = regexp.MustCompile(`^([ -~]*)atlas:(\w+)(?: +([ -~]*))*`)  (start of content only)
_DIRECTIVE = re.compile(rb"^([ -~]*)atlas:(\w+)(?: +([ -~]*))*")


@dataclass(frozen=True, slots=True)
class SumLine:
    name: str
    hash: str  # base64, without the ``h1:`` prefix


def _sum_ignored(data: bytes) -> bool:
    match = _DIRECTIVE.match(data)
    return bool(match and match.group(2) == b"sum" and (match.group(3) or b"") == b"ignore")


def hash_lines(files: Iterable[tuple[str, bytes]]) -> list[SumLine]:
    """The per-file lines for (name, bytes) pairs, in Atlas's order (byte order of the names)."""
    running = hashlib.sha256()
    lines: list[SumLine] = []
    for name, data in sorted(files, key=lambda f: f[0].encode("utf-8")):
        running.update(name.encode("utf-8"))
        if _sum_ignored(data):
            continue
        running.update(data)
        lines.append(SumLine(name, base64.b64encode(running.copy().digest()).decode("ascii")))
    return lines


def total(lines: Iterable[SumLine]) -> str:
    """The first line's value: SHA-256 over every name and its hash text, base64."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.name.encode("utf-8"))
        digest.update(line.hash.encode("ascii"))
    return base64.b64encode(digest.digest()).decode("ascii")


def render(lines: list[SumLine]) -> str:
    """The ``atlas.sum`` text Atlas writes for these lines (``atlas migrate hash``)."""
    body = "".join(f"{line.name} h1:{line.hash}\n" for line in lines)
    return f"h1:{total(lines)}\n{body}"


def sum_of(files: Iterable[tuple[str, bytes]]) -> str:
    """The ``atlas.sum`` of a directory's top-level ``.sql`` files, given as (name, bytes)."""
    return render(hash_lines(files))


@dataclass(frozen=True, slots=True)
class Problem:
    """Where a committed ``atlas.sum`` differs from the directory.

    ``line`` is 1-based in ``atlas.sum``: the line to fix, or for a file that
    is not listed the line its entry belongs on; ``file`` the migration it is
    about (``None`` for the total line or the whole file).
    """

    line: int
    file: str | None
    reason: str


def check(sum_text: str | None, files: Iterable[tuple[str, bytes]]) -> list[Problem]:
    """Compare a committed ``atlas.sum`` with the files; ``[]`` when Atlas accepts it.

    Reports the first per-file line that is stale (every later line follows
    from it, since the hashes are cumulative), a file missing from the sum or
    listed but gone, and a total line that does not match the listed lines.
    """
    expected = hash_lines(files)
    if sum_text is None:
        return [Problem(1, None, "atlas.sum is missing (Atlas: `checksum file not found`)")]
    raw = sum_text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    if not raw or not raw[0].startswith("h1:"):
        return [Problem(1, None, "the first line is not `h1:<sum>` (Atlas: `checksum file format invalid`)")]
    listed: list[tuple[int, SumLine]] = []
    for number, text in enumerate(raw[1:], start=2):
        name, sep, value = text.rpartition(" h1:")
        if not sep or not name:
            return [
                Problem(number, None, "this line is not `<file> h1:<hash>` (Atlas: `checksum file format invalid`)")
            ]
        listed.append((number, SumLine(name, value)))
    problems: list[Problem] = []
    want = {line.name: line for line in expected}
    have = {line.name for _, line in listed}
    for number, line in listed:
        if line.name not in want:
            problems.append(Problem(number, line.name, f"{line.name} is listed but is not in the directory"))
    for line in expected:
        if line.name not in have:
            after = 2 + sum(1 for _, other in listed if other.name.encode() < line.name.encode())
            problems.append(
                Problem(after, line.name, f"{line.name} is not listed (added without `atlas migrate hash`)")
            )
    if not problems:
        for (number, line), wanted in zip(listed, expected):
            if line.name != wanted.name:
                problems.append(Problem(number, line.name, f"the files are listed out of order at {line.name}"))
                break
            if line.hash != wanted.hash:
                problems.append(
                    Problem(
                        number,
                        line.name,
                        f"the line of {line.name} is stale: its hash is h1:{line.hash}, "
                        f"the directory gives h1:{wanted.hash}",
                    )
                )
                break
    if not problems and raw[0][3:] != total(line for _, line in listed):
        problems.append(Problem(1, None, "the total on the first line does not match the listed lines"))
    problems.sort(key=lambda p: p.line)
    return problems
