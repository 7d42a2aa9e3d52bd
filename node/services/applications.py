"""The registration workflow as use cases: 申请 → 合规审查 → 审核 → 公示 → 颁证.

Each method is one transaction: load, apply the domain rule, store the new
state together with the documents it produces (signed, queued for anchoring),
commit. A refused action raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from node.documents.builders import (
    compliance_report_document,
    notice_document,
    objection_decision_document,
)
from node.domain.notice import Objection
from node.domain.parsing import parse_application, parse_compliance_report
from node.domain.values import ApplicationContent
from node.domain.workflow import Application, ApplicationState
from node.services.context import NodeContext
from node.services.errors import NotYourCaseError, NotYourHolderError
from node.services.recording import latest_digest, record_document
from node.store.ports import AbstractUnitOfWork
from node.store.records import StoredDocument


@dataclass(frozen=True)
class CaseStep:
    """The application after a step, its stored version and the document the step produced."""

    application: Application
    version: int
    document: StoredDocument | None = None


class ApplicationService:
    """Applicant and operator actions on applications."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    # -- applicant -------------------------------------------------------------------------

    def apply(
        self,
        applicant_id: str,
        data: object,
        *,
        submit: bool = True,
        as_party: str | None = None,
    ) -> CaseStep:
        """Create an application from its JSON document (and submit it, by default).

        Every invalid field is reported at once (``ApplicationInvalidError``); a
        compliance report in the document is ignored: the reviewer writes it.
        With ``as_party`` (an applicant's credit code) the holder must be that party.
        """
        content = _content_of(data, as_party)
        application = Application(uuid4().hex, content)
        with self._context.unit_of_work() as uow:
            if submit:
                application.submit(applicant_id, at=self._context.clock.now())
            uow.applications.add(application, applicant_id=applicant_id)
            version = uow.applications.version(application.id)
            uow.commit()
        return CaseStep(application, version)

    def amend(
        self,
        applicant_id: str,
        application_id: str,
        data: object,
        *,
        as_party: str | None = None,
    ) -> CaseStep:
        """补正: replace the content of an application returned for amendment."""
        content = _content_of(data, as_party)
        return self._own_step(
            applicant_id,
            application_id,
            lambda app, at: app.amend(applicant_id, content, at=at),
        )

    def resubmit(self, applicant_id: str, application_id: str) -> CaseStep:
        return self._own_step(
            applicant_id, application_id, lambda app, at: app.resubmit(applicant_id, at=at)
        )

    def withdraw(self, applicant_id: str, application_id: str) -> CaseStep:
        return self._own_step(
            applicant_id, application_id, lambda app, at: app.withdraw(applicant_id, at=at)
        )

    def get_own(self, applicant_id: str, application_id: str) -> Application:
        """An application, only for the applicant who filed it."""
        with self._context.unit_of_work() as uow:
            self._require_owner(uow, applicant_id, application_id)
            return uow.applications.get(application_id)

    def list_own(self, applicant_id: str, *, limit: int = 50, offset: int = 0) -> list[Application]:
        with self._context.unit_of_work() as uow:
            return uow.applications.list_by_applicant(applicant_id, limit=limit, offset=offset)

    # -- operator: review and audit --------------------------------------------------------

    def start_review(self, reviewer: str, application_id: str) -> CaseStep:
        return self._step(application_id, lambda app, at: app.start_review(reviewer, at=at))

    def return_for_amendment(self, reviewer: str, application_id: str, reason: str) -> CaseStep:
        return self._step(
            application_id,
            lambda app, at: app.return_for_amendment(reviewer, reason, at=at),
        )

    def complete_review(self, reviewer: str, application_id: str, report: object) -> CaseStep:
        """合规审查: record the compliance report; the signed report is stored and anchored."""

        def review(app: Application, at: datetime) -> None:
            parsed = parse_compliance_report(report, app.content.rights)
            app.complete_review(reviewer, parsed, at=at)

        return self._step(
            application_id,
            review,
            lambda uow, app: record_document(
                uow,
                self._context,
                compliance_report_document(
                    app, centre=self._context.centre_ref, created_at=self._context.clock.now()
                ),
            ),
        )

    def reject(self, actor: str, application_id: str, reason: str) -> CaseStep:
        return self._step(application_id, lambda app, at: app.reject(actor, reason, at=at))

    def approve_audit(self, auditor: str, application_id: str) -> CaseStep:
        """审核: a second person approves; never one who reviewed (four-eyes)."""
        return self._step(application_id, lambda app, at: app.approve_audit(auditor, at=at))

    # -- public notice ---------------------------------------------------------------------

    def publish_notice(self, publisher: str, application_id: str) -> CaseStep:
        """公示: publish for the centre's notice period; the notice document is anchored."""
        centre = self._context.centre
        return self._step(
            application_id,
            lambda app, at: app.publish_notice(
                publisher,
                at=at,
                calendar=centre.calendar,
                working_days=centre.notice_working_days,
            ),
            self._notice_document,
        )

    def file_objection(self, application_id: str, filed_by: str, reason: str) -> CaseStep:
        """异议: anyone files an objection during the notice; the first pauses the clock."""
        calendar = self._context.centre.calendar
        return self._step(
            application_id,
            lambda app, at: app.file_objection(
                Objection(f"obj-{len(app.objections) + 1}", filed_by, reason, at),
                calendar=calendar,
            ),
        )

    def decide_objection(
        self, decider: str, application_id: str, objection_id: str, *, upheld: bool, reason: str
    ) -> CaseStep:
        """Upheld rejects the application; dismissed resumes the notice. Both are anchored."""
        calendar = self._context.centre.calendar

        def record(uow: AbstractUnitOfWork, app: Application) -> StoredDocument:
            return record_document(
                uow,
                self._context,
                objection_decision_document(
                    app,
                    objection_id,
                    centre=self._context.centre_ref,
                    created_at=self._context.clock.now(),
                    previous_digest=latest_digest(uow, app.id),
                ),
            )

        return self._step(
            application_id,
            lambda app, at: app.decide_objection(
                decider, objection_id, upheld=upheld, reason=reason, at=at, calendar=calendar
            ),
            record,
        )

    def get(self, application_id: str) -> Application:
        """Any application, for operators and regulators."""
        with self._context.unit_of_work() as uow:
            return uow.applications.get(application_id)

    def list_all(
        self,
        states: Collection[ApplicationState] | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Application]:
        """Applications in ``states`` (all for None), oldest first: queues and the notice board."""
        with self._context.unit_of_work() as uow:
            return uow.applications.list_by_state(states, limit=limit, offset=offset)

    # -- machinery -------------------------------------------------------------------------

    def _notice_document(self, uow: AbstractUnitOfWork, app: Application) -> StoredDocument:
        return record_document(
            uow,
            self._context,
            notice_document(
                app,
                centre=self._context.centre_ref,
                created_at=self._context.clock.now(),
                previous_digest=latest_digest(uow, app.id),
            ),
        )

    def _own_step(
        self,
        applicant_id: str,
        application_id: str,
        action: Callable[[Application, datetime], None],
    ) -> CaseStep:
        return self._step(application_id, action, owner=applicant_id)

    def _step(
        self,
        application_id: str,
        action: Callable[[Application, datetime], None],
        document: Callable[[AbstractUnitOfWork, Application], StoredDocument] | None = None,
        *,
        owner: str | None = None,
    ) -> CaseStep:
        with self._context.unit_of_work() as uow:
            if owner is not None:
                self._require_owner(uow, owner, application_id)
            application = uow.applications.get(application_id)
            action(application, self._context.clock.now())
            stored = None if document is None else document(uow, application)
            version = uow.applications.save(application)
            uow.commit()
        return CaseStep(application, version, stored)

    @staticmethod
    def _require_owner(uow: AbstractUnitOfWork, applicant_id: str, application_id: str) -> None:
        if uow.applications.applicant_of(application_id) != applicant_id:
            raise NotYourCaseError(f"application {application_id} is not yours")


def _content_of(data: object, party: str | None) -> ApplicationContent:
    """The application's content; NotYourHolderError when ``party`` is given and not the holder."""
    content, _report = parse_application(data)
    if party is not None and content.holder.credit_code.value != party:
        raise NotYourHolderError(
            f"the holder {content.holder.credit_code.value} is not the applicant {party}"
        )
    return content
