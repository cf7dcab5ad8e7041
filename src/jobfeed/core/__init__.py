"""The pure core: postings as their files say them, dates, lifecycle states, identity, rendering.

Pure functions of data (and of a clock passed in): `load_posting` of one file's bytes,
`classify(postings, now)`, `render(posting, link)`. The only file access is reading the postings
folder in `postings.load_postings`. It may import `jobfeed.config`, `jobfeed.errors` and
`jobfeed._version`, and nothing else of jobfeed: not publish, announce, author, _incremental,
output, clock, report or the CLI (tests/test_architecture.py).
"""
