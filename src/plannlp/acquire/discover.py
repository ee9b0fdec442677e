"""Find candidate document URLs on a portal: sitemaps (and sitemap indexes), RSS/Atom feeds, and
listing pages with pagination ("?page=2", "Xem tiếp", numbered pages).

Every request goes through the scraper's fetcher (:class:`plannlp.acquire.scrape._Fetcher`), so
discovery keeps the same manners as scraping: robots.txt at every hop, a per-host delay, retries
with Retry-After. Sitemaps and feeds are parsed with lxml by local element names, so any
namespace prefix (or none) works; measured against trafilatura's own sitemap and feed discovery
on the test portal in ``benchmarks/bench_discover.py``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from plannlp.clean.encoding import decode_bytes
from plannlp.clean.extract import parse_tree
from plannlp.data import DataError

ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx")
MAX_SITEMAP_DEPTH = 3  # an index of indexes of sitemaps is as deep as portals go
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid)$")
_PAGE_PARAMS = ("page", "p", "trang", "pageindex", "pagenumber", "start", "offset")
_SKIP_ANCESTORS = "ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"


def _phrases(name: str) -> frozenset[str]:
    text = resources.files("plannlp.resources").joinpath(name).read_text(encoding="utf-8")
    return frozenset(l.strip() for l in text.splitlines() if l.strip() and not l.startswith("#"))


NEXT_PAGE_TEXTS = _phrases("pagination.txt")


def normalise_url(url: str) -> str:
    """One spelling per page: no fragment, lower-case scheme and host, no default port, no
    tracking parameters, an empty path as "/"."""
    url = urldefrag(url.strip()).url
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port
    netloc = host if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), netloc.lower(), parts.path or "/", query, ""))


def is_attachment(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_SUFFIXES)


@dataclass(frozen=True)
class Candidate:
    """A URL worth fetching, where it was found, and the date the portal gives it (if any)."""

    url: str
    via: str  # sitemap | feed | listing
    found_on: str
    lastmod: str | None = None  # as the sitemap or feed gives it
    attachment: bool = False


@dataclass
class SourceSpec:
    """One portal of a SOURCES.yaml file."""

    name: str
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)  # regexes a document URL must match (any)
    exclude: list[str] = field(default_factory=list)  # regexes that rule a URL out
    max_pages: int = 20  # listing pages followed per listing
    robots_sitemaps: bool = False  # also read the Sitemap: lines of robots.txt

    @classmethod
    def from_dict(cls, obj: Any) -> SourceSpec:
        if not isinstance(obj, dict) or not obj.get("name"):
            raise DataError("each source needs a name")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(obj) - known
        if unknown:
            raise DataError(f"source {obj['name']!r}: unknown key(s) {', '.join(sorted(unknown))}")
        spec = cls(**{k: v for k, v in obj.items()})
        if not re.fullmatch(r"[A-Za-z0-9._-]+", spec.name):
            raise DataError(f"source name {spec.name!r}: use letters, digits, '.', '_' or '-' (it names a state file)")
        for key in ("sitemaps", "feeds", "listings", "include", "exclude"):
            if isinstance(getattr(spec, key), str):
                setattr(spec, key, [getattr(spec, key)])
        if not (spec.sitemaps or spec.feeds or spec.listings or spec.robots_sitemaps):
            raise DataError(f"source {spec.name!r}: give sitemaps, feeds or listings")
        for pattern in spec.include + spec.exclude:
            re.compile(pattern)
        return spec

    def wants(self, url: str) -> bool:
        if any(re.search(p, url) for p in self.exclude):
            return False
        return not self.include or any(re.search(p, url) for p in self.include) or is_attachment(url)


@dataclass
class DiscoveryReport:
    candidates: list[Candidate] = field(default_factory=list)
    requests: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    pages_seen: list[str] = field(default_factory=list)  # sitemaps, feeds and listing pages read


# --------------------------------------------------------------------------- fetching


def _get(fetcher: Any, url: str, report: DiscoveryReport) -> tuple[bytes, str, str] | None:
    """(body, final url, media type), or None after recording why not."""
    from plannlp.acquire.scrape import _FetchError, _media_type

    report.requests += 1
    try:
        resp, final_url = fetcher.fetch(url)
        if resp is None:
            report.errors.append((url, f"robots.txt disallows {final_url}"))
            return None
        if not 200 <= resp.status_code < 300:
            resp.close()
            report.errors.append((url, f"HTTP {resp.status_code}"))
            return None
        media = _media_type(resp.headers.get("Content-Type") or "")
        body = fetcher.read_body(resp)
    except _FetchError as exc:
        report.errors.append((url, exc.reason))
        return None
    report.pages_seen.append(final_url)
    return body, final_url, media


def _xml_root(body: bytes) -> Any:
    from lxml import etree

    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz
        body = gzip.decompress(body)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(body.lstrip(), parser=parser)
    if root is None:
        raise ValueError("not XML")
    return root


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(node: Any, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return None


# --------------------------------------------------------------------------- sitemaps and feeds


def parse_sitemap(body: bytes) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(page URLs with lastmod, nested sitemap URLs) of a sitemap or sitemap index."""
    root = _xml_root(body)
    pages, nested = [], []
    for node in root:
        kind = _local(node.tag)
        loc = _child_text(node, "loc")
        if not loc:
            continue
        if kind == "sitemap":
            nested.append(loc)
        elif kind == "url":
            pages.append((loc, _child_text(node, "lastmod")))
    return pages, nested


def parse_feed(body: bytes, base: str) -> list[tuple[str, str | None, bool]]:
    """(URL, updated, is attachment) of each RSS item or Atom entry; enclosures count as attachments."""
    root = _xml_root(body)
    out = []
    for node in root.iter():
        kind = _local(node.tag)
        if kind == "item":  # RSS 2.0 / RDF
            when = _child_text(node, "pubdate", "date", "updated")
            link = _child_text(node, "link")
            if link:
                out.append((urljoin(base, link), when, False))
            for child in node:
                if _local(child.tag) == "enclosure" and child.get("url"):
                    out.append((urljoin(base, child.get("url")), when, True))
        elif kind == "entry":  # Atom
            when = _child_text(node, "updated", "published")
            for child in node:
                if _local(child.tag) != "link" or not child.get("href"):
                    continue
                rel = child.get("rel", "alternate")
                if rel == "alternate":
                    out.append((urljoin(base, child.get("href")), when, False))
                elif rel == "enclosure":
                    out.append((urljoin(base, child.get("href")), when, True))
    return out


# --------------------------------------------------------------------------- listing pages


def _page_number(url: str) -> int | None:
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            return int(value)
    m = re.search(r"/(?:page|trang)[/-]?(\d+)/?$", urlsplit(url).path, re.IGNORECASE)
    return int(m.group(1)) if m else None


def _same_listing(a: str, b: str) -> bool:
    """Whether two URLs are pages of one listing: same host and path once page parameters are dropped."""
    def key(u: str) -> tuple[str, str, tuple]:
        p = urlsplit(u)
        path = re.sub(r"/(?:page|trang)[/-]?\d+/?$", "", p.path, flags=re.IGNORECASE) or "/"
        q = tuple(sorted((k, v) for k, v in parse_qsl(p.query) if k.lower() not in _PAGE_PARAMS))
        return p.netloc, path.rstrip("/") or "/", q
    return key(a) == key(b)


def parse_listing(html: str, base: str) -> tuple[list[str], list[str]]:
    """(document links, further listing pages) of one listing page.

    Menus, headers, footers and sidebars are skipped. A link is a further page when it is marked
    rel="next", its text is a next-page phrase (resources/pagination.txt) or a bare number, or it
    points at the same listing with another page parameter; every other link is a document link.
    """

    tree = parse_tree(html)
    if tree is None:
        return [], []
    docs, pages = [], []
    for link in tree.xpath("//link[@rel='next'][@href]"):
        pages.append(urljoin(base, link.get("href")))
    for a in tree.xpath(f"//a[@href][not({_SKIP_ANCESTORS})]"):
        href = a.get("href").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = " ".join(a.text_content().split()).lower()
        rel = (a.get("rel") or "").lower().split()
        if "next" in rel or text in NEXT_PAGE_TEXTS or text.isdigit() or (
            _same_listing(url, base) and _page_number(url) is not None
        ):
            pages.append(url)
        elif not _same_listing(url, base):
            docs.append(url)
    return docs, pages


# --------------------------------------------------------------------------- one source


def discover(spec: SourceSpec, fetcher: Any) -> DiscoveryReport:
    """All candidate URLs of one source, each once, in the order they were found."""
    report = DiscoveryReport()
    found: dict[str, Candidate] = {}

    def add(url: str, via: str, on: str, lastmod: str | None = None, attachment: bool = False) -> None:
        url = normalise_url(url)
        if urlsplit(url).scheme not in ("http", "https") or not spec.wants(url):
            return
        attachment = attachment or is_attachment(url)
        old = found.get(url)
        if old is None or (lastmod and not old.lastmod):  # keep the first sighting, but learn its date
            found[url] = Candidate(url, via if old is None else old.via, on if old is None else old.found_on,
                                   lastmod, attachment)

    sitemaps = list(spec.sitemaps)
    if spec.robots_sitemaps:
        for start in spec.sitemaps + spec.feeds + spec.listings:
            try:
                sitemaps += fetcher._rules_for(start).site_maps() or []
            except Exception as exc:  # robots.txt unavailable: the configured entry points still work
                report.errors.append((start, f"robots.txt: {exc}"))
            break
    queue = [(u, 0) for u in dict.fromkeys(sitemaps)]
    seen_maps: set[str] = set()
    while queue:
        url, depth = queue.pop(0)
        if normalise_url(url) in seen_maps:
            continue
        seen_maps.add(normalise_url(url))
        got = _get(fetcher, url, report)
        if got is None:
            continue
        body, final, _ = got
        try:
            pages, nested = parse_sitemap(body)
        except ValueError as exc:
            report.errors.append((url, f"not a sitemap: {exc}"))
            continue
        for loc, lastmod in pages:
            add(urljoin(final, loc), "sitemap", final, lastmod)
        if depth < MAX_SITEMAP_DEPTH:
            queue += [(urljoin(final, n), depth + 1) for n in nested]

    for url in dict.fromkeys(spec.feeds):
        got = _get(fetcher, url, report)
        if got is None:
            continue
        body, final, _ = got
        try:
            entries = parse_feed(body, final)
        except ValueError as exc:
            report.errors.append((url, f"not a feed: {exc}"))
            continue
        for link, when, enclosure in entries:
            add(link, "feed", final, when, enclosure)

    for start in dict.fromkeys(spec.listings):
        todo, visited = [start], set()
        while todo and len(visited) < spec.max_pages:
            url = todo.pop(0)
            key = normalise_url(url)
            if key in visited:
                continue
            visited.add(key)
            got = _get(fetcher, url, report)
            if got is None:
                continue
            body, final, _ = got
            visited.add(normalise_url(final))

            html = decode_bytes(body, None)[0]
            docs, pages = parse_listing(html, final)
            for d in docs:
                if urlsplit(d).netloc == urlsplit(final).netloc:  # documents live on the portal itself
                    add(d, "listing", final)
            todo += [p for p in pages if normalise_url(p) not in visited and urlsplit(p).netloc == urlsplit(final).netloc]
    report.candidates = list(found.values())
    return report


def attachment_links(html: str, base: str) -> list[str]:
    """Links to PDF/DOC/DOCX files on a document page (the plan itself is often one)."""

    tree = parse_tree(html)
    if tree is None:
        return []
    out = []
    for a in tree.xpath(f"//a[@href][not({_SKIP_ANCESTORS})]"):
        url = normalise_url(urljoin(base, a.get("href").strip()))
        if is_attachment(url) and urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return list(dict.fromkeys(out))


def candidate_urls(candidates: Iterable[Candidate]) -> list[str]:
    return [c.url for c in candidates]
