"""jobfeed: feeds, pages and chat announcements of a team's open roles, from Markdown postings."""

__version__ = "0.1.0"
