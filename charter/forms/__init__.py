"""Charter forms, one module per part: drafts (the charter and its review), vision rounds, value stories."""
