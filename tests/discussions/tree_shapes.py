"""Reply trees of every shape, bulk-created: wide, deep, mixed and nested threads for the page tests."""

from discussions.models import STEPLEN, HelpRequest, Reply, count_tree, path_step


class Tree:
    """Replies of one thread, numbered as `ReplyManager` would, saved in one bulk insert."""

    def __init__(self, help_request, authors):
        self.help_request = help_request
        self.authors = authors
        self.replies: list[Reply] = []
        self._children: dict[str, int] = {}

    def add(self, parent: str = "") -> str:
        """A reply under the reply at path `parent` (top level if empty); returns its path."""
        self._children[parent] = self._children.get(parent, 0) + 1
        path = parent + path_step(self._children[parent])
        n = len(self.replies)
        self.replies.append(
            Reply(
                help_request=self.help_request,
                author=self.authors[n % len(self.authors)],
                path=path,
                depth=len(path) // STEPLEN,
                body=f"Reply {path}",
                body_html=f"<p>Reply {path}</p>",
            )
        )
        return path

    def save(self) -> list[Reply]:
        count_tree(self.replies)
        Reply.objects.bulk_create(self.replies)
        HelpRequest.objects.filter(pk=self.help_request.pk).update(reply_count=len(self.replies))
        return list(Reply.objects.filter(help_request=self.help_request).order_by("path"))


def wide(help_request, authors, *, children=1000) -> list[Reply]:
    """One top-level reply with `children` replies to it."""
    tree = Tree(help_request, authors)
    root = tree.add()
    for _ in range(children):
        tree.add(root)
    return tree.save()


def deep(help_request, authors, *, roots=3, siblings=330) -> list[Reply]:
    """Chains down to the depth limit, where the flattened replies pile up as siblings."""
    tree = Tree(help_request, authors)
    for _ in range(roots):
        path = tree.add()
        for _ in range(4):
            path = tree.add(path)
        for _ in range(siblings):
            tree.add(path)
    return tree.save()


def nested(help_request, authors, *, roots=50, per_root=19) -> list[Reply]:
    """`roots` top-level replies, each with `per_root` descendants: chains with branches."""
    tree = Tree(help_request, authors)
    for _ in range(roots):
        root = tree.add()
        parent, made = root, 0
        while made < per_root:
            path = tree.add(parent)
            made += 1
            if made % 2 and len(path) // STEPLEN < 5:
                parent = path  # go deeper every other reply, else add a sibling
    return tree.save()


def mixed(help_request, authors) -> list[Reply]:
    """Some quiet top-level replies, one long chain, one wide branch and nested ones: 1,000 in all."""
    tree = Tree(help_request, authors)
    for _ in range(8):
        tree.add()
    chain = tree.add()
    path = chain
    for _ in range(4):
        path = tree.add(path)
    for _ in range(200):
        tree.add(path)
    hub = tree.add()
    for _ in range(300):
        tree.add(hub)
    for _ in range(6):
        root = tree.add()
        for _ in range(10):
            child = tree.add(root)
            for _ in range(7):
                tree.add(child)
    while len(tree.replies) < 1000:
        tree.add()
    return tree.save()
