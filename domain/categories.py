"""Default categories (nhóm vấn đề) from DESIGN.md; a commune may add its own in the config."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from domain.models import Category

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("land", "Đất đai"),
    Category("social_policy", "Chính sách xã hội"),
    Category("admin_procedures", "Thủ tục hành chính"),
    Category("infrastructure", "Hạ tầng"),
    Category("environment", "Môi trường"),
    Category("security", "An ninh trật tự"),
    Category("economy_jobs", "Kinh tế - việc làm"),
    Category("other", "Khác"),
)

OTHER = "other"


def category_order(keys: Iterable[str]) -> list[str]:
    """Each key once, in the order given, with "Khác" (other) moved last: a list a resident
    picks from or a report reads in ends with the catch-all, whatever the config's order."""
    unique = list(dict.fromkeys(keys))
    return [k for k in unique if k != OTHER] + ([OTHER] if OTHER in unique else [])


def category_sort_key(order: Iterable[str]) -> Callable[[str], tuple[bool, int]]:
    """A sort key for category keys: as in `order` (a dialogue's configured categories), keys
    it does not name after those, and "Khác" last always."""
    rank = {key: i for i, key in enumerate(dict.fromkeys(order))}

    def key(category: str) -> tuple[bool, int]:
        return category == OTHER, rank.get(category, len(rank))

    return key
