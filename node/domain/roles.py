"""Who may do what at a centre: the roles an API key carries.

One key, one role. The person (or bank, or applicant company) behind a key is
its *principal*: workflow actions are recorded under it, and the four-eyes rule
compares principals, so a reviewer who also holds an auditor key still cannot
audit a case they reviewed.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The users of DESIGN.md section 1, as the API tells them apart."""

    APPLICANT = "applicant"
    """申请人 / 登记主体: files applications, amends, withdraws, cancels its certificates."""
    REVIEWER = "reviewer"
    """合规审查员: compliance review, return for amendment, rejection."""
    AUDITOR = "auditor"
    """审核员: approves or rejects after review; never the case's reviewer."""
    ISSUER = "issuer"
    """颁证 operator: notice, objections, issue, and the actions after issue."""
    PLEDGEE = "pledgee"
    """质权人: a bank registering and releasing pledges of data assets."""
    REGULATOR = "regulator"
    """监管: reads everything, runs audits, changes nothing."""
    ADMIN = "admin"
    """The centre's administrator: API keys, centre settings, the working-day calendar."""


OPERATORS = frozenset({Role.REVIEWER, Role.AUDITOR, Role.ISSUER})
"""The centre's staff who act on cases."""

PARTY_ROLES = frozenset({Role.APPLICANT, Role.PLEDGEE})
"""Roles whose key names the organisation it acts for by its unified social credit code."""
