"""Valid pledge terms for the domain and store tests to start from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from node.domain.identifiers import RegistrationNumber
from node.domain.money import Money
from node.domain.pledge import Party, PledgeTerms

HOLDER = "913702002000000055"
BANK_A, BANK_B = "911100001000044477", "B0001H111000001"


def terms(
    registration: RegistrationNumber,
    bank: str = BANK_A,
    amount: str = "1000000.00",
    currency: str = "CNY",
    term_end: date = date(2027, 3, 31),
) -> PledgeTerms:
    return PledgeTerms(
        registration_number=registration,
        pledgor=Party("青岛示例农业数据科技有限公司", HOLDER),
        pledgee=Party("示例银行", bank),
        principal=Money(Decimal(amount), currency),
        term_start=date(2026, 4, 1),
        term_end=term_end,
        unified_registry_number="05391356000123456789",
        unified_registry_certificate_digest=None,
        contract_digest="0x" + "bb" * 32,
    )
