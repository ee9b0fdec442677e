"""Fetch plan pages as a polite crawler: robots.txt, a per-host delay, retries, a cache, resumable runs.

Layout of ``out_dir``::

    pages.jsonl        one PageRecord per line, append-only; the latest record of a URL wins
    html/<key>.html    the raw bytes as served
    text/<key>.txt     the main text (trafilatura), NFC

``<key>`` is a hash of the requested URL, so a rerun overwrites rather than duplicates. A page's files
are written atomically before its record is appended, so every record points at complete files; a
record cut short by a kill is dropped on the next run and that URL is fetched again.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import time
import urllib.robotparser
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
import urllib3

from plannlp.clean.encoding import decode_bytes
from plannlp.clean.extract import main_text, parse_tree
from plannlp.data import DataError
from plannlp.io import atomic_writer, utf8_lines


def _user_agent() -> str:
    try:
        ver = version("plannlp")
    except PackageNotFoundError:  # running from a source tree that is not installed
        ver = "dev"
    return f"plannlp/{ver} (+research)"


USER_AGENT = _user_agent()
STATE_FILE = "pages.jsonl"
# Worth asking again later: the server said "busy" or "broken right now".
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
OUTCOMES = ("fetched", "skipped_robots", "skipped_non_html", "failed")
_ROBOTS_LIMIT = 500 * 1024  # RFC 9309: a crawler must parse at least the first 500 KiB


@dataclass(frozen=True)
class PageRecord:
    """What became of one requested URL: one line of ``pages.jsonl``."""

    url: str
    outcome: str  # one of OUTCOMES
    fetched_at: str
    reason: str | None = None  # why it was skipped or failed
    retryable: bool = False  # a failure that a later run should try again (timeouts, 5xx, 429)
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None  # bom | http | meta | utf-8 | detected
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD
    published_source: str | None = None  # meta | header | text
    html_path: str | None = None  # relative to out_dir
    text_path: str | None = None
    n_bytes: int | None = None
    sha256: str | None = None  # of the raw bytes

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, obj: Any) -> PageRecord:
        if not isinstance(obj, dict):
            raise DataError(f"expected a JSON object, got {type(obj).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise DataError(f"unknown field(s) {', '.join(sorted(unknown))}")
        try:
            record = cls(**obj)
        except TypeError as exc:
            raise DataError(f"bad page record: {exc}") from None
        if record.outcome not in OUTCOMES:
            raise DataError(f"unknown outcome {record.outcome!r}")
        return record


@dataclass(frozen=True)
class ScrapeSummary:
    """Counts of one run; ``cached`` URLs were settled by an earlier run and not requested again."""

    fetched: int = 0
    cached: int = 0
    failed: int = 0
    skipped_robots: int = 0
    skipped_non_html: int = 0
    failures: tuple[tuple[str, str], ...] = ()  # (url, reason)

    @property
    def total(self) -> int:
        return self.fetched + self.cached + self.failed + self.skipped_robots + self.skipped_non_html

    def format(self) -> str:
        lines = [
            f"{self.total} URLs: {self.fetched} fetched, {self.cached} cached, {self.failed} failed, "
            f"{self.skipped_robots} skipped by robots.txt, {self.skipped_non_html} skipped (not HTML)"
        ]
        lines += [f"  failed: {url}: {reason}" for url, reason in self.failures]
        return "\n".join(lines)


class _FetchError(Exception):
    def __init__(self, reason: str, *, retryable: bool, http_status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.http_status = http_status


# --------------------------------------------------------------------------- state file


def read_records(out_dir: str | Path) -> dict[str, PageRecord]:
    """The latest record of each URL in ``out_dir/pages.jsonl`` ({} if there is none yet).

    A last line without its newline is the trace of a run killed mid-write and is ignored;
    a bad line anywhere else raises DataError naming file and line.
    """
    path = Path(out_dir) / STATE_FILE
    if not path.is_file():
        return {}
    data = path.read_bytes()
    lines = data.split(b"\n")
    complete = lines[:-1]  # the piece after the last newline is empty or truncated
    records: dict[str, PageRecord] = {}
    for lineno, raw in enumerate(complete, start=1):
        if not raw.strip():
            continue
        try:
            record = PageRecord.from_json(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{path}:{lineno}: invalid JSON: {exc}") from None
        except DataError as exc:
            raise DataError(f"{path}:{lineno}: {exc}") from None
        records[record.url] = record
    return records


def _recover(out_dir: Path) -> None:
    """Clear what a killed run leaves: a partial last state line and half-written temporary files."""
    state = out_dir / STATE_FILE
    if state.is_file():
        data = state.read_bytes()
        if data and not data.endswith(b"\n"):
            os.truncate(state, data.rfind(b"\n") + 1)  # the next append starts on a fresh line
    for sub in ("html", "text"):
        for tmp in (out_dir / sub).glob(".*.tmp"):  # atomic_writer's names: .<file>.<random>.tmp
            tmp.unlink(missing_ok=True)


def _append_record(path: Path, record: PageRecord) -> None:
    line = json.dumps(record.to_json(), ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def _write_bytes_atomically(path: Path, data: bytes) -> None:
    # atomic_writer hands out a text stream; its binary buffer takes the raw bytes unchanged.
    with atomic_writer(path) as fh:
        fh.buffer.write(data)  # type: ignore[attr-defined]


def _is_settled(record: PageRecord, out_dir: Path) -> bool:
    """Whether an earlier run's record makes fetching this URL again pointless."""
    if record.outcome == "failed":
        return not record.retryable
    if record.outcome == "fetched":
        return all((out_dir / p).is_file() for p in (record.html_path, record.text_path) if p)
    return True


# --------------------------------------------------------------------------- page contents


_SPACES = re.compile(r"\s+")
_DATE_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "date",
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_VI_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_HEADER_WINDOW = 300  # characters after the page heading where a portal prints the date
_TEXT_WINDOW = 400  # characters at the top of the main text


def _parse_tree(html: str) -> Any:
    return parse_tree(html)


def _visible_text(node: Any) -> str:
    parts = [t for t in node.xpath(".//text()[not(ancestor::script or ancestor::style)]")]
    return _SPACES.sub(" ", " ".join(parts)).strip()


def _title(tree: Any) -> str | None:
    candidates = tree.xpath('//meta[@property="og:title"]/@content') + tree.xpath("//title//text()")
    candidates += [_visible_text(h) for h in tree.xpath("//h1")]
    for text in candidates:
        text = _SPACES.sub(" ", text).strip()
        if text:
            return text
    return None


def _valid_date(y: str, m: str, d: str) -> str | None:
    try:
        day = date(int(y), int(m), int(d))
    except ValueError:
        return None
    return day.isoformat() if 1990 <= day.year <= 2100 else None


def _first_date(text: str) -> str | None:
    """The earliest Vietnamese 'ngày D tháng M năm Y' or dd/mm/yyyy date in ``text``."""
    found = []
    for m in _VI_DATE.finditer(text):
        found.append((m.start(), _valid_date(m.group(3), m.group(2), m.group(1))))
    for m in _DMY_DATE.finditer(text):
        found.append((m.start(), _valid_date(m.group(3), m.group(2), m.group(1))))
    return next((d for _, d in sorted(found) if d), None)


def _published_in_page(tree: Any) -> tuple[str | None, str | None]:
    """A date from the meta tags, or printed near the page heading; (None, None) if neither."""
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _DATE_META_KEYS:
            m = _ISO_DATE.match(meta.get("content").strip())
            if m and (day := _valid_date(*m.groups())):
                return day, "meta"
    for when in tree.xpath("//time/@datetime"):
        m = _ISO_DATE.match(when.strip())
        if m and (day := _valid_date(*m.groups())):
            return day, "meta"
    headings = tree.xpath("//h1")
    if headings:
        # a portal prints the date just under the heading; the whole page would also offer the
        # "today is ..." widget of the menu bar, so look only at the text that follows the heading
        after = headings[0].xpath("following::text()[not(ancestor::script or ancestor::style)]")
        window = _SPACES.sub(" ", " ".join(after))[:_HEADER_WINDOW]
        if day := _first_date(window):
            return day, "header"
    return None, None


def _extract_main_text(tree: Any, html: str, url: str) -> str:
    """The main text (:func:`plannlp.clean.extract.main_text`, the call ``clean`` makes too);
    ``tree`` (changed in place) is the parsed page or None."""
    return main_text(html, url=url, tree=tree)


# --------------------------------------------------------------------------- fetching


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class _Fetcher:
    """One run's connection pool, robots.txt rules and per-host clock."""

    def __init__(
        self,
        *,
        delay: float,
        timeout: float,
        retries: int,
        backoff: float,
        max_retry_after: float,
        max_redirects: int,
        max_bytes: int,
        user_agent: str,
    ):
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.max_redirects = max_redirects
        self._ready_at: dict[str, float] = {}  # host -> monotonic time it may be asked again
        self._host_delay: dict[str, float] = {}  # host -> delay, raised by a robots.txt Crawl-delay
        self._closed_until: dict[str, float] = {}  # host -> monotonic time its Retry-After ends
        self._robots: dict[str, urllib.robotparser.RobotFileParser | _FetchError] = {}

    def close(self) -> None:
        self.session.close()

    # politeness -----------------------------------------------------------------------

    def _wait_for(self, host: str) -> None:
        pause = self._ready_at.get(host, 0.0) - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def _done_with(self, host: str, at_least: float = 0.0) -> None:
        delay = max(self._host_delay.get(host, self.delay), at_least)
        self._ready_at[host] = max(self._ready_at.get(host, 0.0), time.monotonic() + delay)

    def _get(self, url: str, *, allow_redirects: bool) -> requests.Response:
        """GET with retries on timeouts, connection errors and RETRY_STATUSES (Retry-After honoured)."""
        host = _host(url)
        attempt = 0
        while True:
            left = self._closed_until.get(host, 0.0) - time.monotonic()
            if left > 0:
                reason = f"host asked for a pause of {left:.0f} s more (Retry-After)"
                raise _FetchError(reason, retryable=True)
            self._wait_for(host)
            started = time.monotonic()
            try:
                resp = self.session.get(
                    url, timeout=self.timeout, stream=True, allow_redirects=allow_redirects
                )
            except requests.TooManyRedirects:
                self._done_with(host)
                raise _FetchError(f"more than {self.max_redirects} redirects", retryable=False) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                self._done_with(host, self.backoff * 2**attempt)
                if attempt < self.retries:
                    attempt += 1
                    continue
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                raise _FetchError(f"{kind} after {attempt + 1} attempt(s)", retryable=True) from None
            except requests.RequestException as exc:
                self._done_with(host)
                raise _FetchError(f"request failed: {exc}", retryable=False) from None
            if resp.status_code not in RETRY_STATUSES:
                self._done_with(host)
                # requests' timeout bounds each socket read, so a server that drips a byte at a
                # time never trips it: the body must arrive by this deadline too
                resp._plannlp_deadline = started + self.timeout  # type: ignore[attr-defined]
                return resp
            resp.close()
            wait = _retry_after(resp)
            if wait is not None and wait > self.max_retry_after:
                # leave the host alone until then: its other URLs fail fast, for a later run
                self._closed_until[host] = time.monotonic() + wait
                raise _FetchError(
                    f"HTTP {resp.status_code}, Retry-After {wait:.0f} s"
                    f" exceeds {self.max_retry_after:.0f} s",
                    retryable=True,
                    http_status=resp.status_code,
                )
            self._done_with(host, wait if wait is not None else self.backoff * 2**attempt)
            if attempt >= self.retries:
                raise _FetchError(
                    f"HTTP {resp.status_code} after {attempt + 1} attempt(s)",
                    retryable=True,
                    http_status=resp.status_code,
                )
            attempt += 1

    def _rules_for(self, url: str) -> urllib.robotparser.RobotFileParser:
        host = _host(url)
        if host not in self._robots:
            self._robots[host] = self._load_robots(host)
        rules = self._robots[host]
        if isinstance(rules, _FetchError):
            raise rules
        return rules

    def _load_robots(self, host: str) -> urllib.robotparser.RobotFileParser | _FetchError:
        rules = urllib.robotparser.RobotFileParser(host + "/robots.txt")
        try:
            resp = self._get(host + "/robots.txt", allow_redirects=True)
        except _FetchError as exc:
            return _FetchError(f"robots.txt unavailable: {exc.reason}", retryable=True)
        status = resp.status_code
        try:
            body = self.read_body(resp, limit=_ROBOTS_LIMIT, truncate=True) if status < 400 else b""
        except _FetchError as exc:
            return _FetchError(f"robots.txt unavailable: {exc.reason}", retryable=True)
        finally:
            resp.close()
        # The conventions of RFC 9309 (and of robotparser.read): 401/403 close the site,
        # other 4xx mean there are no rules, 5xx mean "unknown, do not crawl now".
        if status in (401, 403):
            rules.disallow_all = True
        elif 400 <= status < 500:
            rules.allow_all = True
        elif status >= 500:
            return _FetchError(f"robots.txt unavailable: HTTP {status}", retryable=True)
        else:
            rules.parse(body.decode("utf-8", errors="replace").splitlines())
        crawl_delay = rules.crawl_delay(self.user_agent)
        if crawl_delay:
            self._host_delay[host] = max(self.delay, float(crawl_delay))
        return rules

    def allowed(self, url: str) -> bool:
        return self._rules_for(url).can_fetch(self.user_agent, url)

    # one URL ---------------------------------------------------------------------------

    def fetch(self, url: str) -> tuple[requests.Response | None, str]:
        """Follow redirects by hand, checking robots.txt at every hop.

        Returns (response, final url); the response is None when robots.txt forbids a hop.
        """
        seen = [url]
        current = url
        for _ in range(self.max_redirects + 1):
            if not self.allowed(current):
                return None, current
            resp = self._get(current, allow_redirects=False)
            if not resp.is_redirect:
                return resp, current
            target = urldefrag(urljoin(current, resp.headers["location"])).url
            resp.close()
            if target in seen:
                chain = " -> ".join(seen[seen.index(target) :] + [target])
                raise _FetchError(
                    f"redirect loop: {chain}", retryable=False, http_status=resp.status_code
                )
            seen.append(target)
            current = target
        raise _FetchError(f"more than {self.max_redirects} redirects", retryable=False)

    def read_body(
        self, resp: requests.Response, limit: int | None = None, truncate: bool = False
    ) -> bytes:
        """The body up to ``limit`` bytes (default max_bytes); beyond it, cut or fail (``truncate``).

        The whole response, headers and body, must arrive within ``timeout`` seconds of the
        request: each read waits at most for the time left.
        """
        limit = self.max_bytes if limit is None else limit
        deadline = getattr(resp, "_plannlp_deadline", time.monotonic() + self.timeout)
        raw = resp.raw
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        chunks, size = [], 0
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _FetchError(
                        f"the response took longer than the {self.timeout:g} s timeout", retryable=True
                    )
                if sock is not None:
                    sock.settimeout(min(left, self.timeout))
                # read1 returns what one read of the socket gives, so the deadline is checked
                # between drips instead of after a whole 64 KiB block
                chunk = raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    if truncate:
                        return b"".join(chunks)[:limit]
                    raise _FetchError(f"larger than {limit} bytes", retryable=False)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # read timeouts and resets mid-body
            if isinstance(exc, (TimeoutError, urllib3.exceptions.TimeoutError)) and time.monotonic() >= deadline:
                raise _FetchError(
                    f"the response took longer than the {self.timeout:g} s timeout", retryable=True
                ) from None
            raise _FetchError(f"reading the body failed: {exc}", retryable=True) from None
        finally:
            resp.close()
        return b"".join(chunks)


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _looks_like_html(body: bytes) -> bool:
    head = body.lstrip()[:512].lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head or b"<body" in head


def _scrape_one(fetcher: _Fetcher, url: str, out_dir: Path) -> PageRecord:
    fetched_at = _now()
    try:
        resp, final_url = fetcher.fetch(url)
        if resp is None:
            return PageRecord(
                url, "skipped_robots", fetched_at, reason=f"robots.txt disallows {final_url}",
                final_url=final_url,
            )
        status = resp.status_code
        content_type = resp.headers.get("Content-Type")
        if not 200 <= status < 300:
            resp.close()
            return PageRecord(
                url, "failed", fetched_at, reason=f"HTTP {status}", final_url=final_url,
                http_status=status, content_type=content_type,
            )
        if content_type and _media_type(content_type) not in HTML_TYPES:
            resp.close()  # the body of a PDF or an image is never downloaded
            return PageRecord(
                url, "skipped_non_html", fetched_at, reason=f"not HTML: {_media_type(content_type)}",
                final_url=final_url, http_status=status, content_type=content_type,
            )
        body = fetcher.read_body(resp)
    except _FetchError as exc:
        return PageRecord(
            url, "failed", fetched_at, reason=exc.reason, retryable=exc.retryable,
            http_status=exc.http_status,
        )
    if not content_type and not _looks_like_html(body):
        return PageRecord(
            url, "skipped_non_html", fetched_at, reason="not HTML: no Content-Type and no HTML markup",
            final_url=final_url, http_status=status,
        )

    html, encoding, encoding_source = decode_bytes(body, content_type)
    tree = _parse_tree(html)
    title, (published, published_source) = (
        (_title(tree), _published_in_page(tree)) if tree is not None else (None, (None, None))
    )
    main_text = _extract_main_text(tree, html, final_url)
    if published is None and (day := _first_date(main_text[:_TEXT_WINDOW])):
        published, published_source = day, "text"

    key = _url_key(url)
    html_path, text_path = f"html/{key}.html", f"text/{key}.txt"
    _write_bytes_atomically(out_dir / html_path, body)
    with atomic_writer(out_dir / text_path) as fh:
        fh.write(main_text)
    return PageRecord(
        url, "fetched", fetched_at, final_url=final_url, http_status=status, content_type=content_type,
        encoding=encoding, encoding_source=encoding_source, title=title, published=published,
        published_source=published_source, html_path=html_path, text_path=text_path,
        n_bytes=len(body), sha256=hashlib.sha256(body).hexdigest(),
    )


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def read_url_list(path: str | Path) -> list[str]:
    """URLs from a text file, one a line; blank lines and ``#`` comments are ignored."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    urls = []
    for lineno, line in enumerate(utf8_lines(path), start=1):  # bytes that are not UTF-8: file:line
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _is_http_url(line):
            raise DataError(f"{path}:{lineno}: not an http(s) URL: {line!r}")
        urls.append(line)
    return urls


def scrape(
    urls: Iterable[str],
    out_dir: str | Path,
    *,
    delay: float = 1.0,
    timeout: float = 20.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_retry_after: float = 120.0,
    max_redirects: int = 10,
    max_bytes: int = 20 * 1024 * 1024,
    user_agent: str = USER_AGENT,
    progress: bool = True,
    refresh: Iterable[str] = (),
) -> ScrapeSummary:
    """Fetch each URL once into ``out_dir``; a rerun requests only what earlier runs left unsettled.

    URLs in ``refresh`` are fetched again even when settled (a page its portal says has changed).

    ``delay`` is the pause between two requests to one host (raised by a robots.txt Crawl-delay);
    ``retries`` counts extra attempts after timeouts, connection errors, 429 and 5xx answers, with
    waits of ``backoff * 2**attempt`` seconds or the server's Retry-After (up to ``max_retry_after``).
    """
    from tqdm import tqdm

    wanted: dict[str, None] = {}  # ordered and without repeats
    for url in urls:
        url = urldefrag(url.strip()).url  # a fragment is never sent to the server
        if not _is_http_url(url):
            raise ValueError(f"not an http(s) URL: {url!r}")
        wanted[url] = None
    if retries < 0 or delay < 0 or timeout <= 0 or max_redirects < 0:
        raise ValueError("retries, delay and max_redirects must be >= 0 and timeout > 0")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = out_dir / STATE_FILE
    _recover(out_dir)
    done = read_records(out_dir)
    again = {urldefrag(u.strip()).url for u in refresh}

    counts = dict.fromkeys(OUTCOMES, 0)
    cached = 0
    failures: list[tuple[str, str]] = []
    fetcher = _Fetcher(
        delay=delay, timeout=timeout, retries=retries, backoff=backoff, max_retry_after=max_retry_after,
        max_redirects=max_redirects, max_bytes=max_bytes, user_agent=user_agent,
    )
    try:
        for url in tqdm(wanted, desc="scrape", unit="url", disable=not progress):
            if url in done and url not in again and _is_settled(done[url], out_dir):
                cached += 1
                continue
            record = _scrape_one(fetcher, url, out_dir)
            _append_record(state, record)
            counts[record.outcome] += 1
            if record.outcome == "failed":
                failures.append((url, record.reason or "failed"))
    finally:
        fetcher.close()
    return ScrapeSummary(
        fetched=counts["fetched"], cached=cached, failed=counts["failed"],
        skipped_robots=counts["skipped_robots"], skipped_non_html=counts["skipped_non_html"],
        failures=tuple(failures),
    )
