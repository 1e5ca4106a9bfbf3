"""Who may do what, by permission rather than by `is_staff`: the Editor and Publisher groups
(created by a migration) hold these."""

PREVIEW = "qualifications.view_qualification"
PUBLISH = "qualifications.publish_qualification"


def can_preview(user):
    """Whether `user` may see drafts, scheduled and withdrawn qualifications on the site."""
    return user.has_perm(PREVIEW)


def can_publish(user):
    """Whether `user` may publish, schedule, withdraw and delete qualifications."""
    return user.has_perm(PUBLISH)
