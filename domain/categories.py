"""Default categories (nhóm vấn đề) from DESIGN.md; a commune may add its own in the config."""

from __future__ import annotations

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
