"""`jobfeed notify`: what changed since the last run, announced to the team's chat channels.

`notify.notify` is the orchestrator: load -> classify -> `diff` against the `state` -> `routing`
(which channels, which events each wants) -> `messages` (Slack Block Kit, Mattermost Markdown) ->
`webhooks` (delivery with retries); `redact` keeps webhook secrets out of every output. It may
import the core, `config`, `errors`, `output`; only `notify` may import `_incremental`. It never
imports publish or author.
"""
