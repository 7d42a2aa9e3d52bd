"""`dataprop demo`: the whole flow on the embedded chain and a SQLite file, checked step by step.

A consortium of four city centres is deployed and admits a fifth by vote.
Qingdao's node takes three sample applications through review, audit and
public notice; one objection is dismissed and one upheld. The two surviving
applications are issued, anchored by the worker in one Merkle batch, and a
bank verifies a certificate bundle from the chain alone. Another city cannot
register the same asset, a bank's pledge (confirmed on the holder's consent)
blocks cancellation in the node and on chain until released, and once a
certificate is revoked its bundle fails verification on status. Every step
checks its outcome; the command exits non-zero on the first failure.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from rich.console import Console
from rich.table import Table

from node.chain.action_payloads import ActionPayload, SetStatus, StatusChange
from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.chain_facts import ContractChainFacts
from node.chain.compiler import compile_contracts
from node.chain.connection import connect, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy
from node.chain.revert_errors import CertificateRegistryAssetKeyHeldError
from node.chain.transactions import TransactionSender
from node.chain.types import CentreStatus, CertificateStatus
from node.cli.context import settings_from
from node.config import REPO_ROOT, ChainBackend, ChainSettings, load_settings
from node.documents.bundle import CertificateBundle
from node.documents.ids import certificate_id_of, pledge_id_of
from node.domain.calendar import FixedClock, local_date
from node.domain.pledge_errors import CertificatePledgedError
from node.domain.workflow import ApplicationState
from node.errors import NodeError
from node.runtime import node_context, open_store
from node.services.applications import ApplicationService
from node.services.bundles import BundleService
from node.services.certificates import CertificateService
from node.services.issuance import IssuanceService
from node.services.pledges import PledgeService
from node.store.records import AnchorBatchStatus
from node.store.sender_lock import sender_lock
from node.verification.report import Outcome, VerificationReport
from node.verification.verifier import verify_bundle

SAMPLES = REPO_ROOT / "samples" / "applications.json"
CITIES = (
    (370200, "青岛市数据资产登记评价中心"),
    (370700, "潍坊市数据资产登记中心"),
    (370500, "东营市数据资产登记中心"),
    (652800, "巴音郭楞蒙古自治州数据资产登记中心"),
)
DEMO_BANK = "911100001000044477"
"""The credit code of the demo's bank (质权人)."""
console = Console(soft_wrap=True)


class DemoStepError(NodeError):
    """A demo step did not produce the outcome it checks for."""

    code = "demo_step_failed"


def demo_command(ctx: typer.Context) -> None:
    """Run the whole flow on the embedded chain and SQLite (no setup needed)."""
    settings = settings_from(ctx)
    Demo(settings.contracts_dir, settings.resolved_build_dir, settings.data_dir / "demo").run()


class Demo:
    """The steps of the demo, sharing the consortium, Qingdao's node and its certificates."""

    def __init__(self, contracts_dir: Path, build_dir: Path, data_dir: Path) -> None:
        self.contracts_dir = contracts_dir
        self.build_dir = build_dir
        self.samples: list[dict[str, Any]] = json.loads(SAMPLES.read_text("utf-8"))
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        self.data_dir = data_dir
        """A fresh folder per run: the embedded chain starts empty every time."""

    def run(self) -> None:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("compile the contracts", self.compile),
            ("deploy a consortium of four city centres", self.deploy),
            ("admit a fifth centre by more than two thirds of votes", self.admit),
            ("start Qingdao's node on SQLite", self.start_node),
            ("apply, review (合规审查), audit (审核) and publish notice (公示) x3", self.apply),
            ("decide objections (异议): one dismissed, one upheld", self.objections),
            ("issue certificates (颁证) after the notice period", self.issue),
            ("anchor the documents in a Merkle batch (worker)", self.anchor),
            ("verify a certificate bundle from the chain alone", self.verify),
            ("refuse the same asset in another city (登记互认)", self.refuse_duplicate),
            ("pledge (质押) a certificate; its cancellation is refused", self.pledge),
            ("revoke (撤销) a certificate; its bundle now fails on status", self.revoke),
        ]
        for number, (title, step) in enumerate(steps, start=1):
            with console.status(f"[{number}/{len(steps)}] {title}"):
                outcome = step()
            console.print(f"[green]✓[/] [{number}/{len(steps)}] {title}: {outcome}")
        self.summary()

    # -- the consortium --------------------------------------------------------------------

    def compile(self) -> str:
        self.build = compile_contracts(self.contracts_dir, self.build_dir)
        state = "cache hit" if self.build.cache_hit else "compiled"
        return f"{len(self.build.contracts)} contracts, solc {self.build.solc_version} ({state})"

    def deploy(self) -> str:
        self.connection = connect(ChainSettings(backend=ChainBackend.EMBEDDED))
        accounts = dev_accounts(self.connection)
        self.centre_keys: list[LocalAccount] = accounts[1 : 1 + len(CITIES)]
        self.newcomer = accounts[1 + len(CITIES)]
        genesis = [
            GenesisCentre(key.address, region, name, f"http://127.0.0.1:{9000 + i}")
            for i, (key, (region, name)) in enumerate(zip(self.centre_keys, CITIES, strict=True))
        ]
        self.record = deploy(
            self.connection,
            TransactionSender(self.connection.w3, accounts[0]),
            self.build,
            dataprop_plan(genesis, 7 * 24 * 3600),
            self.data_dir,
        )
        self.qingdao = bind_contracts(self.connection, self.record, self.build, self.centre_keys[0])
        gas = sum(item.gas_used for item in self.record.contracts.values())
        return f"{self.connection.describe()}, {gas:,} gas"

    def admit(self) -> str:
        centres = self.qingdao.centres
        needed = centres.threshold()
        centres.propose_admit(self.newcomer.address, 370100, "济南市数据资产登记中心", "")
        proposal_id = centres.proposal_count()
        for voter in range(1, needed):
            pending = centres.centre_of(self.newcomer.address)
            _check(pending.status is CentreStatus.NONE, "admitted below the threshold")
            self._as(voter).centres.vote(proposal_id)
        admitted = centres.centre_of(self.newcomer.address)
        _check(admitted.status is CentreStatus.ACTIVE, "not admitted at the threshold")
        return f"{needed} of {len(CITIES)} votes admitted centre {admitted.id}"

    # -- Qingdao's node --------------------------------------------------------------------

    def start_node(self) -> str:
        settings = load_settings(
            data_dir=self.data_dir,
            centre={"key": self.centre_keys[0].key.hex(), "region_code": "370200"},
            anchoring={"batch_size": 64, "max_batch_age": 1.0},
            chain={"confirmations": 0},
        )
        self.clock = FixedClock(datetime.now(UTC))
        self.store = open_store(settings, self.clock)
        self.context, contracts = node_context(
            settings, self.store, self.connection, self.record, self.build, clock=self.clock
        )
        self.worker = AnchoringWorker(
            self.store.unit_of_work,
            contracts,
            sender_lock(self.store.engine, self.centre_keys[0].address),
            WorkerSettings.from_settings(settings),
            clock=self.clock,
        )
        self.applications = ApplicationService(self.context)
        self.issuance = IssuanceService(self.context)
        self.certificates = CertificateService(self.context)
        self.bundles = BundleService(self.context)
        self.pledges = PledgeService(self.context)
        return f"database {settings.resolved_database_url}"

    def apply(self) -> str:
        self.application_ids: list[str] = []
        for index, sample in enumerate(self.samples[:3]):
            applicant = f"applicant-{index + 1}"
            application = self.applications.apply(applicant, sample).application
            self._later(minutes=30)
            self.applications.start_review("reviewer-wang", application.id)
            self.applications.complete_review(
                "reviewer-wang", application.id, sample["compliance_report"]
            )
            self._later(hours=2)
            self.applications.approve_audit("auditor-li", application.id)
            step = self.applications.publish_notice("publisher-zhao", application.id)
            _check(step.application.state is ApplicationState.PUBLIC_NOTICE, "not on notice")
            self.application_ids.append(application.id)
        notice = step.application.notice
        assert notice is not None
        return f"3 applications on notice until {notice.ends_on.isoformat()}"

    def objections(self) -> str:
        self._later(days=2)
        dismissed, upheld = self.application_ids[1], self.application_ids[2]
        self.applications.file_objection(dismissed, "某公众", "数据来源授权存疑。")
        self.applications.file_objection(upheld, "某数据公司", "该数据集权属存在争议。")
        self._later(days=1)
        resumed = self.applications.decide_objection(
            "committee", dismissed, "obj-1", upheld=False, reason="授权文件齐备。异议不成立。"
        )
        rejected = self.applications.decide_objection(
            "committee", upheld, "obj-1", upheld=True, reason="权属争议成立。不予登记。"
        )
        _check(resumed.application.state is ApplicationState.PUBLIC_NOTICE, "notice not resumed")
        _check(rejected.application.state is ApplicationState.REJECTED, "not rejected")
        return "one notice resumed, one application rejected"

    def issue(self) -> str:
        self._later(days=30)
        self.issued = [
            self.issuance.issue("issuer-chen", application_id)
            for application_id in self.application_ids[:2]
        ]
        numbers = [str(item.certificate.registration_number) for item in self.issued]
        return ", ".join(numbers)

    def anchor(self) -> str:
        _check(self.worker.start(), "the sender lock is held by another worker")
        report = self.worker.drain(30.0)
        _check(report.waiting == 0 and report.unsent == 0, f"not settled: {report}")
        _check(report.failed == 0, f"{report.failed} chain writes failed")
        for item in self.issued:
            on_chain = self.qingdao.certificates.certificate(
                certificate_id_of(str(item.certificate.registration_number))
            )
            _check(on_chain.status is CertificateStatus.ACTIVE, "certificate not registered")
        with self.store.unit_of_work() as uow:
            batches = uow.anchors.batches(AnchorBatchStatus.CONFIRMED)
        leaves = sum(batch.leaf_count for batch in batches)
        return f"{leaves} documents in {len(batches)} batch(es); asset keys claimed on chain"

    def verify(self) -> str:
        self.bundle = self.bundles.bundle(str(self.issued[0].certificate.registration_number))
        report = self._verify(self.bundle)
        _check(report.ok, f"verification failed: {_failures(report)}")
        self.reports = [report]
        passed = sum(1 for check in report.checks if check.passed)
        return f"{passed} checks passed at block {report.block_number}"

    def refuse_duplicate(self) -> str:
        weifang = self._as(1)
        claimed = self.issued[0]
        try:
            weifang.certificates.register_certificates(
                [keccak(text="370700-2026-000001")], [claimed.asset_key]
            )
        except CertificateRegistryAssetKeyHeldError as refused:
            return f"Weifang refused: the asset is held by centre {refused.centre_id}"
        raise DemoStepError("a second registration of the same asset was accepted")

    def pledge(self) -> str:
        number = str(self.issued[1].certificate.registration_number)
        holder = self.samples[1]["holder"]
        requested = self.pledges.request(
            "bank-officer-sun",
            DEMO_BANK,
            {
                "registration_number": number,
                "pledgor": {"name": holder["name"], "credit_code": holder["credit_code"]},
                "pledgee_name": "示例银行青岛分行",
                "principal": {"amount": "5000000.00", "currency": "CNY"},
                "term_start": local_date(self.clock.now()).isoformat(),
                "term_end": (local_date(self.clock.now()) + timedelta(days=365)).isoformat(),
                "unified_registry_number": "05391356000123456789",
                "contract_digest": "0x" + keccak(text="pledge contract").hex(),
            },
        )
        pledge_id = requested.stored.pledge.id
        active = self.pledges.consent("holder-gas", holder["credit_code"], pledge_id)
        _check(active.stored.pledge.priority == 1, "the consented pledge was not confirmed")
        self._settle()
        certificate_id = certificate_id_of(number)
        on_chain = self.qingdao.certificates.active_pledges(certificate_id)
        _check(on_chain == [pledge_id_of(pledge_id)], "the pledge is not active on chain")
        try:
            self.certificates.cancel("holder-gas", number, "业务终止。")
        except CertificatePledgedError:
            pass
        else:
            raise DemoStepError("the node cancelled a pledged certificate")
        refused = self._send(
            SetStatus(certificate_id, StatusChange.CANCELLED, keccak(text="cancellation"))
        )
        _check(refused == ["certificate_registry_certificate_pledged"], f"not refused: {refused}")
        self.pledges.release_own("bank-officer-sun", DEMO_BANK, pledge_id, reason="贷款已结清。")
        self._settle()
        _check(not self.qingdao.certificates.active_pledges(certificate_id), "pledge still active")
        return (
            "a bank's pledge confirmed on the holder's consent with priority 1; cancellation "
            "refused by the node and by the contract; pledge released"
        )

    def revoke(self) -> str:
        number = str(self.issued[0].certificate.registration_number)
        self._later(days=1)
        self.certificates.revoke("centre-director", number, "申请材料存在虚假内容。")
        report = self.worker.drain(30.0)
        _check(report.failed == 0 and report.waiting == 0, f"revocation not settled: {report}")
        after = self._verify(self.bundle)
        self.reports.append(after)
        _check(not after.ok, "a revoked certificate still verifies")
        return f"verification now fails: {_failures(after)}"

    def summary(self) -> None:
        table = Table("step", "check", "before revocation", "after revocation")
        before, after = self.reports
        for first, second in zip(before.checks, after.checks, strict=True):
            table.add_row(
                str(first.name.step), first.name.value, first.outcome.value, second.outcome.value
            )
        console.print(table)
        self.worker.stop()

    # -- helpers ---------------------------------------------------------------------------

    def _verify(self, bundle: CertificateBundle) -> VerificationReport:
        return verify_bundle(
            bundle, ContractChainFacts(self.qingdao), today=local_date(self.clock.now())
        )

    def _settle(self) -> None:
        report = self.worker.drain(30.0)
        _check(report.waiting == 0 and report.unsent == 0, f"not settled: {report}")
        _check(report.failed == 0, f"{report.failed} chain writes failed")

    def _send(self, action: ActionPayload) -> list[str]:
        """Queue a chain write in the outbox, let the worker send it; the refusals' codes."""
        with self.store.unit_of_work() as uow:
            queued = uow.chain_actions.enqueue(action.kind, action.to_payload())
            uow.commit()
        report = self.worker.drain(30.0)
        _check(report.waiting == 0 and report.unsent == 0, f"not settled: {report}")
        with self.store.unit_of_work() as uow:
            done = uow.chain_actions.get(queued.id)
        return [] if done.error is None else [done.error]

    def _later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    def _as(self, centre_index: int) -> DatapropContracts:
        return self.qingdao.as_account(self.centre_keys[centre_index])


def _failures(report: VerificationReport) -> str:
    return "; ".join(
        f"{check.name.value}: {check.reason}"
        for check in report.checks
        if check.outcome is Outcome.FAILED
    )


def _check(condition: bool, failure: str) -> None:
    if not condition:
        raise DemoStepError(failure)
