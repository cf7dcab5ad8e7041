"""`jobfeed publish-ping`: tell the WebSub hubs of `[feeds] hubs` which feeds changed.

Run after the output folder is deployed (the hub fetches the feed at once). A feed is pinged when it
advertises the hub (`publish.websub`) and its bytes differ from those the hub last accepted a ping
for: the sha256 of each feed per hub is kept in a small record file (default
`.jobfeed/websub.json`, beside the notify state, never in the published folder), updated only for
the pings a hub accepted. So an unchanged feed is never pinged again, and a ping that failed is
tried again at the next run. The feeds are the files of the last build (its manifest).

A ping is a POST of `hub.mode=publish&hub.url=<the feed's self URL>` (form-encoded, the
PubSubHubbub 0.4 form every public hub takes), one per feed and hub. The answer counts as WebSub
and the hubs give it: 2xx (202 Accepted, 204 No Content) accepted; 429 and 5xx transient, retried
with backoff within notify's budget (`announce.webhooks.RetryPolicy`), honouring Retry-After; any
other 4xx permanent (a hub that refuses the topic). A failed ping is reported, never fatal: the
feeds are published whatever the hub says.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import tenacity

from jobfeed.announce.webhooks import DEFAULT_POLICY, RetryPolicy, describe, new_session
from jobfeed.config import Config
from jobfeed.output import write_atomic
from jobfeed.publish.manifest import read_manifest

RECORD = ".jobfeed/websub.json"
RECORD_VERSION = 1
#: Bytes of a feed read to see whether it advertises a hub: its head, before any entry.
HEAD = 16_384


@dataclasses.dataclass
class PingReport:
    pinged: list[tuple[str, str, int]] = dataclasses.field(default_factory=list)  # hub, feed, attempts
    unchanged: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)  # one line per failed ping

    def lines(self) -> list[str]:
        out = [
            f"pinged {hub} for {feed}" + (f" ({n} attempts)" if n > 1 else "") for hub, feed, n in self.pinged
        ]
        out += [f"warning: {line}" for line in self.failed]
        out.append(
            f"{len(self.pinged)} ping(s), {self.unchanged} unchanged feed(s), {len(self.failed)} failed"
        )
        return out


class _Failure(Exception):
    def __init__(self, message: str, *, transient: bool, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


def answer_of(status: int, retry_after: str | None) -> _Failure | None:
    """None when the hub accepted the ping (2xx); else the failure, transient or permanent."""
    if 200 <= status < 300:
        return None
    if status == 429 or 500 <= status < 600:
        wait = 0.0
        with contextlib.suppress(ValueError):
            wait = max(0.0, float(retry_after or 0))
        return _Failure(f"HTTP {status}", transient=True, retry_after=wait)
    return _Failure(f"HTTP {status} (the hub refused the ping)", transient=False)


def ping(
    session: requests.Session,
    hub: str,
    topic: str,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Ping `hub` for `topic` until it accepts; the number of attempts. Raises _Failure."""
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        try:
            response = session.post(
                hub,
                data={"hub.mode": "publish", "hub.url": topic},
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as e:
            raise _Failure(str(describe(e, policy)), transient=True) from None
        failure = answer_of(response.status_code, response.headers.get("Retry-After"))
        if failure is not None:
            raise failure

    backoff = tenacity.wait_exponential(multiplier=policy.first_wait, max=policy.max_wait)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return max(error.retry_after if isinstance(error, _Failure) else 0.0, backoff(state))

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_before_delay(policy.budget),
        wait=wait,
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, _Failure) and e.transient),
        sleep=sleep,
        reraise=True,
    )
    try:
        retrying(attempt)
    except _Failure as failure:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        raise _Failure(f"{failure}{tries}", transient=failure.transient) from None
    return attempts


def advertised_feeds(out: Path, hub: str) -> list[str]:
    """The files of the last build (its manifest) that advertise `hub`, as paths in the folder."""
    manifest = read_manifest(out)
    if manifest is None:
        return []
    atom = f'href="{hub}" rel="hub"'.encode()
    json_hub = json.dumps(hub).encode()
    found = []
    for name in manifest.files:
        if not name.endswith((".xml", ".json")):
            continue
        try:
            with (out / name).open("rb") as f:
                head = f.read(HEAD)
        except OSError:
            continue
        if (name.endswith(".xml") and atom in head) or (
            name.endswith(".json") and b'"hubs"' in head and json_hub in head
        ):
            found.append(name)
    return sorted(found)


def _read_record(path: Path) -> tuple[dict[str, dict[str, str]], str]:
    """The record, and a warning when it was damaged (then every feed is pinged once again)."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, ""
    except (OSError, ValueError) as e:
        return {}, f"{path}: unreadable ({e}); every feed is pinged once again"
    hubs = raw.get("hubs") if isinstance(raw, dict) and raw.get("version") == RECORD_VERSION else None
    if not isinstance(hubs, dict):
        return {}, f"{path}: not a jobfeed WebSub record; every feed is pinged once again"
    record = {
        str(hub): {str(k): str(v) for k, v in feeds.items()}
        for hub, feeds in hubs.items()
        if isinstance(feeds, dict)
    }
    return record, ""


def publish_ping(
    config: Config,
    out: str | Path | None = None,
    record: str | Path = RECORD,
    *,
    session: requests.Session | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> PingReport:
    """Ping every hub of `[feeds] hubs` for each feed of `out` whose bytes changed since the hub
    last accepted a ping for it. Failures are in the report, never raised."""
    folder = Path(out if out is not None else config.out)
    record_path = Path(record)
    report = PingReport()
    if not config.feeds.hubs:
        return report
    if not config.site_url:
        report.failed.append(
            f"{config.path or 'jobfeed.toml'}: [feeds] hubs need [site] url: a hub fetches a feed by "
            'its address; set url = "https://…/" in [site] (nothing pinged)'
        )
        return report
    previous, damaged = _read_record(record_path)
    if damaged:
        report.failed.append(damaged)
    kept = {hub: feeds for hub, feeds in previous.items() if hub in config.feeds.hubs}
    session = session or new_session()
    for hub in config.feeds.hubs:
        done = kept.setdefault(hub, {})
        current = {}
        for name in advertised_feeds(folder, hub):
            digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            current[name] = digest
            if done.get(name) == digest:
                report.unchanged += 1
                continue
            topic = config.site_url + name
            try:
                attempts = ping(session, hub, topic, policy, sleep)
            except _Failure as failure:
                report.failed.append(f"{hub}: {name}: {failure}; pinged again at the next run")
                current[name] = done.get(name, "")
                continue
            report.pinged.append((hub, name, attempts))
        kept[hub] = {name: digest for name, digest in sorted(current.items()) if digest}
    if kept != previous:
        data = {"version": RECORD_VERSION, "hubs": kept}
        record_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(record_path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return report
