"""What communities tells the features built on it, which it must not import.

`membership_left(sender=Membership, community, user, membership)`
    Sent by `services.membership_leave` inside its transaction, once the membership has
    ended. A receiver that writes joins that transaction: if it fails, the leave is undone
    with it, so a leaver never keeps, say, a place at the community's next meeting.
"""

from django.dispatch import Signal

membership_left = Signal()
