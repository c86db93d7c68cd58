"""Charter pages, one module per part: drafts and review, vision rounds, value stories."""
