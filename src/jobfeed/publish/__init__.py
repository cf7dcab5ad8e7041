"""`jobfeed build`: the files of the output folder, from the classified roles.

`build.build` is the orchestrator (load -> classify -> render -> write). The writers are pure
functions of the catalog, the renderings and the configuration: `feeds` (Atom, RSS, JSON Feed),
`facets` (per-team and per-contract feeds), `pages` and `jsonld` (the HTML board with schema.org
JobPosting), `calendar` (deadlines.ics), `opml`, and `site`, which puts the pages, facets, OPML and
calendar together. It may import the core, `config`, `errors`, `output`; only `build` may import
`_incremental`. Nothing here imports announce or author.
"""
