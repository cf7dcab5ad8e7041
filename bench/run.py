"""Benchmark of jobfeed against Hugo on the same synthetic postings.

    python bench/run.py [--sizes 1000,10000,100000] [--runs 3] [--hugo-max 10000] [--pages-max 10000]
                        [--keep DIR]

For each size it writes deterministic postings (bench/synth.py) into a temporary folder and measures,
as medians of --runs runs: a cold build (no output, no cache) of the feeds of the build issue (Atom,
RSS, JSON Feed: `[pages] enabled = false`, the work Hugo is given), a cold build with every output
(pages, facet feeds, OPML, calendar: the default configuration), a rebuild of the feeds after one
posting changed, a rebuild with nothing changed (which must write no file), `jobfeed check`,
`jobfeed notify --dry-run` with nothing to announce (when this checkout has the command) and its
time beyond loading (notify minus check: both load through the same warm cache), and the peak
memory of a cold build: the proportional set size (PSS) of the whole process tree, sampled every
20 ms in a cold build of its own, so worker processes count and pages they share with their parent
are not counted twice. When `hugo` is on PATH it builds the same postings into one RSS feed with the
full content of every posting, in the same run, and jobfeed's times are printed as ratios of Hugo's.
Every command runs as a child process, as a user would run it.

The headline rows are the default build's (pages of every posting, index, facet feeds, OPML,
calendar), against Hugo building a page per posting (`single.html`), the list page (`list.html`)
and the RSS of the same postings, in the same loop: cold, after one posting changed, with nothing
changed, and at a later instant at which no role changes state (the latest of one day, 12 h, 6 h,
1 h, 10 min and 1 min after `--now` at which every role has the state it has at `--now`: found by
classifying the postings with jobfeed, printed with the results); with the peak memory of a cold
default build, and each run's ratios. The feeds-only rows (`[pages] enabled = false`) follow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth

NOW = "2024-11-15T12:00:00+01:00"
JOBFEED = [sys.executable, "-m", "jobfeed"]
#: jobfeed runs as installed: Python caches the bytecode of its modules, as it does by default
#: (some containers, this benchmark's machine among them, set PYTHONDONTWRITEBYTECODE, which makes
#: every run compile jobfeed's modules again: ~0.05 s a run that no installed copy pays).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
CONFIG = """\
[site]
title = "Offres d'emploi (banc d'essai)"
url = "https://example.org/jobs/"
id_authority = "example.org,2024"
"""
# The outputs of the build issue (Atom, RSS, JSON Feed), the work Hugo is compared on: no pages.
FEEDS_ONLY = "\n[pages]\nenabled = false\n"
#: The default configuration: feeds, pages, facet feeds, OPML and calendar. Its own output and cache.
WITH_PAGES = "with-pages.toml"
HUGO_CONFIG = """\
baseURL = "https://example.org/jobs/"
title = "Offres d'emploi (banc d'essai)"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404", "section"]
[outputs]
home = ["RSS"]
page = []
[services.rss]
limit = -1
[frontmatter]
date = ["poste_ouvert", ":default"]
[markup.goldmark.renderer]
unsafe = true
"""
# The whole content of every posting, as jobfeed's RSS has it (content:encoded).
HUGO_RSS = """\
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\
<title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>{{ .Site.Title }}</description>
{{ range .Site.RegularPages }}<item><title>{{ .Params.role }} — {{ .Params.equipe }}</title>\
<link>{{ .Permalink }}</link><guid>{{ .Permalink }}</guid>\
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>\
<description>{{ .Summary | plainify }}</description><content:encoded>{{ .Content | html }}</content:encoded></item>
{{ end }}</channel></rss>
"""
#: Hugo's site of a page per posting: the same postings, a page each, the list page and the RSS.
HUGO_PAGES_CONFIG = """\
baseURL = "https://example.org/jobs/"
title = "Offres d'emploi (banc d'essai)"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
page = ["HTML"]
[services.rss]
limit = -1
[frontmatter]
date = ["poste_ouvert", ":default"]
[markup.goldmark.renderer]
unsafe = true
"""
HUGO_SINGLE = """\
<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ .Params.role }} — {{ .Params.equipe }} · {{ .Site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify }}">
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}">
</head><body><main>
<p><a href="{{ "" | absURL }}">← Tous les postes</a></p>
<h1>{{ .Params.role }}</h1><p>{{ .Params.equipe }}</p>
<dl><dt>Contrat</dt><dd>{{ .Params.contrat }}</dd>
<dt>Ouvert le</dt><dd><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></dd>
{{ with .Params.poste_ferme }}<dt>Clôture</dt><dd>{{ . }}</dd>{{ end }}</dl>
<article>{{ .Content }}</article>
{{ with .Params.contact }}<p>Postuler : <a href="mailto:{{ . }}">{{ . }}</a></p>{{ end }}
</main></body></html>
"""
HUGO_LIST = """\
<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head><body><main>
<h1>{{ .Site.Title }}</h1><ul>
{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Params.role }}</a> — {{ .Params.equipe }}
<p>{{ .Summary | plainify }}</p></li>
{{ end }}</ul></main></body></html>
"""
#: Instants after NOW tried for the later-day build, latest first.
LATER = (
    dt.timedelta(days=1),
    dt.timedelta(hours=12),
    dt.timedelta(hours=6),
    dt.timedelta(hours=1),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=1),
)


class Sampler(threading.Thread):
    """Peak PSS of a process and all its descendants, from /proc, every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.done = threading.Event()

    def tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as f:
                        ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                parents.setdefault(ppid, []).append(int(entry))
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(parents.get(pid, []))
        return pids

    @staticmethod
    def pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, sum(self.pss(p) for p in self.tree()))
            self.done.wait(self.interval)


def timed(
    command: Sequence[str], cwd: Path, ok: Sequence[int] = (0,), memory: bool = False
) -> tuple[float, int, str]:
    """(wall seconds, peak bytes of the process tree or 0, stdout) of one command.

    Sampling memory costs CPU, so it is done in runs of its own (`memory`), never in timed ones."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    sampler = Sampler(process.pid)
    if memory:
        sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    if memory:
        sampler.done.set()
        sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{err.decode()[-2000:]}")
    return wall, sampler.peak, out.decode()


def has_notify(cwd: Path) -> bool:
    result = subprocess.run([*JOBFEED, "notify", "--help"], cwd=cwd, capture_output=True, env=ENV)
    return result.returncode == 0 and b"--dry-run" in result.stdout


def setup(root: Path, size: int) -> Path:
    work = root / str(size)
    synth.generate(work / "postes", size, dt.date.fromisoformat(NOW[:10]))
    (work / "jobfeed.toml").write_text(CONFIG + FEEDS_ONLY, encoding="utf-8")
    (work / WITH_PAGES).write_text(CONFIG, encoding="utf-8")
    if shutil.which("hugo"):
        site = work / "hugo"
        (site / "layouts").mkdir(parents=True)
        (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
        (site / "layouts" / "index.rss.xml").write_text(HUGO_RSS, encoding="utf-8")
        content = site / "content" / "postes"
        content.mkdir(parents=True)
        for posting in (work / "postes").iterdir():
            os.link(posting, content / posting.name)
        pages = work / "hugo-pages"
        layouts = pages / "layouts" / "_default"
        layouts.mkdir(parents=True)
        (pages / "hugo.toml").write_text(HUGO_PAGES_CONFIG, encoding="utf-8")
        (pages / "layouts" / "index.rss.xml").write_text(HUGO_RSS, encoding="utf-8")
        (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
        (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
        (pages / "content").mkdir()
        os.symlink(content, pages / "content" / "postes")
    return work


def later_instant(work: Path) -> str:
    """The latest of `LATER` after NOW at which every posting has the state it has at NOW, and no
    date of a posting (opening, deadline, update) falls in between ("" if none): a filled role's
    page says when its deadline passed (JSON-LD validThrough), so a deadline passing changes it."""
    from jobfeed.config import load_config
    from jobfeed.core.lifecycle import classify
    from jobfeed.core.postings import load_postings

    postings = load_postings(work / "postes", load_config(work / WITH_PAGES)).postings
    now = dt.datetime.fromisoformat(NOW)
    states = {r.id: r.state for r in classify(postings, now).roles}
    dates = [m.at for p in postings for m in (p.opened, p.deadline, p.updated) if m is not None]
    for delta in LATER:
        later = now + delta
        quiet = not any(now < at <= later for at in dates)
        if quiet and {r.id: r.state for r in classify(postings, later).roles} == states:
            return later.isoformat()
    return ""


def touch_one(work: Path, run: int) -> None:
    """Change one posting's text, a different one each run."""
    files = sorted((work / "postes").iterdir())
    path = files[(run * 7919) % len(files)]
    path.write_text(path.read_text(encoding="utf-8") + f"\nMis à jour ({run}).\n", encoding="utf-8")


def measure(work: Path, runs: int, hugo_max: int, size: int, pages_max: int) -> dict[str, object]:
    build = [*JOBFEED, "build", "--now", NOW, "--json"]
    pages_out, pages_cache = work / "feeds-with-pages", work / ".cache-with-pages"
    where = ["--out", str(pages_out), "--cache-dir", str(pages_cache)]
    with_pages = [*JOBFEED, "build", "--config", WITH_PAGES, "--now", NOW, "--json", *where]
    later = later_instant(work) if size <= pages_max else ""
    on_later_day = [*JOBFEED, "build", "--config", WITH_PAGES, "--now", later, "--json", *where]
    written_later: list[int] = []
    runs_ratios: list[tuple[float, float, float]] = []
    times: dict[str, list[float]] = {}
    peaks: list[int] = []
    hugo_peaks: list[int] = []
    written_on_no_change: list[int] = []
    notify = has_notify(work)
    state = work / "state.json"
    if notify:  # a first real run records every role, so the timed runs have nothing to announce
        timed([*JOBFEED, "notify", "--now", NOW, "--state", str(state)], work, ok=(0, 1))
    use_hugo = shutil.which("hugo") is not None and size <= hugo_max
    site = work / "hugo"
    hugo = ["hugo", "--quiet", "-s", str(site), "-d", str(site / "public")]
    hugo_site = work / "hugo-pages"
    hugo_pages = ["hugo", "--quiet", "-s", str(hugo_site), "-d", str(hugo_site / "public")]
    for run in range(runs):
        shutil.rmtree(work / "feeds", ignore_errors=True)
        shutil.rmtree(work / ".jobfeed-cache", ignore_errors=True)
        times.setdefault("cold", []).append(timed(build, work)[0])
        if size <= pages_max:
            shutil.rmtree(pages_out, ignore_errors=True)
            shutil.rmtree(pages_cache, ignore_errors=True)
            times.setdefault("cold with pages", []).append(timed(with_pages, work)[0])
        touch_one(work, run)
        if size <= pages_max:
            times.setdefault("pages one change", []).append(timed(with_pages, work)[0])
            wall, _, out = timed(with_pages, work)
            times.setdefault("pages no change", []).append(wall)
            written_on_no_change.append(len(json.loads(out)["written"]))
            if later:
                wall, _, out = timed(on_later_day, work)
                times.setdefault("pages later day", []).append(wall)
                written_later.append(len(json.loads(out)["written"]))
        times.setdefault("one change", []).append(timed(build, work)[0])
        wall, _, out = timed(build, work)
        times.setdefault("no change", []).append(wall)
        written_on_no_change.append(len(json.loads(out)["written"]))
        times.setdefault("check", []).append(timed([*JOBFEED, "check"], work, ok=(0, 1))[0])
        if notify:
            command = [*JOBFEED, "notify", "--now", NOW, "--state", str(state), "--dry-run"]
            times.setdefault("notify", []).append(timed(command, work, ok=(0, 1))[0])
        if use_hugo:
            shutil.rmtree(site / "public", ignore_errors=True)
            shutil.rmtree(site / "resources", ignore_errors=True)
            times.setdefault("hugo", []).append(timed(hugo, work)[0])
            if size <= pages_max:
                shutil.rmtree(hugo_site / "public", ignore_errors=True)
                shutil.rmtree(hugo_site / "resources", ignore_errors=True)
                hugo_time = timed(hugo_pages, work)[0]
                times.setdefault("hugo pages", []).append(hugo_time)
                this = {name: times[name][-1] for name in times}
                runs_ratios.append(
                    (
                        this["cold with pages"] / hugo_time,
                        this["pages one change"] / hugo_time,
                        this.get("pages later day", float("nan")) / hugo_time,
                    )
                )
    shutil.rmtree(work / "feeds", ignore_errors=True)
    shutil.rmtree(work / ".jobfeed-cache", ignore_errors=True)
    peaks.append(timed(build, work, memory=True)[1])
    pages_peaks: list[int] = []
    if size <= pages_max:
        shutil.rmtree(pages_out, ignore_errors=True)
        shutil.rmtree(pages_cache, ignore_errors=True)
        pages_peaks.append(timed(with_pages, work, memory=True)[1])
        shutil.rmtree(pages_out, ignore_errors=True)  # 10,000 pages: no need to keep them around
    if use_hugo:
        shutil.rmtree(work / "hugo" / "public", ignore_errors=True)
        hugo_peaks.append(timed(hugo, work, memory=True)[1])
    result: dict[str, object] = {k: statistics.median(v) for k, v in times.items()}
    if notify:  # the median of each run's difference: both loaded the same files, warm cache
        beyond = [n - c for n, c in zip(times["notify"], times["check"], strict=True)]
        result["notify beyond loading"] = statistics.median(beyond)
    result["peak MiB"] = max(peaks) / 2**20
    if hugo_peaks:
        result["hugo peak MiB"] = max(hugo_peaks) / 2**20
    result["written on no change"] = max(written_on_no_change)
    if pages_peaks:
        result["pages peak MiB"] = max(pages_peaks) / 2**20
    if written_later:
        result["written on a later day"] = max(written_later)
    result["later"] = later
    result["runs"] = [[round(x, 3) for x in r] for r in runs_ratios]
    return result


def cell(value: object, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def report(results: dict[int, dict[str, object]], runs: int) -> str:
    return "\n".join([*headline(results, runs), "", feeds_only(results, runs)])


def headline(results: dict[int, dict[str, object]], runs: int) -> list[str]:
    """The default build (pages on) against Hugo's page-per-posting site, and each run's ratios."""
    columns: list[tuple[str, str]] = [
        ("postings", ""),
        ("default cold s", "cold with pages"),
        ("one change s", "pages one change"),
        ("no change s", "pages no change"),
        ("later day s", "pages later day"),
        ("peak MiB", "pages peak MiB"),
        ("hugo pages s", "hugo pages"),
        ("cold / hugo", "pages cold ratio"),
        ("one change / hugo", "pages change ratio"),
        ("later day / hugo", "pages later ratio"),
    ]
    for r in results.values():
        hugo = r.get("hugo pages")
        if isinstance(hugo, float):
            for key, name in (
                ("pages cold ratio", "cold with pages"),
                ("pages change ratio", "pages one change"),
                ("pages later ratio", "pages later day"),
            ):
                if isinstance(r.get(name), float):
                    r[key] = float(r[name]) / hugo  # type: ignore[arg-type]
    lines = [
        "Default build (pages, index, facet feeds, OPML, calendar) against Hugo's page per posting,",
        "list page and RSS:",
        "",
        "| " + " | ".join(c for c, _ in columns) + " |",
        "|" + "|".join("---:" for _ in columns) + "|",
    ]
    for size, r in results.items():
        row = [f"{size:,}"] + [cell(r.get(k), 0 if "MiB" in k else 2) for _, k in columns[1:]]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for size, r in results.items():
        if r.get("later"):
            lines.append(
                f"{size:,}: later day = `--now {r['later']}` (no role changes state); files written on "
                f"it: {r.get('written on a later day', 'n/a')}."
            )
        each = r.get("runs")
        if isinstance(each, list) and each:
            shown = "; ".join(f"{c:.2f} / {o:.2f} / {d:.2f}" for c, o, d in each)
            lines.append(f"{size:,}: each run's ratios to Hugo (cold / one change / later day): {shown}.")
    lines.append(
        f"Medians of {runs} run(s); Hugo in the same loop. Peak memory: PSS of the process tree in a "
        "separate cold default build."
    )
    return lines


def feeds_only(results: dict[int, dict[str, object]], runs: int) -> str:
    columns: list[tuple[str, str]] = [
        ("postings", ""),
        ("cold s", "cold"),
        ("cold with pages s", "cold with pages"),
        ("one change s", "one change"),
        ("no change s", "no change"),
        ("check s", "check"),
        ("notify --dry-run s", "notify"),
        ("notify - check s", "notify beyond loading"),
        ("peak MiB", "peak MiB"),
        ("hugo s", "hugo"),
        ("hugo peak MiB", "hugo peak MiB"),
        ("cold / hugo", "cold ratio"),
        ("one change / hugo", "change ratio"),
    ]
    for r in results.values():
        hugo = r.get("hugo")
        if isinstance(hugo, float):
            r["cold ratio"] = float(r["cold"]) / hugo  # type: ignore[arg-type]
            r["change ratio"] = float(r["one change"]) / hugo  # type: ignore[arg-type]
    lines = [
        "| " + " | ".join(c for c, _ in columns) + " |",
        "|" + "|".join("---:" for _ in columns) + "|",
    ]
    for size, r in results.items():
        row = [f"{size:,}"] + [cell(r.get(k), 0 if "MiB" in k else 2) for _, k in columns[1:]]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        f"Medians of {runs} run(s). cold, one change, no change, peak memory and the ratios: the feeds "
        "of the build issue (Atom, RSS, JSON Feed; [pages] off), what Hugo builds too; cold with "
        "pages: every output (pages, facet feeds, OPML, calendar), which Hugo does not build here. "
        "Peak memory: PSS of the process tree in a separate cold build. notify - check: median of "
        "each run's difference (both load through the same warm cache)."
    )
    lines.append(f"Load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    lines += targets(results)
    return "\n".join(lines)


def targets(results: dict[int, dict[str, object]]) -> list[str]:
    out = [""]

    def verdict(name: str, value: float | None, limit: float, unit: str = "") -> None:
        if value is None:
            out.append(f"- {name}: not measured")
        else:
            met = "met" if value <= limit else "NOT met"
            out.append(f"- {name}: {value:.2f}{unit} (target ≤ {limit}{unit}): {met}")

    ten = results.get(10_000, {})
    hundred = results.get(100_000, {})
    verdict("default build: cold 10,000 / Hugo pages", _f(ten.get("pages cold ratio")), 0.5)
    verdict("default build: one change 10,000 / Hugo pages", _f(ten.get("pages change ratio")), 0.15)
    verdict("default build: later day 10,000 / Hugo pages", _f(ten.get("pages later ratio")), 0.1)
    verdict("default build: peak memory 10,000", _f(ten.get("pages peak MiB")), 300, " MiB")
    pages10, pages100 = _f(ten.get("cold with pages")), _f(hundred.get("cold with pages"))
    ratio = pages100 / pages10 if pages10 and pages100 else None
    verdict("default build: cold 100,000 / cold 10,000 (--pages-max 100000)", ratio, 12)
    verdict("default build: peak memory 100,000", _f(hundred.get("pages peak MiB")), 2048, " MiB")
    verdict("feeds only: cold build 10,000 / Hugo", _f(ten.get("cold ratio")), 0.5)
    verdict("one change 10,000 / Hugo", _f(ten.get("change ratio")), 0.15)
    verdict("peak memory 10,000", _f(ten.get("peak MiB")), 300, " MiB")
    cold10, cold100 = _f(ten.get("cold")), _f(hundred.get("cold"))
    verdict("cold 100,000 / cold 10,000", cold100 / cold10 if cold10 and cold100 else None, 12)
    verdict("peak memory 100,000", _f(hundred.get("peak MiB")), 2048, " MiB")
    verdict("notify 10,000 beyond loading (notify - check)", _f(ten.get("notify beyond loading")), 1, " s")
    for size, r in results.items():
        if r.get("written on no change"):
            out.append(f"- {size:,}: a rebuild with no change wrote {r['written on no change']} file(s)!")
        if r.get("written on a later day"):
            out.append(f"- {size:,}: the later-day build wrote {r['written on a later day']} file(s)!")
    return out


def _f(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    hugo = "not installed"
    if shutil.which("hugo"):
        hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]
    return (
        f"{os.cpu_count()} CPU(s) ({len(os.sched_getaffinity(0))} usable), {cpu}; "
        f"Python {platform.python_version()}; Hugo {hugo}; {platform.system()} {platform.release()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of postings")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure; medians are printed")
    parser.add_argument("--hugo-max", type=int, default=10_000, help="skip Hugo above this many postings")
    parser.add_argument(
        "--pages-max",
        type=int,
        default=10_000,
        help="skip the cold build with pages above this many postings",
    )
    parser.add_argument("--keep", help="generate into this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    print(f"Machine: {machine()}", flush=True)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jobfeed-bench-"))
    results: dict[int, dict[str, object]] = {}
    try:
        for size in sizes:
            print(f"{size:,} postings: generating…", file=sys.stderr, flush=True)
            shutil.rmtree(root / str(size), ignore_errors=True)
            work = setup(root, size)
            print(f"{size:,} postings: measuring {args.runs} run(s)…", file=sys.stderr, flush=True)
            results[size] = measure(work, args.runs, args.hugo_max, size, args.pages_max)
            print(json.dumps({str(size): results[size]}), file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(report(results, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
