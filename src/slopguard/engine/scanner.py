"""Drive a scan: discover, consult the cache, analyse the rest (in worker processes), collect results."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from slopguard.core.cache import ResultCache, cache_dir, content_hash
from slopguard.core.config import Settings
from slopguard.core.discovery import Discovery, Skipped
from slopguard.core.files import NotReadable, read_regular
from slopguard.core.finding import sort_key
from slopguard.core.report import FileResult, Report
from slopguard.core.roles import (
    EXCLUDED_BY_DEFAULT,
    HEAD_BYTES,
    Role,
    adjust,
    excluded_reason,
    parse_roles,
    role_from_content,
    role_of,
)
from slopguard.core.rule import RuleMeta
from slopguard.engine.dispatch import Dispatcher, analyse_batch
from slopguard.engine.languages import language_of
from slopguard.engine.registry import select_rules

Progress = Callable[[int, int], None]

# A result that depends on the machine's speed is never cached.
_UNCACHEABLE = "time budget exceeded"


class Scanner:
    """A configured scan over files or a snippet.

    ``catalog`` is the metadata of every rule the scan may run (code rules and any other phase's rules, such as
    the package checks); ``load_rules(languages)`` registers the checks of the rule packs that read those
    languages before anything is analysed (in this process and in every worker). Without explicit ``rule_ids``
    the settings' select/ignore choose the rules; an unknown selector raises ValueError.
    """

    def __init__(
        self,
        settings: Settings,
        catalog: Mapping[str, RuleMeta],
        load_rules: Callable[[Iterable[str]], object],
        rule_ids: Iterable[str] | None = None,
        *,
        fingerprint: str = "",
    ) -> None:
        self.settings = settings
        self.fingerprint = fingerprint
        self.load_rules = load_rules
        self.cache_dir = cache_dir(settings)
        chosen = set(rule_ids) if rule_ids is not None else select_rules(settings.select, settings.ignore, catalog)
        if settings.require_review and rule_ids is None:
            chosen |= {rid for rid, meta in catalog.items() if "provenance" in meta.tags}
        self.rules = {rid: catalog[rid] for rid in sorted(chosen) if rid in catalog}
        self.rule_ids = frozenset(self.rules)

    def _cache(self) -> ResultCache | None:
        if self.cache_dir is None:
            return None
        key = f"{self.fingerprint}\0{sorted(self.rule_ids)}\0{self.settings.max_file_size}"
        return ResultCache(self.cache_dir, hashlib.sha256(key.encode()).hexdigest())

    def scan_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> Report:
        started = time.perf_counter()
        settings = self.settings
        discovery = Discovery(
            settings.root,
            settings.exclude,
            settings.respect_gitignore,
            classify=language_of,
            roles=parse_roles(settings.roles),
            role_policy=settings.role_policy,
        )
        files = list(discovery.files(paths))
        result = Report(self.settings.root, rules=self.rules, skipped=list(discovery.skipped))
        result.excluded = sorted(discovery.excluded, key=lambda s: s.display)
        result.allow_skipped = self.settings.allow_skipped
        languages = {f.display: f.language for f in files}
        result.sources = files
        cache = self._cache()
        results: list[FileResult] = []
        digests: dict[str, str] = {}
        roles: dict[str, Role] = {}
        args = (self.rule_ids, settings.max_file_size, settings.time_budget, self.load_rules, settings.jobs)
        with Dispatcher(*args) as dispatcher:  # files are analysed while the rest are still being read
            for source in files:
                try:
                    data = read_regular(source.path, settings.max_file_size)
                except NotReadable as exc:
                    result.skipped.append(Skipped(source.display, str(exc)))
                    continue
                role = role_from_content(Role(source.role), source.display, data[:HEAD_BYTES])
                if settings.role_policy and role in EXCLUDED_BY_DEFAULT:
                    result.excluded.append(Skipped(source.display, excluded_reason(role)))
                    continue
                roles[source.display] = role
                digest = content_hash(data) if cache else ""
                cached = cache.get(source.display, digest) if cache else None
                if cached is None:
                    digests[source.display] = digest
                    dispatcher.add((source.display, data, source.language))
                    continue
                results.append(FileResult.from_json(source.display, cached))
                result.files_from_cache += 1
            total = len(results) + len(digests)
            if progress:
                progress(len(results), total)
            fresh = dispatcher.finish(progress, len(results), total)
        if cache:
            for fr in fresh:
                if not (fr.skipped or "").startswith(_UNCACHEABLE):
                    cache.put(fr.display, digests[fr.display], fr.to_json())
            cache.save()
        results += fresh
        self._collect(result, results, roles)
        result.excluded.sort(key=lambda s: s.display)
        result.imports = [(fr.display, m, n, languages.get(fr.display, "")) for fr in results for m, n in fr.imports]
        result.seconds = time.perf_counter() - started
        return result

    def scan_text(self, text: str, language: str, display: str = "<stdin>", first_line: int = 1) -> Report:
        """Scan a snippet (an assistant's answer) that is not on disk."""
        started = time.perf_counter()
        padded = "\n" * (first_line - 1) + text
        self.load_rules((language,))
        job = (display, padded.encode(), language)
        (fr,) = analyse_batch([job], self.rule_ids, self.settings.max_file_size, self.settings.time_budget)
        result = Report(self.settings.root, rules=self.rules, allow_skipped=self.settings.allow_skipped)
        # A buffer named after a file (an editor's) is judged by its path's role, as a scan of the file is; never by
        # its content, which the text's author writes ("Code generated ... DO NOT EDIT" must not quiet an answer).
        self._collect(result, [fr], {display: role_of(display, parse_roles(self.settings.roles))})
        result.imports = [(display, m, n, language) for m, n in fr.imports]
        result.seconds = time.perf_counter() - started
        return result

    def _collect(self, result: Report, results: list[FileResult], roles: dict[str, Role]) -> None:
        policy = self.settings.role_policy
        for fr in results:
            role = roles.get(fr.display, Role.SOURCE)
            result.findings += [adjust(f, role, policy) for f in fr.findings]
            if fr.skipped:
                result.skipped.append(Skipped(fr.display, fr.skipped))
        result.files_scanned = len(results)
        result.findings.sort(key=sort_key)
        result.skipped.sort(key=lambda s: s.display)
