"""Charter reads, one module per part: drafts (the charter, its versions and reviews), vision rounds,
value stories."""
