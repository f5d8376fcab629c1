"""Governance enums."""

from __future__ import annotations

import enum


class PromotionRequestStatus(enum.Enum):
    PENDING = "pending"
    APPLIED = "applied"  # approved, checked and done
    REJECTED = "rejected"  # a reviewer said no
    CANCELLED = "cancelled"  # its requester (or an admin) withdrew it
