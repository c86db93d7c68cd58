"""The community charter arrives with its own issue; this app holds its place in the layout."""
