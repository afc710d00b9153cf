"""The police referral package: one PDF, in Chinese and in English, that a public
security officer can read without SwordNet: the case and its operator, the figures and
where they come from, the criminal-threshold evaluation limb by limb, the detections with
their addresses, capture times and digests, the notices and what the site did about them,
the penalties and referrals so far, and a narrative.

The evidence bundle (WARC records, screenshots, ledger proofs, a standalone verifier) is
another file; ``bundle_manifest`` lists what it will hold for this case, and the package
prints that list so the reader knows what to ask for and how each item is identified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.kinds import NoticeItemStatus
from swordnet.services.access import Principal
from swordnet.services.cases.thresholds import CaseEvaluation, evaluate_case
from swordnet.services.cases.views import CaseDetail, case_detail
from swordnet.services.enforcement.rendering import cjk_font
from swordnet.storage import models

_DATE_BASIS = {
    "earliest_detection": ("案件中最早的侵权发现日期", "the earliest detection the case gathers"),
    "earliest_capture": ("案件中最早的页面固定日期", "the earliest capture the case gathers"),
    "case_opened": ("立案日期（案件中没有发现记录）", "the day the case was opened (no detection)"),
    "given": ("指定日期", "the date given"),
}


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One item the case's evidence bundle will hold."""

    kind: str  # warc_record, screenshot, notice, case_event
    ref: str  # how the item is named in the bundle
    sha256: str | None


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Package:
    """What the PDF prints, section by section (also what the tests read)."""

    case_id: int
    title: str
    sections: list[Section]
    evaluation: CaseEvaluation
    bundle: list[BundleEntry]

    def text(self) -> str:
        out = [self.title]
        for section in self.sections:
            out += ["", section.heading, *section.lines]
        return "\n".join(out)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def bundle_manifest(detail: CaseDetail) -> list[BundleEntry]:
    """What the evidence bundle of this case will hold: the WARC record and screenshot of
    every capture behind a detection, every notice as sent, every case event. (The bundle
    itself, with the ledger's inclusion proofs and the verifier, is built elsewhere.)"""
    entries: list[BundleEntry] = []
    captures: dict[int, models.Capture] = {c.id: c for c in detail.captures}
    for detection in detail.detections:
        if detection.capture is not None:
            captures.setdefault(detection.capture.id, detection.capture)
    for capture in sorted(captures.values(), key=lambda c: c.id):
        if capture.warc_record_id:
            entries.append(BundleEntry("warc_record", capture.warc_record_id, capture.sha256))
        if capture.screenshot_path:
            entries.append(BundleEntry("screenshot", f"capture-{capture.id}.png", None))
    for notice in detail.notices:
        entries.append(BundleEntry("notice", notice.key, notice.body_sha256))
    for event in detail.events:
        entries.append(BundleEntry("case_event", f"case-{detail.case.id}-event-{event.id}", None))
    return entries


def _case_section(detail: CaseDetail, session: Session) -> Section:
    c = detail.case
    platform = session.get(models.Platform, c.platform_id) if c.platform_id else None
    lines = [
        f"案件编号 Case: {c.id}  {c.title}",
        f"状态 State: {c.state}; 立案 Opened: {_when(c.opened_at)} ({c.source})",
        f"地区 Region: {c.region_code or '-'}; 承办人 Officer in charge: "
        f"{detail.officer_name or '-'}",
        f"经营者 Operator ({c.target_kind or '-'}): {c.operator or '-'}",
    ]
    lines += [f"  {key}: {value}" for key, value in (c.target_identifiers or {}).items()]
    if platform is not None:
        lines.append(
            f"网站 Site: {platform.name} ({platform.domain}); 经营者 operator "
            f"{platform.operator or '-'}; ICP {platform.icp_filing or '-'}; "
            f"托管 hosting {platform.hosting_provider or '-'}; "
            f"注册商 registrar {platform.registrar or '-'}"
        )
    if c.notes:
        lines.append(f"备注 Notes: {c.notes}")
    return Section("一、案件与经营者 / 1. The case and the operator", lines)


def _figures_section(evaluation: CaseEvaluation) -> Section:
    lines = [
        f"{f.name}: {f.value} {f.currency or f.unit} — 来源 source: {f.source}"
        for f in evaluation.figures
    ] or ["（未记录数据）(no figures recorded)"]
    return Section("二、数据及其来源 / 2. The figures and their sources", lines)


def _evaluation_section(evaluation: CaseEvaluation) -> Section:
    zh, en = _DATE_BASIS.get(evaluation.date_basis, (evaluation.date_basis,) * 2)
    lines = [
        f"行为日期 Date of the conduct: {evaluation.conduct_date.isoformat()} "
        f"（依据：{zh} / chosen as {en}）"
    ]
    lines += [
        f"未采用的数据 Set aside: {s.name}：{s.reason_zh} / {s.reason_en}"
        for s in evaluation.set_aside
    ]
    if evaluation.report is None:
        lines.append(f"无法评估 Not evaluated: {evaluation.problem}")
    else:
        lines += ["", "【中文】", *evaluation.report.lines_zh]
        lines += ["", "[English]", *evaluation.report.lines_en]
    return Section("三、刑事立案标准评估 / 3. The criminal-threshold evaluation", lines)


def _detections_section(detail: CaseDetail) -> Section:
    lines = []
    for d in detail.detections:
        capture = d.capture
        lines.append(
            f"#{d.id} {d.url} — {d.work.title} ({d.modality}/{d.signal}, "
            f"score {d.score:.2f}, {d.status.value}); 发现 detected {_when(d.detected_at)}"
        )
        if capture is not None:
            lines.append(
                f"    固定 captured {_when(capture.fetched_at)}, HTTP {capture.status_code}, "
                f"SHA-256 {capture.sha256 or '-'}"
            )
            lines.append(
                f"    WARC {capture.warc_file or '-'} @ {capture.warc_offset}, "
                f"record {capture.warc_record_id or '-'}"
            )
    return Section(
        "四、侵权发现及电子证据 / 4. Detections, their addresses, capture times and digests",
        lines or ["（无）(none)"],
    )


def _notices_section(detail: CaseDetail, shutdowns: Iterable[models.ShutdownRequest]) -> Section:
    lines = []
    for n in detail.notices:
        removed = sum(1 for i in n.items if i.status is NoticeItemStatus.REMOVED)
        lines.append(
            f"通知 Notice {n.key}: {n.status.value}; 发送 sent {_when(n.sent_at)} to "
            f"{n.recipient}; 期限 deadline {_when(n.deadline_at)}; {removed}/{len(n.items)} "
            f"removed; SHA-256 {n.body_sha256 or '-'}"
        )
        lines += [f"    {i.url}: {i.status.value} ({_when(i.checked_at)})" for i in n.items]
    for s in shutdowns:
        lines.append(
            f"关停请求 Shutdown request {s.id}: {s.status}, to {s.recipient}; "
            f"SHA-256 {s.body_sha256}"
        )
        for row in s.attachments or []:
            lines.append(
                f"    {row.get('key')}: {row.get('status')}, sent {row.get('sent_at')}, "
                f"{row.get('removed')}/{row.get('items')} removed"
            )
    for referral, agency in detail.referrals:
        lines.append(
            f"移送 Referral {referral.id} ({referral.kind}) to {agency}: {referral.status}"
            + (f"; outcome {referral.outcome}: {referral.outcome_text}" if referral.outcome else "")
        )
    for p in detail.penalties:
        amount = f" {p.amount} {p.currency}" if p.amount is not None else ""
        lines.append(f"行政处罚 Penalty: {p.kind}{amount}; 依据 basis {p.legal_basis}")
    return Section(
        "五、通知、整改及处理记录 / 5. Notices, compliance, penalties and referrals",
        lines or ["（无）(none)"],
    )


def _narrative(detail: CaseDetail, evaluation: CaseEvaluation) -> Section:
    c = detail.case
    works = sorted({d.work.title for d in detail.detections})
    seen = sorted(d.detected_at for d in detail.detections)
    first = seen[0].strftime("%Y-%m-%d") if seen else "-"
    last = seen[-1].strftime("%Y-%m-%d") if seen else "-"
    sent = [n for n in detail.notices if n.sent_at is not None]
    items = [i for n in sent for i in n.items]
    removed = sum(1 for i in items if i.status is NoticeItemStatus.REMOVED)
    operator = c.operator or (c.target_identifiers or {}).get("domain") or "-"
    conclusion_zh = conclusion_en = "尚未评估 / not evaluated"
    if evaluation.report is not None:
        conclusion_zh = next(
            (x for x in evaluation.report.lines_zh if x.startswith("结论")), conclusion_zh
        )
        conclusion_en = next(
            (x for x in evaluation.report.lines_en if x.startswith("Conclusion")), conclusion_en
        )
    zh = (
        f"{first} 至 {last} 期间，监测发现经营者 {operator} 在其网站上传播他人作品 "
        f"{len(works)} 部（{len(detail.detections)} 处侵权链接）。版权执法部门向其发出通知 "
        f"{len(sent)} 份，涉及 {len(items)} 处链接，其中 {removed} 处经复查确认已删除，"
        f"其余未删除。本案数据及其来源见第二部分；按行为日期适用的刑事立案标准评估见第三部分，"
        f"{conclusion_zh}。现将本案移送公安机关审查。"
    )
    en = (
        f"Between {first} and {last}, monitoring found the operator {operator} "
        f"disseminating {len(works)} works of others on its site ({len(detail.detections)} "
        f"infringing addresses). The copyright administration sent it {len(sent)} notices "
        f"covering {len(items)} addresses; re-checks verified {removed} of them removed, the "
        f"rest were not. The figures and their sources are in part 2; the evaluation "
        f"against the criminal thresholds in force on the date of the conduct is in part 3 "
        f"({conclusion_en}). The case is referred to the public security organ for review."
    )
    return Section("六、案情说明 / 6. Narrative", [zh, "", en])


def _bundle_section(bundle: list[BundleEntry]) -> Section:
    counts: dict[str, int] = {}
    for entry in bundle:
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    lines = [
        "电子证据包另行提供，包含以下各项（及其默克尔日志包含证明与独立校验程序）：",
        "The evidence bundle is a separate file; it will hold these items (with the ledger's "
        "inclusion proofs and a standalone verifier):",
    ]
    lines += [f"  {kind}: {count}" for kind, count in sorted(counts.items())]
    lines += [f"  {e.kind} {e.ref} {e.sha256 or ''}".rstrip() for e in bundle if e.sha256]
    return Section("七、电子证据包 / 7. The evidence bundle", lines)


def build_package(
    sessions: sessionmaker[Session],
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    now: datetime,
    rule_set: str | None = None,
) -> Package:
    """The package's content, as ``principal`` may see the case (``NotVisible`` else)."""
    detail = case_detail(session, principal, case_id)
    evaluation = evaluate_case(sessions, session, detail.case, rule_set=rule_set)
    shutdowns = session.scalars(
        select(models.ShutdownRequest)
        .where(models.ShutdownRequest.case_id == case_id)
        .order_by(models.ShutdownRequest.id)
    ).all()
    bundle = bundle_manifest(detail)
    title = (
        f"案件移送材料 / Police referral package — 案件 Case {case_id}; "
        f"制作 prepared {_when(now)} by {principal.username}"
    )
    sections = [
        _case_section(detail, session),
        _figures_section(evaluation),
        _evaluation_section(evaluation),
        _detections_section(detail),
        _notices_section(detail, shutdowns),
        _narrative(detail, evaluation),
        _bundle_section(bundle),
    ]
    return Package(case_id, title, sections, evaluation, bundle)


def render_package_pdf(package: Package, *, compress: bool = True) -> bytes:
    """The package as a PDF (fpdf2; Chinese needs the CJK font, fonts-wqy-microhei)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(f"Police referral package, case {package.case_id}")
    pdf.set_creator("SwordNet")
    font = cjk_font()
    family = "body" if font is not None else "helvetica"
    if font is not None:
        pdf.add_font("body", fname=str(font))

    def clean(text: str) -> str:
        return text if font is not None else text.encode("latin-1", "replace").decode("latin-1")

    def write(text: str, size: float, height: float) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(
            0, height, clean(text) or " ", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR
        )

    pdf.add_page()
    write(package.title, 13, 7)
    for section in package.sections:
        pdf.ln(3)
        write(section.heading, 11, 6)
        for line in section.lines:
            write(line, 9, 4.5)
    return bytes(pdf.output())


def package_summary(package: Package) -> dict[str, Any]:
    """What the API answers beside the PDF's address: the evaluation and the bundle list."""
    return {
        "case_id": package.case_id,
        "evaluation": package.evaluation.as_dict(),
        "bundle": [{"kind": e.kind, "ref": e.ref, "sha256": e.sha256} for e in package.bundle],
    }
