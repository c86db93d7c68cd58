"""Help requests arrive with their own issue; this app holds its place in the layout."""
