"""Regions as a hierarchy: listing, one subtree, one region added under a parent, and a
whole hierarchy imported from CSV.

A region's ``path`` lists the codes from the root down, each followed by ``/``
("CN/440000/440300/"): "this region and below" is one prefix match. Paths are computed
here, never typed. China's provincial-level divisions are seeded by migration 0008; any
other hierarchy (cities, counties, another country's divisions, a company's sales areas)
is imported with ``import_regions``: ``code,parent_code,name,name_en`` per line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from swordnet.domain.kinds import AgencyKind
from swordnet.services import audit
from swordnet.services.parties.validation import DuplicatePartyError, PartyError, required_text
from swordnet.storage import models

CSV_COLUMNS = ("code", "parent_code", "name", "name_en")
_MAX_CODE = 32
_MAX_NAME = 200
_MAX_PATH = 400


class RegionImportError(PartyError):
    """A regions file that cannot be imported; nothing of it was stored."""

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:10]) + (
            f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        super().__init__(f"the regions file was not imported, correct it and import again: {shown}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    parent_code: str | None
    name: str
    name_en: str | None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _check_code(code: str, where: str) -> str | None:
    if not code:
        return f"{where}: the code is empty"
    if "/" in code or any(c.isspace() for c in code):
        return f"{where}: code {code!r} may not contain '/' or spaces"
    if len(code) > _MAX_CODE:
        return f"{where}: code {code!r} is longer than {_MAX_CODE} characters"
    return None


def regions_query(*, parent_code: str | None = None, under: str | None = None) -> Select[Any]:
    """Regions ordered by path; ``parent_code``: its children; ``under``: a path prefix."""
    stmt = select(models.Region)
    if parent_code is not None:
        stmt = stmt.where(models.Region.parent_code == parent_code)
    if under is not None:
        stmt = stmt.where(models.Region.path.startswith(under))
    return stmt


def list_regions(session: Session, **filters: Any) -> list[models.Region]:
    """Every region (or those of ``regions_query``'s filters), parents before children."""
    return list(session.scalars(regions_query(**filters).order_by(models.Region.path)))


def regions_page(
    session: Session,
    *,
    parent_code: str | None = None,
    under: str | None = None,
    after_path: str | None = None,
    limit: int = 100,
) -> list[models.Region]:
    """A page of regions in path order (parents before children), after ``after_path``;
    ``under``: a region's code, that region and below."""
    prefix = get_region(session, under).path if under else None
    stmt = regions_query(parent_code=parent_code, under=prefix)
    if after_path is not None:
        stmt = stmt.where(models.Region.path > after_path)
    return list(session.scalars(stmt.order_by(models.Region.path).limit(limit)))


def get_region(session: Session, code: str) -> models.Region:
    region = session.get(models.Region, code)
    if region is None:
        raise PartyError(f"no region with code {code!r}: see `swordnet regions list`")
    return region


def subtree(session: Session, code: str) -> list[models.Region]:
    """The region ``code`` and every region below it, parents before children."""
    region = get_region(session, code)
    return list(session.scalars(regions_query(under=region.path).order_by(models.Region.path)))


def create_region(
    session: Session,
    *,
    code: str,
    name: str,
    parent_code: str | None,
    name_en: str | None = None,
    actor: str,
) -> models.Region:
    """One region under ``parent_code`` (None: a new root)."""
    code = code.strip()
    problem = _check_code(code, "region")
    if problem:
        raise PartyError(problem)
    name = required_text("name", name)
    if session.get(models.Region, code) is not None:
        raise DuplicatePartyError(f"a region with code {code!r} exists already")
    parent = get_region(session, parent_code) if parent_code else None
    path = f"{parent.path if parent else ''}{code}/"
    if len(path) > _MAX_PATH:
        raise PartyError(
            f"region {code!r} would be nested too deep (path over {_MAX_PATH} characters)"
        )
    region = models.Region(
        code=code,
        parent_code=parent.code if parent else None,
        name=name[:_MAX_NAME],
        name_en=(name_en or "").strip() or None,
        level=(parent.level + 1) if parent else 0,
        path=path,
    )
    session.add(region)
    session.flush()
    audit.record(
        session, actor, "region.created", "region", None, code=code, parent=region.parent_code
    )
    return region


def parse_regions_csv(text: str) -> list[RegionRow]:
    """The rows of a regions file: a header ``code,parent_code,name,name_en`` (``name_en``
    optional), then one region per line. Raises ``RegionImportError`` listing every
    malformed line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise RegionImportError(
            ["the file is empty; its first line must be code,parent_code,name,name_en"]
        )
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:3] != list(CSV_COLUMNS[:3]) or (len(header) > 3 and header[3] != "name_en"):
        raise RegionImportError(
            [f"the first line is {','.join(rows[0])!r}; it must be code,parent_code,name,name_en"]
        )
    problems: list[str] = []
    found: list[RegionRow] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row] + ["", "", "", ""]
        code, parent, name, name_en = cells[:4]
        where = f"line {number}"
        problem = _check_code(code, where)
        if problem:
            problems.append(problem)
            continue
        if not name:
            problems.append(f"{where}: region {code!r} has no name")
            continue
        if len(name) > _MAX_NAME or len(name_en) > _MAX_NAME:
            problems.append(f"{where}: a name of {code!r} is longer than {_MAX_NAME} characters")
            continue
        if parent == code:
            problems.append(f"{where}: region {code!r} is its own parent")
            continue
        found.append(RegionRow(code, parent or None, name, name_en or None))
    if problems:
        raise RegionImportError(problems)
    return found


def _paths(nodes: dict[str, RegionRow]) -> tuple[dict[str, str], list[str]]:
    """Each node's path, and the problems: an unknown parent, a cycle."""
    paths: dict[str, str] = {}
    problems: list[str] = []
    for start in nodes:
        chain: list[str] = []
        code: str | None = start
        while code is not None and code not in paths:
            if code in chain:
                cycle = " -> ".join([*chain[chain.index(code) :], code])
                problems.append(f"the parents of {start!r} go round in a cycle: {cycle}")
                break
            node = nodes.get(code)
            if node is None:
                problems.append(
                    f"region {chain[-1]!r} names the parent {code!r}, which is neither in the "
                    "file nor registered: add it to the file"
                )
                break
            chain.append(code)
            code = node.parent_code
        else:
            prefix = paths[code] if code is not None else ""
            for link in reversed(chain):
                prefix = paths[link] = f"{prefix}{link}/"
    return paths, sorted(set(problems))


def import_regions(session: Session, text: str, *, actor: str) -> ImportReport:
    """Add or change the regions of a CSV file, all or nothing.

    Regions already registered and absent from the file stay as they are (their paths
    follow when an ancestor moves). Importing the same file again changes nothing."""
    rows = parse_regions_csv(text)
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            problems.append(f"region {row.code!r} appears twice in the file")
        seen.add(row.code)
    existing = {r.code: r for r in session.scalars(select(models.Region))}
    nodes = {
        code: RegionRow(r.code, r.parent_code, r.name, r.name_en) for code, r in existing.items()
    }
    nodes.update({row.code: row for row in rows})
    paths, path_problems = _paths(nodes)
    problems += path_problems
    problems += [
        f"region {code!r} would be nested too deep (path over {_MAX_PATH} characters)"
        for code, path in paths.items()
        if len(path) > _MAX_PATH
    ]
    if problems:
        raise RegionImportError(problems)
    report = ImportReport()
    in_file = {row.code for row in rows}
    by_level = sorted(nodes.values(), key=lambda n: paths[n.code].count("/"))
    for node in by_level:
        path, level = paths[node.code], paths[node.code].count("/") - 1
        region = existing.get(node.code)
        if region is None:
            session.add(
                models.Region(
                    code=node.code,
                    parent_code=node.parent_code,
                    name=node.name,
                    name_en=node.name_en,
                    level=level,
                    path=path,
                )
            )
            session.flush()  # parents before children: the parent_code foreign key
            report.created.append(node.code)
            continue
        wanted = (node.parent_code, node.name, node.name_en, level, path)
        if (region.parent_code, region.name, region.name_en, region.level, region.path) == wanted:
            if node.code in in_file:
                report.unchanged += 1
            continue
        region.parent_code, region.name, region.name_en, region.level, region.path = wanted
        report.updated.append(node.code)
    session.flush()
    if report.created or report.updated:
        audit.record(
            session,
            actor,
            "regions.imported",
            "region",
            None,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
    return report


def ancestry(region: models.Region) -> list[str]:
    """The codes from the root down to ``region``, itself last."""
    return [code for code in region.path.split("/") if code]


def nearest_agency(
    session: Session, region_code: str | None, kind: AgencyKind
) -> models.Agency | None:
    """The agency of ``kind`` in the region or, failing that, its nearest ancestor region
    (one query); None when none is registered along the way."""
    if region_code is None:
        return None
    region = session.get(models.Region, region_code)
    if region is None:
        return None
    codes = ancestry(region)
    candidates = session.execute(
        select(models.Agency, models.Region.level)
        .join(models.Region, models.Region.code == models.Agency.region_code)
        .where(models.Agency.kind == kind, models.Agency.region_code.in_(codes))
        .order_by(models.Region.level.desc(), models.Agency.id)
    ).first()
    return candidates[0] if candidates else None


def region_paths(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(models.Region.code, models.Region.path).where(models.Region.code.in_(wanted))
        ).all()
    )
