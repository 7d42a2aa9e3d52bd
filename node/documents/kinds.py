"""The kinds of documents a centre signs and anchors."""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    """The kinds of signed, anchored documents a case produces."""

    APPLICATION = "application"
    COMPLIANCE_REPORT = "compliance_report"
    NOTICE = "notice"
    OBJECTION = "objection"
    OBJECTION_DECISION = "objection_decision"
    VALUATION_REPORT = "valuation_report"
    COST_REPORT = "cost_report"
    CERTIFICATE = "certificate"
    CHANGE = "change"
    TRANSFER = "transfer"
    LICENCE = "licence"
    RENEWAL = "renewal"
    CANCELLATION = "cancellation"
    REVOCATION = "revocation"
    EXPIRY = "expiry"
    PLEDGE = "pledge"
    PLEDGE_RELEASE = "pledge_release"
    RECOGNITION = "recognition"
    EVENT_LOG_HEAD = "event_log_head"
    """The node's own audit log head (seq and hash), anchored periodically."""
