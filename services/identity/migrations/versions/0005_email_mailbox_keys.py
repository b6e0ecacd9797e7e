"""Email identifiers are keyed by the mailbox they reach, as the matching engine compares them.

Gmail ignores dots in the local part, googlemail.com is gmail.com, and Gmail and Outlook drop a
"+tag": `Max.Mustermann+shop@googlemail.com` and `maxmustermann@gmail.com` reach one mailbox.
Identifiers stored before were only lower-cased, so the deterministic step missed such pairs
(the model found them). Existing email identifiers are rewritten to the mailbox form; where two
rows of a tenant now name one mailbox, the verified (then the older) one stays. The addresses
in `customers.emails` are kept as written.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KEYED = """
WITH parts AS (
    SELECT tenant_id, value, verified, created_at,
           substring(value FROM '^(.*)@[^@]*$') AS local,
           CASE substring(value FROM '@([^@]*)$')
               WHEN 'googlemail.com' THEN 'gmail.com'
               ELSE substring(value FROM '@([^@]*)$')
           END AS domain
    FROM identity.identities WHERE kind = 'email' AND value LIKE '%@%'
),
untagged AS (
    SELECT *, CASE WHEN domain IN ('gmail.com', 'outlook.com', 'outlook.de', 'hotmail.com',
                                   'hotmail.de', 'live.com', 'live.de')
                   THEN split_part(local, '+', 1) ELSE local END AS base
    FROM parts
),
keyed AS (
    SELECT tenant_id, value, verified, created_at,
           (CASE WHEN domain = 'gmail.com' THEN replace(base, '.', '') ELSE base END)
           || '@' || domain AS key
    FROM untagged
    WHERE (CASE WHEN domain = 'gmail.com' THEN replace(base, '.', '') ELSE base END) <> ''
)
"""


def upgrade() -> None:
    # Rows that would name an already-kept mailbox go first, then the rest are rewritten.
    op.execute(
        _KEYED
        + """,
        ranked AS (
            SELECT tenant_id, value, row_number() OVER (
                PARTITION BY tenant_id, key ORDER BY verified DESC, created_at, value
            ) AS n
            FROM keyed
        )
        DELETE FROM identity.identities i USING ranked r
        WHERE i.tenant_id = r.tenant_id AND i.kind = 'email' AND i.value = r.value AND r.n > 1
        """
    )
    op.execute(
        _KEYED
        + """
        UPDATE identity.identities i SET value = k.key
        FROM keyed k
        WHERE i.tenant_id = k.tenant_id AND i.kind = 'email' AND i.value = k.value
          AND k.key <> k.value
        """
    )


def downgrade() -> None:
    """Nothing to undo: the mailbox form is a valid lower-cased address."""
