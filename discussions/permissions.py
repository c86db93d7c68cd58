"""Who may do what with help requests and replies. Built on the community's `Access`.

Reading follows the community: `Access.can_read` (and, in queries,
`Community.objects.readable_by(user)`, which must agree with it).
"""

from communities.policy import Access


def can_read(access: Access) -> bool:
    return access.can_read


def can_ask(access: Access) -> bool:
    return access.can_participate


def can_reply(access: Access, help_request) -> bool:
    if help_request.is_removed:
        return False
    if help_request.is_locked:
        return access.can_moderate and access.can_participate
    return access.can_participate


def can_edit_post(access: Access, post) -> bool:
    """The author (while still a participant) or a moderator; removed posts are not edited."""
    if post.is_removed:
        return False
    own = access.is_authenticated and post.author_id == access.user.pk
    return (own and access.can_participate) or access.can_moderate


def can_remove_post(access: Access, post) -> bool:
    if post.is_removed:
        return False
    own = access.is_authenticated and post.author_id == access.user.pk
    return own or access.can_moderate


def can_see_revisions(access: Access, post) -> bool:
    own = access.is_authenticated and post.author_id == access.user.pk
    return own or access.can_moderate


def can_accept(access: Access, help_request) -> bool:
    """The asker or a moderator accepts an answer (and can undo it)."""
    if help_request.is_removed:
        return False
    own = access.is_authenticated and help_request.author_id == access.user.pk
    return (own and access.can_participate) or access.can_moderate


def can_vote(access: Access) -> bool:
    return access.can_participate


def can_vote_on(access: Access, reply) -> bool:
    """Helpful votes go to other people's replies that are still there."""
    own = access.is_authenticated and reply.author_id == access.user.pk
    return can_vote(access) and not own and not reply.is_removed


def can_see_removed_text(access: Access, post) -> bool:
    """A removed post's text stays readable to its author and the moderators."""
    own = access.is_authenticated and post.author_id == access.user.pk
    return own or access.can_moderate


def can_follow(access: Access) -> bool:
    return access.is_authenticated and access.can_read


def can_flag(access: Access) -> bool:
    return access.can_participate


def can_moderate(access: Access) -> bool:
    """Lock, pin, move, remove with a reason, work the flag queue."""
    return access.can_moderate


def can_flag_post(access: Access, post) -> bool:
    """Flag a particular post: a participant, not its author (who edits or removes instead), while it shows."""
    if post.is_removed:
        return False
    own = access.is_authenticated and post.author_id == access.user.pk
    return can_flag(access) and not own
