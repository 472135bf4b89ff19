"""The default table of which aid types each kind of gift may fund (the ministry edits it in the
admin afterwards):

- a general donation and sadaqa may fund every aid type;
- zakat funds the needs-based aid types only: those with an income threshold
  (``AidType.max_income_per_capita``), since zakat is due to the poor and the needy.

Used by the data migration (aid types already there) and by the demo seed.
"""

from __future__ import annotations

from typing import Any

from donations.models import GiftKind


def default_pairs(aid_types: Any) -> list[tuple[str, int]]:
    """(kind, aid type id) pairs for these aid types, by the rule above."""
    pairs: list[tuple[str, int]] = []
    for aid_type in aid_types:
        pairs.append((GiftKind.GENERAL.value, aid_type.pk))
        pairs.append((GiftKind.SADAQA.value, aid_type.pk))
        if aid_type.max_income_per_capita is not None:
            pairs.append((GiftKind.ZAKAT.value, aid_type.pk))
    return pairs
