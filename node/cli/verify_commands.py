"""`dataprop verify`: check a certificate bundle against the chain, as a bank does.

The bundle comes from a file (the bundle's JSON, or a certificate PDF with the
bundle attached), from this node's store by registration number, or from
another node's public API (``--node URL``). The chain is this node's
or ``--rpc URL``; the consortium is trusted through this node's deployment
record or ``--centre-registry ADDRESS`` (the CertificateRegistry is then the
bundle's, accepted only if it answers to that CentreRegistry).

Exit status: 0 the certificate is valid; 1 it is not (a check failed, or the
bundle names registries outside the trusted consortium); 2 it could not be
verified (unusable input, unknown number, chain or settings missing).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
from eth_utils.address import is_address
from rich.console import Console
from rich.table import Table

from node.chain.chain_facts import ConsortiumMismatchError
from node.chain.deployment import load_deployment
from node.chain.facts_sources import DirectFactsSource
from node.cli.context import err_console, settings_from
from node.config import Settings
from node.documents.bundle import CertificateBundle, parse_bundle
from node.documents.bundle_pdf import parse_certificate_file
from node.domain.calendar import SystemClock, local_date
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegistrationNumber
from node.errors import NodeError
from node.runtime import NodeChain, node_chain
from node.verification.public import Verified
from node.verification.report import Outcome
from node.verification.report_json import VerificationJson
from node.verification.verifier import verify_bundle
from node.verifier_runtime import centre_services, no_bundles

console = Console(soft_wrap=True)
OUTCOME_STYLE = {
    Outcome.PASSED: "[green]✓ passed[/]",
    Outcome.WARNING: "[bold yellow]! warning[/]",
    Outcome.FAILED: "[bold red]✗ failed[/]",
    Outcome.SKIPPED: "[dim]- skipped[/]",
}


class ExitStatus(IntEnum):
    """What `dataprop verify` exits with."""

    VALID = 0
    INVALID = 1
    UNUSABLE = 2


class BundleUnavailableError(NodeError):
    """The bundle could not be read from a file or fetched from a node."""

    code = "bundle_unavailable"


def verify_command(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="FILE|NUMBER",
            help="bundle JSON file, certificate PDF or registration number",
        ),
    ],
    rpc: Annotated[
        str | None, typer.Option("--rpc", metavar="URL", help="chain JSON-RPC endpoint")
    ] = None,
    centre_registry: Annotated[
        str | None,
        typer.Option(
            "--centre-registry",
            metavar="ADDRESS",
            help="the trusted CentreRegistry (default: this node's deployment)",
        ),
    ] = None,
    node: Annotated[
        str | None,
        typer.Option("--node", metavar="URL", help="fetch NUMBER's bundle from this node's API"),
    ] = None,
    as_centre: Annotated[
        int | None,
        typer.Option("--as-centre", min=1, metavar="ID", help="verify as this peer centre (互认)"),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify a certificate bundle against the chain (exit 0 valid, 1 not valid, 2 unusable)."""
    try:
        settings = settings_from(ctx)
        status = _verify(settings, target, rpc, centre_registry, node, as_centre, json_output)
    except ConsortiumMismatchError as exc:
        _error_line(exc)
        status = ExitStatus.INVALID
    except NodeError as exc:
        _error_line(exc)
        status = ExitStatus.UNUSABLE
    raise typer.Exit(int(status))


def _verify(
    settings: Settings,
    target: str,
    rpc: str | None,
    centre_registry: str | None,
    node: str | None,
    as_centre: int | None,
    json_output: bool,
) -> ExitStatus:
    if centre_registry is not None and not is_address(centre_registry):
        raise InvalidFieldError("--centre-registry", "address", "is not a 20-byte hex address")
    path = Path(target)
    number = None if path.is_file() else _registration_number(target)
    if number is not None and node is not None:
        bundle = parse_bundle(_fetch_bundle(node, number))
        chain = node_chain(settings, rpc)
    elif number is not None:
        chain = node_chain(settings, rpc)
        record = load_deployment(settings.data_dir, chain.connection)
        services = centre_services(settings, chain, record, SystemClock())
        bundle = no_bundles(number) if services is None else services.bundles.bundle(number)
    else:
        bundle = parse_certificate_file(_read_file(path))
        chain = node_chain(settings, rpc)
    verified = _check(settings, chain, bundle, centre_registry, as_centre)
    if json_output:
        typer.echo(VerificationJson.of(verified).model_dump_json(indent=2))
    else:
        _print(VerificationJson.of(verified))
    return ExitStatus.VALID if verified.report.ok else ExitStatus.INVALID


def _check(
    settings: Settings,
    chain: NodeChain,
    bundle: CertificateBundle,
    centre_registry: str | None,
    as_centre: int | None,
) -> Verified:
    if centre_registry is not None:
        source = DirectFactsSource(chain.connection, chain.build, centre_registry)
    else:
        record = load_deployment(settings.data_dir, chain.connection)
        source = DirectFactsSource(
            chain.connection,
            chain.build,
            record.address("CentreRegistry"),
            record.address("CertificateRegistry"),
        )
    today = local_date(SystemClock().now())
    report = verify_bundle(bundle, source.facts_for(bundle), today=today, as_centre_id=as_centre)
    return Verified(bundle, report)


def _registration_number(target: str) -> str:
    try:
        return str(RegistrationNumber.parse(target, "FILE|NUMBER"))
    except InvalidFieldError:
        raise BundleUnavailableError(
            f"{target!r} is neither a bundle file, a certificate PDF nor a registration number"
        ) from None


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BundleUnavailableError(f"cannot read {path}: {exc.strerror}") from exc


def _fetch_bundle(node: str, number: str) -> bytes:
    url = f"{node.rstrip('/')}/certificates/{number}/bundle"
    try:
        response = httpx.get(url, timeout=10.0)
    except httpx.HTTPError as exc:
        raise BundleUnavailableError(f"cannot fetch {url}: {exc}") from exc
    if response.status_code != 200:
        raise BundleUnavailableError(
            f"{url} answered {response.status_code}: {_error_of(response)}"
        )
    return response.content


def _error_of(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['message']} ({error['code']})"
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def _print(report: VerificationJson) -> None:
    verdict = (
        "[bold green]VALID 有效[/]" if report.verdict == "valid" else "[bold red]NOT VALID 无效[/]"
    )
    console.print(f"{verdict}  {report.registration_number or '(no registration number)'}")
    checks = Table("step", "check", "outcome", "reason", title="checks")
    for check in report.checks:
        checks.add_row(
            str(check.step), check.name.value, OUTCOME_STYLE[check.outcome], check.reason
        )
    console.print(checks)
    facts = Table("fact", "value", title="checked against", show_header=False)
    facts.add_row("chain id", str(report.chain_id))
    facts.add_row("block height", str(report.block_number))
    facts.add_row("CentreRegistry", report.contracts.centre_registry)
    facts.add_row("AnchorRegistry", report.contracts.anchor_registry)
    facts.add_row("CertificateRegistry", report.contracts.certificate_registry)
    if report.centre is not None:
        centre = report.centre
        facts.add_row("centre", f"{centre.name} ({centre.region_code}), key {centre.signer}")
    facts.add_row("registration number", report.registration_number or "-")
    facts.add_row("checked on", report.checked_on.isoformat())
    facts.add_row("active pledges", str(len(report.pledges)))
    for pledge in report.pledges:
        facts.add_row(
            f"  priority {pledge.priority}",
            f"{pledge.pledge_id} (record {pledge.record_digest}, block {pledge.registered_block})",
        )
    console.print(facts)


def _error_line(exc: NodeError) -> None:
    err_console.print(f"[bold red]error[/] ({exc.code}): {exc}", highlight=False)
