"""The weekly watch: discover -> scrape -> clean -> classify -> tag -> records, for new pages only.

Layout of ``out_dir``::

    state/<source>.json      every URL seen for a source: status, lastmod, checksum, version
    pages/                   the scraper's folder (pages.jsonl, html/, text/): cached, resumable
    files/<key><suffix>      attachments as served (PDF, DOC, DOCX)
    work/<source>/<key>-v<N>.txt   cleaned text of each document version sent to the tagger
    work/<source>/tagged.jsonl     the tagger's output (its journal makes tagging resumable)
    dataset.jsonl            one line per document version: provenance, type, score, records, agencies

A run is safe to kill at any point. The state is written atomically after each step; a document
is in the dataset once (the dataset is checked by document id before a line is appended), and the
tagger's journal skips what it already tagged. A page is fetched again only when its sitemap or
feed date changes; if its bytes changed too it becomes a new version (the old lines stay).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from plannlp.acquire.attachments import extract_text, suffix_of
from plannlp.acquire.classify import DocTypeModel, KEEP_DEFAULT
from plannlp.acquire.discover import Candidate, SourceSpec, attachment_links, discover, normalise_url
from plannlp.clean import clean
from plannlp.data import DataError, Document
from plannlp.io import atomic_writer
from plannlp.tag.batch import tag_files
from plannlp.tag.engines.ray_engine import require_ray, tag_files_ray
from plannlp.tag.links import agency_rows
from plannlp.tag.systems import read_manifest

ENGINES = ("local", "ray")
DATASET = "dataset.jsonl"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def read_sources(path: str | Path) -> tuple[list[SourceSpec], dict[str, Any]]:
    """The sources of a SOURCES.yaml file and its top-level settings (delay, timeout, ...)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    obj = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(obj, dict) or not isinstance(obj.get("sources"), list) or not obj["sources"]:
        raise DataError(f"{path}: expected a mapping with a non-empty list `sources`")
    settings = {k: v for k, v in obj.items() if k != "sources"}
    unknown = set(settings) - {"delay", "timeout", "retries", "user_agent"}
    if unknown:
        raise DataError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    specs = []
    for item in obj["sources"]:
        try:
            specs.append(SourceSpec.from_dict(item))
        except (DataError, TypeError, ValueError) as exc:
            raise DataError(f"{path}: {exc}") from None
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise DataError(f"{path}: source names must be unique")
    return specs, settings


# --------------------------------------------------------------------------- state


class SourceState:
    """``state/<source>.json``: url -> entry. Entries: status (pending|done|failed|alias|not-extracted),
    lastmod, sha256, version, final_url, doc_id, first_seen."""

    def __init__(self, path: Path):
        self.path = path
        self.urls: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                self.urls = json.loads(path.read_text(encoding="utf-8"))["urls"]
            except (json.JSONDecodeError, KeyError) as exc:
                raise DataError(f"{path}: not a watch state file: {exc}") from None

    def save(self) -> None:
        with atomic_writer(self.path) as fh:
            json.dump({"urls": self.urls}, fh, ensure_ascii=False, indent=1, sort_keys=True)

    def final_urls_done(self) -> dict[str, tuple[str, str]]:
        """final url -> (url whose document it is, its checksum), for documents already in the dataset."""
        return {e["final_url"]: (u, e.get("sha256", "")) for u, e in self.urls.items()
                if e.get("status") == "done" and e.get("final_url")}


def _wanted(c: Candidate, state: SourceState) -> bool:
    entry = state.urls.get(c.url)
    if entry is None:
        return True
    if entry["status"] in ("pending", "failed-retry"):
        return True
    # the portal says the page changed: fetch it again
    return bool(c.lastmod and entry.get("lastmod") and c.lastmod != entry["lastmod"])


# --------------------------------------------------------------------------- report


@dataclass
class NewDocument:
    source: str
    url: str
    doc_id: str
    doctype: str
    score: float
    title: str | None
    version: int
    targets: int
    agencies: list[str]
    kind: str  # page | attachment


@dataclass
class WatchReport:
    discovered: dict[str, int] = field(default_factory=dict)  # source -> candidates
    requests: dict[str, int] = field(default_factory=dict)  # source -> discovery requests
    new: list[NewDocument] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_extracted: list[tuple[str, str]] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (url, url of the same document)
    fetched: int = 0
    tagged: int = 0  # documents the tagger ran on in this run

    def format(self) -> str:
        lines = []
        for source, n in self.discovered.items():
            lines.append(f"{source}: {n} candidate URLs from {self.requests.get(source, 0)} discovery requests")
        if not self.new and not self.failed:
            lines.append("nothing new")
        tagged = [d for d in self.new if d.doctype != "other"]
        lines.append(
            f"{len(self.new)} new document versions ({len(tagged)} health, {len(self.new) - len(tagged)} other), "
            f"{sum(d.targets for d in self.new)} targets, {self.fetched} fetched, {self.tagged} tagged"
        )
        for d in self.new:
            updated = f" (version {d.version})" if d.version > 1 else ""
            lines.append(f"  {d.doctype} {d.score:.2f} {d.targets} targets{updated}: {d.title or d.url} <{d.url}>")
        agencies = Counter(a for d in self.new for a in d.agencies)
        if agencies:
            lines.append("agencies: " + "; ".join(f"{a} ({n})" for a, n in agencies.most_common(10)))
        for url, other in self.aliases:
            lines.append(f"  same document as {other}: {url}")
        for url, why in self.not_extracted:
            lines.append(f"  not extracted: {url}: {why}")
        for url, why in self.failed:
            lines.append(f"  failed: {url}: {why}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- the run


def _dataset_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    if not path.is_file():
        return ids
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                ids.add(json.loads(line)["doc_id"])
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn last line of a killed run: that document is appended again
    return ids


def _append(path: Path, obj: dict[str, Any]) -> None:
    data = path.read_bytes() if path.is_file() else b""
    with open(path, "a", encoding="utf-8") as fh:
        if data and not data.endswith(b"\n"):
            fh.write("\n")  # start after a torn line rather than inside it
        fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _tag(inputs: list[str], output: Path, *, model: str | Path | None, engine: str, n_jobs: int | None) -> int:
    """The tagging call (``engine`` passes through to it); how many documents it tagged."""
    if engine == "ray":
        workers = n_jobs or 2
        return tag_files_ray(inputs, output, model=model, fmt="jsonl", workers=workers, progress=False).tagged

    return tag_files(inputs, output, model=model, fmt="jsonl", n_jobs=n_jobs, progress=False).tagged


def _fetch_attachment(fetcher: Any, url: str, out_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Download one attachment into files/ and extract its text; (info, None) or (None, why not)."""
    from plannlp.acquire.scrape import _FetchError, _media_type, _write_bytes_atomically

    try:
        resp, final_url = fetcher.fetch(url)
        if resp is None:
            return None, f"robots.txt disallows {final_url}"
        if not 200 <= resp.status_code < 300:
            resp.close()
            return None, f"HTTP {resp.status_code}"
        media = _media_type(resp.headers.get("Content-Type") or "")
        body = fetcher.read_body(resp)
    except _FetchError as exc:
        return None, exc.reason
    suffix = suffix_of(final_url, media)
    rel = f"files/{_key(url)}{suffix}"
    _write_bytes_atomically(out_dir / rel, body)
    text, why = extract_text(body, suffix)
    return {"final_url": final_url, "sha256": hashlib.sha256(body).hexdigest(), "file": rel, "text": text,
            "why": why, "fetched_at": _now(), "title": None}, None


def run_watch(
    sources: str | Path,
    out_dir: str | Path,
    *,
    model: str | Path | None = None,
    doctype_model: str | Path | None = None,
    engine: str = "local",
    keep: tuple[str, ...] | None = None,
    delay: float | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    n_jobs: int | None = None,
    progress: bool = False,
) -> WatchReport:
    from plannlp.acquire.scrape import USER_AGENT, _Fetcher, read_records, scrape

    if engine not in ENGINES:
        raise DataError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if engine == "ray":  # without Ray, fail before any request, not after a crawl

        require_ray()
    keep = tuple(keep or KEEP_DEFAULT)
    specs, settings = read_sources(sources)
    delay = settings.get("delay", 1.0) if delay is None else delay
    timeout = settings.get("timeout", 20.0) if timeout is None else timeout
    retries = settings.get("retries", 3) if retries is None else retries
    user_agent = settings.get("user_agent", USER_AGENT)
    classifier = DocTypeModel.load(doctype_model)

    tagger_name = str(model or "models/default")
    try:
        tagger_name += f" ({read_manifest(model).get('system')})" if model else ""
    except (DataError, FileNotFoundError, OSError):
        pass

    out_dir = Path(out_dir)
    (out_dir / "state").mkdir(parents=True, exist_ok=True)
    pages_dir = out_dir / "pages"
    dataset = out_dir / DATASET
    report = WatchReport()
    fetcher = _Fetcher(delay=delay, timeout=timeout, retries=retries, backoff=1.0, max_retry_after=120.0,
                       max_redirects=10, max_bytes=20 * 1024 * 1024, user_agent=user_agent)
    try:
        for spec in specs:
            state = SourceState(out_dir / "state" / f"{spec.name}.json")
            found = discover(spec, fetcher)
            report.discovered[spec.name] = len(found.candidates)
            report.requests[spec.name] = found.requests
            for url, why in found.errors:
                report.failed.append((url, f"discovery: {why}"))
            todo = [c for c in found.candidates if _wanted(c, state)]
            # pending entries of a killed run come back even if the portal no longer lists them
            listed = {c.url for c in todo}
            todo += [Candidate(u, "state", "", e.get("lastmod"), e.get("attachment", False))
                     for u, e in state.urls.items() if e["status"] == "pending" and u not in listed]
            refresh = []
            for c in todo:
                entry = state.urls.setdefault(c.url, {"first_seen": _now(), "status": "pending", "version": 0})
                if entry["status"] == "done":
                    refresh.append(c.url)
                entry.update(status="pending", attachment=c.attachment, via=c.via)
                entry["new_lastmod"] = c.lastmod
            state.save()

            pages = [c.url for c in todo if not c.attachment]
            if pages:
                summary = scrape(pages, pages_dir, delay=delay, timeout=timeout, retries=retries,
                                 user_agent=user_agent, progress=progress, refresh=refresh)
                report.fetched += summary.fetched
            records = read_records(pages_dir)
            docs: list[tuple[str, dict[str, Any]]] = []  # (url, info) with text to classify
            attachments = [c.url for c in todo if c.attachment]
            for url in pages:
                rec = records.get(url)
                entry = state.urls[url]
                if rec is None or rec.outcome == "failed":
                    why = rec.reason if rec else "not fetched"
                    entry["status"] = "pending" if (rec is None or rec.retryable) else "failed"
                    report.failed.append((url, why))
                    continue
                if rec.outcome == "skipped_non_html":
                    attachments.append(url)  # served as a PDF or Word file under an HTML-looking URL
                    continue
                if rec.outcome != "fetched":
                    entry["status"] = "failed"
                    report.failed.append((url, rec.reason or rec.outcome))
                    continue
                html = (pages_dir / rec.html_path).read_text(encoding="utf-8", errors="replace")
                for link in attachment_links(html, rec.final_url or url):
                    if spec.wants(link) and link not in state.urls and link not in attachments:
                        state.urls[link] = {"first_seen": _now(), "status": "pending", "version": 0,
                                            "attachment": True, "via": "page", "parent": url}
                        attachments.append(link)
                docs.append((url, {"final_url": normalise_url(rec.final_url or url), "sha256": rec.sha256,
                                   "text": (pages_dir / rec.text_path).read_text(encoding="utf-8"),
                                   "title": rec.title, "fetched_at": rec.fetched_at, "file": rec.html_path,
                                   "published": rec.published, "kind": "page"}))
            for url in dict.fromkeys(attachments):
                entry = state.urls[url]
                info, why = _fetch_attachment(fetcher, url, out_dir)
                report.fetched += info is not None
                if info is None:
                    entry["status"] = "pending"
                    report.failed.append((url, why or "failed"))
                    continue
                if info["text"] is None:
                    entry.update(status="not-extracted", reason=info["why"], sha256=info["sha256"])
                    report.not_extracted.append((url, info["why"]))
                    continue
                info["final_url"] = normalise_url(info["final_url"])
                info["kind"] = "attachment"
                docs.append((url, info))
            state.save()

            # one document, many URLs: a moved page (redirect) is the document it now points at
            by_final = state.final_urls_done()
            work = out_dir / "work" / spec.name
            work.mkdir(parents=True, exist_ok=True)
            to_tag: list[tuple[str, dict[str, Any], Path]] = []
            decided: list[tuple[str, dict[str, Any]]] = []
            for url, info in docs:
                entry = state.urls[url]
                owner, owner_sha = by_final.get(info["final_url"], (None, None))
                if owner and owner != url and owner_sha == info["sha256"]:
                    entry.update(status="alias", final_url=info["final_url"], alias_of=owner)
                    report.aliases.append((url, owner))
                    continue
                if entry.get("sha256") == info["sha256"] and entry.get("version", 0) > 0:
                    entry.update(status="done", lastmod=entry.pop("new_lastmod", entry.get("lastmod")))
                    continue  # re-fetched (new date) but the same bytes: nothing to tag
                version = entry.get("version", 0) + 1
                try:
                    text = clean(info["text"].encode("utf-8"), kind="text")
                except DataError as exc:  # e.g. not Vietnamese text: reported, and not asked again
                    entry.update(status="not-extracted", reason=f"clean: {exc}", sha256=info["sha256"])
                    report.not_extracted.append((url, f"clean: {exc}"))
                    continue
                info.update(version=version, clean=text, doc_id=f"{spec.name}/{_key(url)}/v{version}")
                pred = classifier.predict(((info.get("title") or "") + "\n" + text).strip())
                info.update(doctype=pred.label, doctype_score=round(pred.score, 4))
                by_final.setdefault(info["final_url"], (url, info["sha256"]))
                if pred.label in keep and text.strip():
                    path = work / f"{_key(url)}-v{version}.txt"
                    if not path.is_file():
                        with atomic_writer(path) as fh:
                            fh.write(text)
                    to_tag.append((url, info, path))
                else:
                    decided.append((url, info))

            tagged_out = work / "tagged.jsonl"
            if to_tag:
                report.tagged += _tag([str(p) for _, _, p in to_tag], tagged_out, model=model, engine=engine,
                                      n_jobs=n_jobs)
            tagged = {}
            if tagged_out.is_file():
                with open(tagged_out, encoding="utf-8") as fh:
                    for line in fh:
                        obj = json.loads(line)
                        tagged[obj["id"]] = obj
            in_dataset = _dataset_ids(dataset)
            for url, info, path in to_tag:
                obj = tagged.get(str(path))
                if obj is None:
                    report.failed.append((url, "tagging failed"))
                    continue
                decided.append((url, {**info, "tagged": obj}))
            for url, info in decided:
                entry = state.urls[url]
                obj = info.get("tagged")
                records_rows = obj.get("records", []) if obj else []
                agencies = _agencies(obj) if obj else []
                if info["doc_id"] not in in_dataset:
                    _append(dataset, {
                        "doc_id": info["doc_id"], "source": spec.name, "url": url, "final_url": info["final_url"],
                        "kind": info["kind"], "parent": entry.get("parent"), "fetched_at": info["fetched_at"],
                        "published": info.get("published"), "title": info.get("title"),
                        "sha256": info["sha256"], "version": info["version"],
                        "doctype": info["doctype"], "doctype_score": info["doctype_score"],
                        "doctype_model": classifier.name, "tagger_model": tagger_name if obj else None,
                        "text": info["clean"], "spans": obj.get("spans", []) if obj else [],
                        "records": records_rows, "agencies": agencies,
                    })
                entry.update(status="done", sha256=info["sha256"], version=info["version"],
                             final_url=info["final_url"], doc_id=info["doc_id"],
                             lastmod=entry.pop("new_lastmod", entry.get("lastmod")))
                report.new.append(NewDocument(spec.name, url, info["doc_id"], info["doctype"], info["doctype_score"],
                                              info.get("title"), info["version"], len(records_rows),
                                              [a["agency"] for a in agencies], info["kind"]))
                state.save()
            for entry in state.urls.values():
                if entry["status"] != "pending":
                    entry.pop("new_lastmod", None)
            state.save()
    finally:
        fetcher.close()
    return report


def _agencies(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per agency mention (plannlp.tag.links.agency_rows) of a tagged document."""

    try:
        doc = Document.from_json({k: v for k, v in obj.items() if k != "records"})
    except (DataError, TypeError, KeyError):
        return []
    return [{k: v for k, v in row.items() if k != "doc_id"} for row in agency_rows(doc)]
