"""Audits run as jobs in the background, for the regulator API: start one, read its result.

One audit runs at a time (it takes the machine's cores). A job's reports and a
record of the job are written under ``<folder>/<job id>/`` when it ends, so a
finished job can still be read after the node restarts; a job running when
the process ends is lost and must be started again.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from node.audit.report import AuditReport
from node.domain.calendar import Clock
from node.errors import DomainError, NodeError
from node.store.errors import NotFoundError

log = logging.getLogger(__name__)


class AuditRunningError(DomainError):
    """An audit is running already; one runs at a time."""

    code = "audit_running"


class AuditNotFinishedError(DomainError):
    """The audit has no report: it is still running, or it failed."""

    code = "audit_not_finished"


class JobStatus(StrEnum):
    """Where an audit job stands."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditJob:
    """An audit started by a regulator, and how it ended."""

    id: str
    requested_by: str
    from_block: int | None
    status: JobStatus
    started_at: str
    finished_at: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    summary: dict[str, Any] | None = None
    """Errors, warnings and the count of each kind of finding, once finished."""


Runner = Callable[[int | None], AuditReport]
"""Runs the node's audit from a block (None: the deployment's block)."""


class AuditJobs:
    """The node's audit jobs: the one running, and those ended (in memory and on disk)."""

    def __init__(self, folder: Path, run: Runner, clock: Clock) -> None:
        self._folder = folder
        self._run = run
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, AuditJob] = {}
        self._running: str | None = None

    def start(self, requested_by: str, from_block: int | None) -> AuditJob:
        """Start an audit in a thread of its own; AuditRunningError while one runs."""
        with self._lock:
            if self._running is not None:
                raise AuditRunningError(f"audit {self._running} is running; read its status")
            job = AuditJob(
                id=uuid.uuid4().hex,
                requested_by=requested_by,
                from_block=from_block,
                status=JobStatus.RUNNING,
                started_at=self._clock.now().isoformat(),
            )
            self._jobs[job.id] = job
            self._running = job.id
        threading.Thread(
            target=self._work, args=(job,), name=f"audit-{job.id}", daemon=True
        ).start()
        return job

    def get(self, job_id: str) -> AuditJob:
        """A job by id; NotFoundError (``audit_not_found``) when none has it."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        record = self._place(job_id) / "job.json"
        try:
            body = json.loads(record.read_text("utf-8"))
            return AuditJob(**{**body, "status": JobStatus(body["status"])})
        except (OSError, ValueError, TypeError, KeyError):
            raise NotFoundError("audit", job_id) from None

    def report(self, job_id: str, kind: str) -> Path:
        """The ``json`` or ``html`` report of a finished job."""
        job = self.get(job_id)
        if job.status is not JobStatus.FINISHED:
            raise AuditNotFinishedError(f"audit {job_id} is {job.status.value}: it has no report")
        return self._place(job_id) / f"report.{kind}"

    def _work(self, job: AuditJob) -> None:
        try:
            report = self._run(job.from_block)
            report.write(self._place(job.id))
            ended = replace(
                job,
                status=JobStatus.FINISHED,
                finished_at=self._clock.now().isoformat(),
                summary={
                    "verdict": "fail" if report.errors else "pass",
                    "errors": report.errors,
                    "warnings": report.warnings,
                    "block_number": report.chain.head_block,
                    "findings": {
                        code: row["count"] for code, row in report.by_code().items() if row["count"]
                    },
                },
            )
        except NodeError as error:
            ended = self._failed(job, error.code, str(error))
        except Exception as error:  # the job must end, whatever failed; the log has the trace
            log.exception("audit %s failed", job.id)
            ended = self._failed(job, "audit_failed", f"{type(error).__name__}: {error}")
        try:
            place = self._place(job.id)
            place.mkdir(parents=True, exist_ok=True)
            (place / "job.json").write_text(json.dumps(asdict(ended), ensure_ascii=False), "utf-8")
        except OSError:
            log.exception("the record of audit %s could not be written", job.id)
        with self._lock:
            self._jobs[job.id] = ended
            self._running = None

    def _failed(self, job: AuditJob, code: str, message: str) -> AuditJob:
        return replace(
            job,
            status=JobStatus.FAILED,
            finished_at=self._clock.now().isoformat(),
            error_code=code,
            error_message=message,
        )

    def _place(self, job_id: str) -> Path:
        if not job_id.isalnum():
            raise NotFoundError("audit", job_id)
        return self._folder / job_id
