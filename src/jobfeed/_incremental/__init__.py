"""Speed only: the load and render caches, the reuse of the previous feeds' entries, the process
pool, and postings whose bodies are read where used.

Everything here makes commands faster and changes no byte of what they write. The orchestrators use
it, and nothing else does: `publish.build` through `plan.Incremental` (load, plan the rendering,
write), `announce.notify` and the CLI's `check` through `loading.load_all`. It may import the core,
`publish.feeds` and `publish.facets` (to write feed entries where roles are rendered), `config`,
`errors` and `output`. This file imports nothing, so that loading postings does not import the
feed writers.
"""
