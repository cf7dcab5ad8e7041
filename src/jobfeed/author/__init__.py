"""Managing roles without editing YAML: `jobfeed new`, `edit`-level changes (`close`, `extend`),
`list`, `preview`, and finding the role a person means (`resolve`).

It may import the core, `publish` (preview shows a feed entry as `build` writes it), `announce`
(preview shows the chat payloads by notify's own routing), `config`, `errors`, `output`; never
`_incremental`.
"""
