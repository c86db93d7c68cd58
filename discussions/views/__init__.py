"""Help request pages, one module per part: threads, finding, moderation."""
